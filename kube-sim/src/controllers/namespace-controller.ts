import type { ApiServer } from '../api/api-server';
import { ClusterClient } from './cluster-client';
import type { StoreEvent } from '../store/object-store';
import { NAMESPACES } from '../api/namespace-guard';
import type { Controller } from './controller-runner';

const TERMINATING_AT_LEAST_MS = 1000;

const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * Namespaces: every active namespace gets its kube-root-ca.crt ConfigMap and default
 * ServiceAccount; a terminating namespace is emptied and then removed.
 */
export class NamespaceController implements Controller {
  readonly name = 'namespace';
  private readonly client: ClusterClient;

  constructor(
    private readonly api: ApiServer,
    private readonly caPem: string,
  ) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === NAMESPACES) return event.type === 'DELETED' ? [] : [event.object.metadata.name];
    const ns = event.object.metadata['namespace'];
    return event.type === 'DELETED' && typeof ns === 'string' ? [ns] : [];
  }

  reconcile(name: string): number | void {
    const ns = this.client.get('v1', 'Namespace', undefined, name);
    if (!ns) return;
    if (!ns.metadata['deletionTimestamp']) return this.populate(name);
    // Like the real namespace controller, take a moment: clients can see it Terminating.
    const since = Date.now() - Date.parse(String(ns.metadata['deletionTimestamp']));
    if (since < TERMINATING_AT_LEAST_MS) return TERMINATING_AT_LEAST_MS - since;
    const remaining = this.client.listAll(name);
    for (const { object } of remaining) if (!object.metadata['deletionTimestamp']) this.client.delete(object);
    if (remaining.length > 0) return 100;
    this.api.store.remove(NAMESPACES, '', name);
  }

  private populate(namespace: string): void {
    if (!this.client.get('v1', 'ConfigMap', namespace, 'kube-root-ca.crt')) {
      this.client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } },
        data: { 'ca.crt': this.caPem },
      });
    }
    if (!this.client.get('v1', 'ServiceAccount', namespace, 'default')) {
      this.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
    }
  }
}
