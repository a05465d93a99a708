import type { KubeObject } from '../model/kube-object';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'gitfleet';
export const BUNDLE_LABEL = 'gitfleet.io/bundle';

export interface PrepareOptions {
  bundle: string;
  /** Namespace for namespaced objects that set none. */
  defaultNamespace: string;
  /** From discovery: whether the object's kind is namespaced. */
  namespaced: boolean;
}

/**
 * The object as the agent applies it: a copy with the default namespace filled in on
 * namespaced objects that set none, no namespace on cluster-scoped ones, and the labels that
 * mark it as this agent's, for this bundle.
 */
export function prepareObject(object: KubeObject, options: PrepareOptions): KubeObject {
  const copy = structuredClone(object);
  const metadata = copy.metadata;
  if (options.namespaced) {
    if (!metadata.namespace) metadata.namespace = options.defaultNamespace;
  } else {
    delete metadata.namespace;
  }
  metadata.labels = { ...(metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BUNDLE_LABEL]: options.bundle };
  return copy;
}
