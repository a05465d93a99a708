import type { ApiServer } from '../api/api-server';
import { ClusterClient } from './cluster-client';
import { JsonObject, KubeObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, isPodReady, keyOf, ownerKeysOfKind, splitKey, withoutZeros } from './owner-references';
import { podFromTemplate } from './pod-factory';

const REPLICASETS = typeKeyOf('apps', 'replicasets');
const RETRY_MS = 1000;

/** Pods a scale-down removes first: not ready before ready, then the newest. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const readiness = Number(isPodReady(a)) - Number(isPodReady(b));
  return readiness || String(b.metadata['creationTimestamp']).localeCompare(String(a.metadata['creationTimestamp']));
}

/** ReplicaSets: keep spec.replicas Pods and report how many are ready. */
export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === REPLICASETS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'Pod' ? ownerKeysOfKind(event, 'ReplicaSet') : [];
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    const rs = this.client.get('apps/v1', 'ReplicaSet', namespace, name);
    if (!rs || rs.metadata['deletionTimestamp']) return;
    const spec = rs['spec'] as JsonObject;
    const desired = Number(spec['replicas'] ?? 1);
    const pods = this.client.list('v1', 'Pod', namespace, (p) => isOwnedBy(p, rs) && !p.metadata['deletionTimestamp']);
    let refused = false;
    for (let i = pods.length; i < desired; i++)
      refused = !this.client.create(podFromTemplate(rs, spec['template'] as JsonObject)) || refused;
    for (const extra of [...pods].sort(deletionOrder).slice(0, Math.max(0, pods.length - desired))) this.client.delete(extra);
    // Like the real controller, status counts the Pods as listed before this sync's changes;
    // the Pod events that follow bring it up to date.
    const ready = pods.filter(isPodReady).length;
    const status = withoutZeros({
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: Number(rs.metadata['generation'] ?? 1),
    });
    if (JSON.stringify(status) !== JSON.stringify(isObject(rs['status']) ? rs['status'] : {}))
      this.client.update({ ...rs, status }, 'status');
    // A refused Pod (its ServiceAccount not made yet, a quota) is tried again, as the real controller backs off.
    if (refused) return RETRY_MS;
  }
}
