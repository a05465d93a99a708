import type { Target } from '#proto';

/** What the gate needs to know of one bundle's rollout: who may have its desired revision. */
export interface RolloutGate {
  admitted: ReadonlySet<string>;
}

/**
 * The targets a cluster gets, from the targets the fleet wants for it (`desired`, after
 * targetsFor) and the ones it holds (`previous`, its current TargetSet):
 * - a pinned bundle gets its target at the pinned commit (none if that commit did not select
 *   the cluster) — pins take precedence over rollouts;
 * - a bundle under rollout that has not admitted the cluster keeps its previous target
 *   unchanged (or stays absent if the cluster never had it);
 * - everything else is as desired.
 * Sorted by bundle, like targetsFor: `desired` itself when no bundle has a rollout or a pin.
 */
export function gateTargets(
  clusterId: string,
  desired: Target[],
  previous: readonly Target[],
  rollouts: ReadonlyMap<string, RolloutGate>,
  pins: ReadonlyMap<string, Target | null>,
): Target[] {
  // No rollout and no pin: as desired (the same array).
  if (rollouts.size === 0 && pins.size === 0) return desired;
  const previousOf = new Map(previous.map((t) => [t.bundle, t]));
  const result = new Map<string, Target>();
  for (const target of desired) {
    if (pins.has(target.bundle)) continue;
    const rollout = rollouts.get(target.bundle);
    if (rollout === undefined || rollout.admitted.has(clusterId)) {
      result.set(target.bundle, target);
      continue;
    }
    const kept = previousOf.get(target.bundle);
    if (kept !== undefined) result.set(target.bundle, kept);
  }
  for (const [bundle, pinned] of pins) if (pinned !== null) result.set(bundle, pinned);
  return [...result.values()].sort((a, b) => (a.bundle < b.bundle ? -1 : a.bundle > b.bundle ? 1 : 0));
}
