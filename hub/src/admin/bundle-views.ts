import {
  BUNDLE_PHASES,
  BundleHealth,
  conditionOf,
  type BundleClusterView,
  type BundlePhase,
  type BundleView,
  type PlacementCount,
} from '../api-contract';
import { connectivityWindowMs } from '../clusters/connectivity';
import type { BundleEntity } from '../fleet-repo/bundle.entity';
import { sourceCommitOfTargets } from '../fleet-repo/content-commits';
import type { BundlePin } from '../rollout/rollout-store';
import type { ClusterPlacement, PlacementGroup, PlacementQuery } from '../status/bundle-placements';
import { placementPhase, type ViewContext } from './views';

/** The bundle shapes of the admin API, from the bundle reads of status/bundle-placements.ts. */

/** What the bundle reads need of the moment: who counts as reachable now, and whom each rollout admitted. */
export function placementQuery(ctx: ViewContext): PlacementQuery {
  return {
    heardSince: new Date(ctx.now - connectivityWindowMs(ctx.heartbeatIntervalMs)),
    admitted: new Map([...ctx.rollouts].map(([bundle, rollout]) => [bundle, rollout.admitted])),
  };
}

/** Bundle → its clusters counted by phase and health (key `phase/health`). */
export type PlacementTally = Map<string, Map<string, number>>;

/** Adds counted placements to a tally, each group's phase derived once. */
export function tallyPlacements(groups: PlacementGroup[], ctx: ViewContext, tally: PlacementTally = new Map()): PlacementTally {
  for (const group of groups) {
    const { phase, health } = placementPhase(group, ctx.rollouts);
    let counts = tally.get(group.bundle);
    if (counts === undefined) tally.set(group.bundle, (counts = new Map()));
    const key = `${phase}/${health}`;
    counts.set(key, (counts.get(key) ?? 0) + group.clusters);
  }
  return tally;
}

const HEALTHS = BundleHealth.options;

export function bundleView(
  bundle: BundleEntity,
  pin: BundlePin | undefined,
  counts: Map<string, number> | undefined,
  ctx: ViewContext,
): BundleView {
  const placements: PlacementCount[] = [...(counts ?? [])]
    .map(([key, clusters]) => {
      const [phase, health] = key.split('/') as [BundlePhase, BundleHealth];
      return { phase, health, condition: conditionOf(phase, health), clusters };
    })
    .sort(
      (a, b) => BUNDLE_PHASES.indexOf(a.phase) - BUNDLE_PHASES.indexOf(b.phase) || HEALTHS.indexOf(a.health) - HEALTHS.indexOf(b.health),
    );
  const summary = Object.fromEntries([['total', 0], ...BUNDLE_PHASES.map((p) => [p, 0])]) as BundleView['summary'];
  for (const p of placements) {
    summary.total += p.clusters;
    summary[p.phase] += p.clusters;
  }
  return {
    name: bundle.name,
    path: bundle.spec.sourcePath,
    commit: bundle.commit,
    contentCommit: sourceCommitOfTargets(bundle.spec.source),
    pin: pin === undefined ? null : { commit: pin.commit, pinnedAt: pin.pinnedAt.toISOString() },
    rollout: ctx.rollouts.get(bundle.name)?.state ?? null,
    summary,
    placements,
  };
}

export function bundleClusterView(placement: ClusterPlacement, ctx: ViewContext): BundleClusterView {
  const { phase, health } = placementPhase(placement, ctx.rollouts);
  return { cluster: placement.cluster, phase, health, condition: conditionOf(phase, health), commit: placement.reported?.commit ?? null };
}
