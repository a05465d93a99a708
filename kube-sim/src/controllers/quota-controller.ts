import type { ApiServer } from '../api/api-server';
import { usageIn } from '../api/quota-usage';
import { ClusterClient } from './cluster-client';
import { JsonObject, isObject } from '../json-value';
import { typeKeyOf, type StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { keyOf, splitKey } from './owner-references';

const QUOTAS = typeKeyOf('', 'resourcequotas');

/** The resource quota controller: each quota's status shows its hard limits and what the namespace uses. */
export class QuotaController implements Controller {
  readonly name = 'resourcequota';
  private readonly client: ClusterClient;

  constructor(private readonly api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === QUOTAS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    const namespace = event.object.metadata['namespace'];
    if (typeof namespace !== 'string') return [];
    return this.api.store.list(QUOTAS, namespace).map((q) => keyOf(q));
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const quota = this.client.get('v1', 'ResourceQuota', namespace, name);
    if (!quota || quota.metadata['deletionTimestamp']) return;
    const hard = isObject(quota['spec']) && isObject(quota['spec']['hard']) ? quota['spec']['hard'] : {};
    const status: JsonObject = { hard, used: usageIn(this.api.store, namespace, Object.keys(hard)) };
    if (JSON.stringify(status) !== JSON.stringify(quota['status'] ?? {})) this.client.update({ ...quota, status }, 'status');
  }
}
