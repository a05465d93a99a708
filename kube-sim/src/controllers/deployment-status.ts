import { JsonObject, KubeObject, isObject } from '../json-value';
import { RolloutSpec, rolloutComplete } from './rollout-arithmetic';
import { withoutZeros } from './owner-references';

/**
 * Deployment status as kube-controller-manager computes it (calculateStatus and
 * syncRolloutStatus), over plain objects: counts from the ReplicaSets, then the Available
 * and Progressing conditions, with SetDeploymentCondition's ordering rules.
 */

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const TIMED_OUT = 'ProgressDeadlineExceeded';

export function conditionsOf(status: unknown): JsonObject[] {
  const conditions = isObject(status) ? status['conditions'] : undefined;
  return Array.isArray(conditions) ? conditions.filter(isObject) : [];
}

export function findCondition(status: unknown, type: string): JsonObject | undefined {
  return conditionsOf(status).find((c) => c['type'] === type);
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): JsonObject {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * SetDeploymentCondition: the same status and reason is left alone; otherwise the condition
 * moves to the end, keeping lastTransitionTime when only the reason changed.
 */
export function setCondition(status: JsonObject, condition: JsonObject): void {
  const current = findCondition(status, String(condition['type']));
  if (current && current['status'] === condition['status'] && current['reason'] === condition['reason']) return;
  const next = { ...condition };
  if (current && current['status'] === condition['status']) next['lastTransitionTime'] = current['lastTransitionTime'] ?? null;
  status['conditions'] = [...conditionsOf(status).filter((c) => c['type'] !== condition['type']), next];
}

export function removeCondition(status: JsonObject, type: string): void {
  status['conditions'] = conditionsOf(status).filter((c) => c['type'] !== type);
}

const count = (rs: KubeObject, field: string) => Number((isObject(rs['status']) ? rs['status'][field] : undefined) ?? 0);
const specReplicas = (rs: KubeObject) => Number((isObject(rs['spec']) ? rs['spec']['replicas'] : undefined) ?? 0);

/** calculateStatus: counts over every ReplicaSet, the Available condition, other conditions kept. */
export function calculateStatus(
  deployment: KubeObject,
  all: KubeObject[],
  current: KubeObject | undefined,
  spec: RolloutSpec,
  now: string,
): JsonObject {
  const previous = isObject(deployment['status']) ? deployment['status'] : {};
  const available = all.reduce((n, rs) => n + count(rs, 'availableReplicas'), 0);
  const total = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const status = withoutZeros({
    observedGeneration: Number(deployment.metadata['generation'] ?? 1),
    replicas: all.reduce((n, rs) => n + count(rs, 'replicas'), 0),
    updatedReplicas: current ? count(current, 'replicas') : 0,
    readyReplicas: all.reduce((n, rs) => n + count(rs, 'readyReplicas'), 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  });
  const conditions = conditionsOf(previous);
  if (conditions.length > 0) status['conditions'] = conditions.map((c) => ({ ...c }));
  if (previous['collisionCount'] !== undefined) status['collisionCount'] = previous['collisionCount'];
  if (available >= spec.replicas - spec.maxUnavailable)
    setCondition(status, newCondition(AVAILABLE, 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  else
    setCondition(
      status,
      newCondition(AVAILABLE, 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now),
    );
  return status;
}

const num = (status: JsonObject, field: string) => Number(status[field] ?? 0);

/** DeploymentProgressing: more Pods updated, fewer old ones, or more ready or available. */
function madeProgress(before: JsonObject, after: JsonObject): boolean {
  return (
    num(after, 'updatedReplicas') > num(before, 'updatedReplicas') ||
    num(after, 'replicas') - num(after, 'updatedReplicas') < num(before, 'replicas') - num(before, 'updatedReplicas') ||
    num(after, 'readyReplicas') > num(before, 'readyReplicas') ||
    num(after, 'availableReplicas') > num(before, 'availableReplicas')
  );
}

export interface ProgressClock {
  /** When the Progressing condition last changed, in ms (condition timestamps have 1 s resolution). */
  lastProgressMs: number;
  /** progressDeadlineSeconds as simulated ms; undefined when the Deployment has no deadline. */
  deadlineMs: number | undefined;
  nowMs: number;
}

export interface RolloutStatus {
  status: JsonObject;
  /** The Progressing condition was (re)set now: the deadline clock restarts. */
  progressed: boolean;
  /** ms until the deadline would pass, when the rollout is still under way. */
  recheckMs?: number;
}

/** syncRolloutStatus: the Progressing condition after calculateStatus. */
export function rolloutStatus(
  deployment: KubeObject,
  status: JsonObject,
  currentName: string | undefined,
  spec: RolloutSpec,
  clock: ProgressClock,
  now: string,
): RolloutStatus {
  const before = isObject(deployment['status']) ? deployment['status'] : {};
  const currentCond = findCondition(before, PROGRESSING);
  const complete = num(status, 'replicas') === num(status, 'updatedReplicas') && currentCond?.['reason'] === NEW_RS_AVAILABLE;
  if (clock.deadlineMs === undefined || complete) return { status, progressed: false };
  const subject = currentName ? `ReplicaSet "${currentName}"` : `Deployment "${deployment.metadata.name}"`;
  const counts = {
    updatedReplicas: num(status, 'updatedReplicas'),
    replicas: num(status, 'replicas'),
    availableReplicas: num(status, 'availableReplicas'),
  };
  if (rolloutComplete(spec.replicas, counts)) {
    setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE, `${subject} has successfully progressed.`, now));
    return { status, progressed: true };
  }
  if (madeProgress(before, status)) {
    const condition = newCondition(PROGRESSING, 'True', RS_UPDATED, `${subject} is progressing.`, now);
    if (currentCond?.['status'] === 'True') condition['lastTransitionTime'] = currentCond['lastTransitionTime'] ?? now;
    removeCondition(status, PROGRESSING);
    setCondition(status, condition);
    return { status, progressed: true, recheckMs: clock.deadlineMs };
  }
  const progressing = findCondition(status, PROGRESSING);
  if (!progressing || progressing['reason'] === NEW_RS_AVAILABLE) return { status, progressed: false };
  if (progressing['reason'] === TIMED_OUT) return { status, progressed: false };
  const remaining = clock.lastProgressMs + clock.deadlineMs - clock.nowMs;
  if (remaining >= 0) return { status, progressed: false, recheckMs: remaining + 1 };
  setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT, `${subject} has timed out progressing.`, now));
  return { status, progressed: false };
}
