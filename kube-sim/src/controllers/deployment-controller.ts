import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from './cluster-client';
import { JsonObject, KubeObject, clone, deepEqual, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import {
  NEW_RS_CREATED,
  PROGRESSING,
  calculateStatus,
  findCondition,
  newCondition,
  rolloutStatus,
  setCondition,
} from './deployment-status';
import { controllerReference, isOwnedBy, keyOf, ownerKeysOfKind, splitKey } from './owner-references';
import { templateHash } from './pod-factory';
import { semanticallyEqualAt } from '../schema/semantic-equality';
import { ReplicaCounts, RolloutSpec, newReplicaSetTarget, rolloutComplete, rolloutSpec, scaleDownOld } from './rollout-arithmetic';

const DEPLOYMENTS = typeKeyOf('apps', 'deployments');
const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';

const spec = (o: KubeObject) => (isObject(o['spec']) ? o['spec'] : {});
const replicasOf = (rs: KubeObject) => Number(spec(rs)['replicas'] ?? 0);
const annotation = (o: KubeObject, key: string) => (isObject(o.metadata['annotations']) ? o.metadata['annotations'][key] : undefined);
const revisionOf = (rs: KubeObject) => Number(annotation(rs, REVISION) ?? 0);
const podsOf = (rs: KubeObject) => Number((isObject(rs['status']) ? rs['status']['replicas'] : 0) ?? 0);
const counts = (rs: KubeObject): ReplicaCounts => ({
  replicas: replicasOf(rs),
  available: Number((isObject(rs['status']) ? rs['status']['availableReplicas'] : 0) ?? 0),
});
const byAge = (a: KubeObject, b: KubeObject) =>
  String(a.metadata['creationTimestamp']).localeCompare(String(b.metadata['creationTimestamp'])) ||
  a.metadata.name.localeCompare(b.metadata.name);

function sameTemplate(rs: KubeObject, template: JsonObject): boolean {
  const ours = clone(spec(rs)['template'] as JsonObject);
  if (isObject(ours['metadata']) && isObject(ours['metadata']['labels'])) {
    delete ours['metadata']['labels']['pod-template-hash'];
    if (Object.keys(ours['metadata']['labels']).length === 0) delete ours['metadata']['labels'];
  }
  return semanticallyEqualAt('apps/v1', 'Deployment', ['spec', 'template'], ours, template);
}

/**
 * Deployments, as kube-controller-manager runs them: one ReplicaSet per pod template, rolled
 * with maxSurge/maxUnavailable (or Recreate), scaling events, revision history, and the
 * Available/Progressing conditions including ProgressDeadlineExceeded.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly client: ClusterClient;
  /** ms-precise time of each Deployment's last progress, by key. */
  private readonly lastProgress = new Map<string, number>();

  constructor(
    api: ApiServer,
    private readonly specSecondMs: number,
  ) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === DEPLOYMENTS) {
      if (event.type === 'DELETED') this.lastProgress.delete(keyOf(event.object));
      return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    }
    return event.object.kind === 'ReplicaSet' ? ownerKeysOfKind(event, 'Deployment') : [];
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    let deployment = this.client.get('apps/v1', 'Deployment', namespace, name);
    if (!deployment) return;
    const rollout = rolloutSpec(deployment);
    const owned = this.client.list('apps/v1', 'ReplicaSet', namespace, (rs) => isOwnedBy(rs, deployment!)).sort(byAge);
    const hash = templateHash(spec(deployment)['template']);
    // The ReplicaSet whose template equals the Deployment's, its hash label aside (quantities by value).
    let current = owned.find((rs) => sameTemplate(rs, spec(deployment!)['template'] as JsonObject));
    const old = owned.filter((rs) => rs !== current);
    if (deployment.metadata['deletionTimestamp']) return this.writeStatus(key, deployment, owned, current, rollout, false);

    const scaling = owned.some(
      (rs) => replicasOf(rs) > 0 && annotation(rs, DESIRED) !== undefined && Number(annotation(rs, DESIRED)) !== rollout.replicas,
    );
    if (spec(deployment)['paused'] === true || (scaling && this.scale(current, old, rollout))) {
      return this.writeStatus(key, deployment, owned, current, rollout, false);
    }

    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    if (!rollout.rolling && old.some((rs) => replicasOf(rs) > 0 || podsOf(rs) > 0)) {
      // Recreate: every old Pod goes before the new ReplicaSet exists.
      for (const rs of old) this.resize(rs, 0, rollout);
      return this.writeStatus(key, deployment, owned, current, rollout, true);
    }
    if (!current) {
      const target = rollout.rolling ? newReplicaSetTarget(rollout, old.map(counts), { replicas: 0, available: 0 }) : rollout.replicas;
      current = this.client.create(this.replicaSetFor(deployment, hash, target, maxOldRevision + 1, rollout));
      if (!current) return;
      deployment = this.recordNewReplicaSet(key, deployment, current, maxOldRevision + 1);
    } else {
      deployment = this.syncRevision(deployment, current, maxOldRevision, rollout);
    }
    if (rollout.rolling) this.rollRolling(current, old, rollout);
    else this.resize(current, rollout.replicas, rollout);
    const recheck = this.writeStatus(key, deployment, [current, ...old], current, rollout, true);
    const status = this.client.get('apps/v1', 'Deployment', namespace, name)?.['status'];
    const counted = {
      updatedReplicas: 0,
      replicas: 0,
      availableReplicas: 0,
      ...(isObject(status) ? (status as Record<string, number>) : {}),
    };
    if (rolloutComplete(rollout.replicas, counted)) this.cleanUp(deployment, old);
    return recheck;
  }

  /**
   * A scaling event: the only active ReplicaSet (or the newest) takes the new size; a
   * saturated new one sends the old ones to zero. Mid-rollout, the new size is recorded and
   * the rollout goes on (the real controller scales proportionally; returns false then).
   */
  private scale(current: KubeObject | undefined, old: KubeObject[], rollout: RolloutSpec): boolean {
    const all = current ? [current, ...old] : old;
    const active = all.filter((rs) => replicasOf(rs) > 0);
    if (active.length <= 1) {
      const newest = current ?? [...old].sort(byAge).pop();
      if (active[0] ?? newest) this.resize(active[0] ?? newest, rollout.replicas, rollout);
      return true;
    }
    if (current && replicasOf(current) === rollout.replicas && podsOf(current) >= rollout.replicas) {
      for (const rs of old) this.resize(rs, 0, rollout);
      return true;
    }
    for (const rs of active) this.resize(rs, replicasOf(rs), rollout);
    return false;
  }

  private rollRolling(current: KubeObject, old: KubeObject[], rollout: RolloutSpec): void {
    const target = newReplicaSetTarget(rollout, [current, ...old].map(counts), counts(current));
    if (target !== replicasOf(current)) return this.resize(current, target, rollout);
    const targets = scaleDownOld(rollout, old.map(counts), counts(current));
    old.forEach((rs, i) => this.resize(rs, targets[i], rollout));
  }

  private resize(rs: KubeObject, replicas: number, rollout: RolloutSpec): void {
    const annotations = {
      ...((rs.metadata['annotations'] as JsonObject | undefined) ?? {}),
      [DESIRED]: String(rollout.replicas),
      [MAX]: String(rollout.replicas + rollout.maxSurge),
    };
    if (replicasOf(rs) === replicas && deepEqual(annotations, rs.metadata['annotations'])) return;
    this.client.update({ ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...spec(rs), replicas } });
  }

  /** getNewReplicaSet after a create: the Deployment's revision and Progressing NewReplicaSetCreated. */
  private recordNewReplicaSet(key: string, deployment: KubeObject, created: KubeObject, revision: number): KubeObject {
    const status = clone(isObject(deployment['status']) ? deployment['status'] : {});
    const now = timestamp();
    if (spec(deployment)['progressDeadlineSeconds'] !== undefined) {
      setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_CREATED, `Created new replica set "${created.metadata.name}"`, now));
      this.lastProgress.set(key, Date.now());
    }
    const annotations = { ...((deployment.metadata['annotations'] as JsonObject | undefined) ?? {}), [REVISION]: String(revision) };
    return this.client.update({ ...deployment, metadata: { ...deployment.metadata, annotations }, status }, 'status') ?? deployment;
  }

  /** An existing ReplicaSet brought back (a rollback) becomes the newest revision. */
  private syncRevision(deployment: KubeObject, current: KubeObject, maxOldRevision: number, rollout: RolloutSpec): KubeObject {
    const revision = Math.max(revisionOf(current), maxOldRevision + 1);
    if (revision !== revisionOf(current)) {
      const annotations = {
        ...((current.metadata['annotations'] as JsonObject | undefined) ?? {}),
        [REVISION]: String(revision),
        [DESIRED]: String(rollout.replicas),
        [MAX]: String(rollout.replicas + rollout.maxSurge),
      };
      this.client.update({ ...current, metadata: { ...current.metadata, annotations } });
    }
    if (annotation(deployment, REVISION) === String(revision)) return deployment;
    const annotations = { ...((deployment.metadata['annotations'] as JsonObject | undefined) ?? {}), [REVISION]: String(revision) };
    return this.client.update({ ...deployment, metadata: { ...deployment.metadata, annotations } }, 'status') ?? deployment;
  }

  /** Status from the ReplicaSets as read at the start of this sync, like the real controller. */
  private writeStatus(
    key: string,
    deployment: KubeObject,
    all: KubeObject[],
    current: KubeObject | undefined,
    rollout: RolloutSpec,
    rolling: boolean,
  ): number | void {
    const now = timestamp();
    let status = calculateStatus(deployment, all, current, rollout, now);
    let recheck: number | undefined;
    const seconds = spec(deployment)['progressDeadlineSeconds'];
    if (rolling) {
      const progressing = findCondition(deployment['status'], PROGRESSING);
      const lastProgressMs = this.lastProgress.get(key) ?? Date.parse(String(progressing?.['lastUpdateTime'] ?? now));
      const deadlineMs = typeof seconds === 'number' && seconds < 2147483647 ? seconds * this.specSecondMs : undefined;
      const outcome = rolloutStatus(
        deployment,
        status,
        current?.metadata.name,
        rollout,
        { lastProgressMs, deadlineMs, nowMs: Date.now() },
        now,
      );
      status = outcome.status;
      if (outcome.progressed) this.lastProgress.set(key, Date.now());
      recheck = outcome.recheckMs;
    }
    if (!deepEqual(status, isObject(deployment['status']) ? deployment['status'] : {}))
      this.client.update({ ...deployment, status }, 'status');
    return recheck;
  }

  /** Old ReplicaSets beyond revisionHistoryLimit, with no Pods left, are deleted oldest first. */
  private cleanUp(deployment: KubeObject, old: KubeObject[]): void {
    const limit = Number(spec(deployment)['revisionHistoryLimit'] ?? 10);
    const idle = old.filter((rs) => replicasOf(rs) === 0 && podsOf(rs) === 0 && !rs.metadata['deletionTimestamp']);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) this.client.delete(rs);
  }

  private replicaSetFor(deployment: KubeObject, hash: string, replicas: number, revision: number, rollout: RolloutSpec): KubeObject {
    const template = clone(spec(deployment)['template'] as JsonObject);
    const templateMeta = isObject(template['metadata']) ? template['metadata'] : (template['metadata'] = {});
    templateMeta['labels'] = { ...(isObject(templateMeta['labels']) ? templateMeta['labels'] : {}), 'pod-template-hash': hash };
    const selector = clone(isObject(spec(deployment)['selector']) ? (spec(deployment)['selector'] as JsonObject) : {});
    selector['matchLabels'] = { ...(isObject(selector['matchLabels']) ? selector['matchLabels'] : {}), 'pod-template-hash': hash };
    const annotations = {
      [DESIRED]: String(rollout.replicas),
      [MAX]: String(rollout.replicas + rollout.maxSurge),
      [REVISION]: String(revision),
    };
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
}
