import { stringify } from 'yaml';

/**
 * A kubeconfig with one cluster, one token user and one context, all named `name`.
 * The server is plain http; @kubernetes/client-node 1.x refuses http:// unless the cluster
 * says insecure-skip-tls-verify, and kubectl accepts that combination too.
 */
export function renderKubeconfig(name: string, server: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
