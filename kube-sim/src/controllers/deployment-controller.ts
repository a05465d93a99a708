import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from '../cluster/cluster-client';
import { JsonObject, KubeObject, clone, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { controllerReference, isOwnedBy, keyOf, ownerKeysOfKind, splitKey, withoutZeros } from './owner-references';
import { templateHash } from './pod-factory';

const DEPLOYMENTS = typeKeyOf('apps', 'deployments');
const REVISION = 'deployment.kubernetes.io/revision';

/**
 * Deployments: one ReplicaSet per pod template (named by its hash); the current one is
 * scaled to spec.replicas, older ones to zero once it is ready; status and conditions
 * follow the ReplicaSets, as kube-controller-manager reports them.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === DEPLOYMENTS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'ReplicaSet' ? ownerKeysOfKind(event, 'Deployment') : [];
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const deployment = this.client.get('apps/v1', 'Deployment', namespace, name);
    if (!deployment || deployment.metadata['deletionTimestamp']) return;
    const spec = deployment['spec'] as JsonObject;
    const desired = Number(spec['replicas'] ?? 1);
    const hash = templateHash(spec['template']);
    const owned = this.client.list('apps/v1', 'ReplicaSet', namespace).filter((rs) => isOwnedBy(rs, deployment));
    const revisions = owned.map((rs) => Number((rs.metadata['annotations'] as JsonObject | undefined)?.[REVISION] ?? 0));
    let current = owned.find((rs) => (rs.metadata['labels'] as JsonObject | undefined)?.['pod-template-hash'] === hash);
    const revision = current ? Number((current.metadata['annotations'] as JsonObject)[REVISION]) : Math.max(0, ...revisions) + 1;
    const annotations = { [REVISION]: String(revision), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + 1) };
    if (!current) {
      current = this.client.create(this.replicaSetFor(deployment, hash, desired, annotations));
    } else if (Number((current['spec'] as JsonObject)['replicas']) !== desired) {
      current = this.client.update({ ...current, metadata: { ...current.metadata, annotations }, spec: { ...(current['spec'] as JsonObject), replicas: desired } });
    }
    if (!current) return;
    const currentReady = Number((current['status'] as JsonObject | undefined)?.['readyReplicas'] ?? 0);
    const old = owned.filter((rs) => rs.metadata['uid'] !== current!.metadata['uid']);
    if (currentReady >= desired) {
      for (const rs of old) if (Number((rs['spec'] as JsonObject)['replicas']) !== 0) this.client.update({ ...rs, spec: { ...(rs['spec'] as JsonObject), replicas: 0 } });
    }
    this.writeStatus(deployment, current, [current, ...old], desired, revision);
  }

  private replicaSetFor(deployment: KubeObject, hash: string, replicas: number, annotations: JsonObject): KubeObject {
    const spec = deployment['spec'] as JsonObject;
    const template = clone(spec['template'] as JsonObject);
    const templateMeta = isObject(template['metadata']) ? template['metadata'] : (template['metadata'] = {});
    templateMeta['labels'] = { ...(isObject(templateMeta['labels']) ? templateMeta['labels'] : {}), 'pod-template-hash': hash };
    const selector = clone(isObject(spec['selector']) ? spec['selector'] : {});
    selector['matchLabels'] = { ...(isObject(selector['matchLabels']) ? selector['matchLabels'] : {}), 'pod-template-hash': hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: String(deployment.metadata['namespace']),
        labels: templateMeta['labels'],
        annotations,
        ownerReferences: [controllerReference(deployment)],
      },
      spec: { replicas, selector, template },
    };
  }

  private writeStatus(deployment: KubeObject, current: KubeObject, all: KubeObject[], desired: number, revision: number): void {
    const count = (rs: KubeObject, field: string) => Number((rs['status'] as JsonObject | undefined)?.[field] ?? 0);
    const replicas = all.reduce((n, rs) => n + count(rs, 'replicas'), 0);
    const available = all.reduce((n, rs) => n + count(rs, 'availableReplicas'), 0);
    const updated = count(current, 'replicas');
    const complete = updated >= desired && count(current, 'availableReplicas') >= desired && replicas === updated;
    const previous = isObject(deployment['status']) ? deployment['status'] : {};
    const condition = (type: string, status: string, reason: string, message: string): JsonObject => {
      const prior = (Array.isArray(previous['conditions']) ? previous['conditions'].filter(isObject) : []).find((c) => c['type'] === type);
      const now = timestamp();
      const unchanged = prior && prior['status'] === status && prior['reason'] === reason;
      return { type, status, lastUpdateTime: unchanged ? prior['lastUpdateTime']! : now, lastTransitionTime: prior && prior['status'] === status ? prior['lastTransitionTime']! : now, reason, message };
    };
    const availableNow = available >= desired;
    const status = withoutZeros({
      observedGeneration: Number(deployment.metadata['generation'] ?? 1),
      replicas,
      updatedReplicas: updated,
      readyReplicas: all.reduce((n, rs) => n + count(rs, 'readyReplicas'), 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, Math.max(replicas, desired) - available),
    });
    status['conditions'] = [
      availableNow
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      complete
        ? condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${current.metadata.name}" has successfully progressed.`)
        : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${current.metadata.name}" is progressing.`),
    ];
    const annotations = { ...((deployment.metadata['annotations'] as JsonObject | undefined) ?? {}), [REVISION]: String(revision) };
    this.client.update({ ...deployment, metadata: { ...deployment.metadata, annotations }, status }, 'status');
  }
}
