import type { ApiServer } from '../api/api-server';
import { ClusterClient } from '../cluster/cluster-client';
import { JsonObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, isPodReady, keyOf, ownerKeysOfKind, splitKey, withoutZeros } from './owner-references';
import { podFromTemplate } from './pod-factory';

const REPLICASETS = typeKeyOf('apps', 'replicasets');

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

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = this.client.get('apps/v1', 'ReplicaSet', namespace, name);
    if (!rs || rs.metadata['deletionTimestamp']) return;
    const spec = rs['spec'] as JsonObject;
    const desired = Number(spec['replicas'] ?? 1);
    let pods = this.client.list('v1', 'Pod', namespace).filter((p) => isOwnedBy(p, rs) && !p.metadata['deletionTimestamp']);
    for (let i = pods.length; i < desired; i++) this.client.create(podFromTemplate(rs, spec['template'] as JsonObject));
    for (const extra of pods.slice(desired)) this.client.delete(extra);
    pods = this.client.list('v1', 'Pod', namespace).filter((p) => isOwnedBy(p, rs) && !p.metadata['deletionTimestamp']);
    const ready = pods.filter(isPodReady).length;
    const status = withoutZeros({
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: Number(rs.metadata['generation'] ?? 1),
    });
    if (JSON.stringify(status) !== JSON.stringify(isObject(rs['status']) ? rs['status'] : {})) this.client.update({ ...rs, status }, 'status');
  }
}
