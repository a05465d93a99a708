import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig from YAML text, or the default one (KUBECONFIG or in-cluster) when absent. */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromString(kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

/** The namespace of the kubeconfig's current context ("default" when it names none). */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.currentContext)?.namespace || 'default';
}
