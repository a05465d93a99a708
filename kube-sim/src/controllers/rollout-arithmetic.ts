import { JsonObject, JsonValue, isObject } from '../json-value';

/**
 * The Deployment controller's arithmetic (k8s.io/kubernetes pkg/controller/deployment/util),
 * as plain functions over plain objects: fenceposts, how far the new ReplicaSet may grow and
 * how many old Pods may go.
 */

/** A ReplicaSet as the arithmetic sees it. */
export interface ReplicaCounts {
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
}

export interface RolloutSpec {
  replicas: number;
  rolling: boolean;
  maxSurge: number;
  maxUnavailable: number;
}

/** intstr.GetScaledValueFromIntOrPercent: "25%" of 10 is 3 rounding up, 2 rounding down. */
export function scaledValue(value: JsonValue | undefined, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const exact = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** Desired replicas, strategy and resolved fenceposts of a Deployment. */
export function rolloutSpec(deployment: JsonObject): RolloutSpec {
  const spec = isObject(deployment['spec']) ? deployment['spec'] : {};
  const replicas = Number(spec['replicas'] ?? 1);
  const strategy = isObject(spec['strategy']) ? spec['strategy'] : {};
  const rolling = strategy['type'] !== 'Recreate';
  if (!rolling) return { replicas, rolling, maxSurge: 0, maxUnavailable: 0 };
  const params = isObject(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
  const maxSurge = scaledValue(params['maxSurge'] ?? '25%', replicas, true);
  let maxUnavailable = scaledValue(params['maxUnavailable'] ?? '25%', replicas, false);
  // ResolveFenceposts: both zero would never make progress, so one Pod may be unavailable.
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  // MaxUnavailable(): never more than the Deployment's replicas.
  maxUnavailable = replicas === 0 ? 0 : Math.min(maxUnavailable, replicas);
  return { replicas, rolling, maxSurge, maxUnavailable };
}

const sum = (sets: ReplicaCounts[], field: keyof ReplicaCounts) => sets.reduce((n, rs) => n + rs[field], 0);

/** NewRSNewReplicas: the new ReplicaSet's target size this step. */
export function newReplicaSetTarget(spec: RolloutSpec, all: ReplicaCounts[], current: ReplicaCounts): number {
  if (!spec.rolling) return spec.replicas;
  if (current.replicas > spec.replicas) return spec.replicas;
  const maxTotal = spec.replicas + spec.maxSurge;
  const currentPods = sum(all, 'replicas');
  if (currentPods >= maxTotal) return current.replicas;
  return current.replicas + Math.min(maxTotal - currentPods, spec.replicas - current.replicas);
}

/**
 * reconcileOldReplicaSets: the new spec.replicas of each old ReplicaSet (oldest first).
 * Unhealthy old Pods go first, then healthy ones while minimum availability allows.
 */
export function scaleDownOld(spec: RolloutSpec, old: ReplicaCounts[], current: ReplicaCounts): number[] {
  const targets = old.map((rs) => rs.replicas);
  if (sum(old, 'replicas') === 0) return targets;
  const minAvailable = spec.replicas - spec.maxUnavailable;
  const newUnavailable = current.replicas - current.available;
  const maxScaledDown = sum(old, 'replicas') + current.replicas - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return targets;
  let cleaned = 0;
  old.forEach((rs, i) => {
    if (cleaned >= maxScaledDown || targets[i] === 0 || targets[i] === rs.available) return;
    const down = Math.min(maxScaledDown - cleaned, targets[i] - rs.available);
    targets[i] = targets[i] - down;
    cleaned += down;
  });
  const available = sum(old, 'available') + current.available;
  if (available <= minAvailable) return targets;
  const budget = available - minAvailable;
  let scaled = 0;
  targets.forEach((replicas, i) => {
    if (scaled >= budget || replicas === 0) return;
    const down = Math.min(replicas, budget - scaled);
    targets[i] = replicas - down;
    scaled += down;
  });
  return targets;
}

/** DeploymentComplete: every replica updated and available, and the generation observed. */
export function rolloutComplete(
  desired: number,
  status: { updatedReplicas: number; replicas: number; availableReplicas: number },
): boolean {
  return status.updatedReplicas === desired && status.replicas === desired && status.availableReplicas === desired;
}
