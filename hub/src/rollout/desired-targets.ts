import { canonicalJson } from '#core';
import type { BundleSpec, ClusterGroupSpec } from '../fleet-repo/fleet-format';
import type { DesiredTargets, PlacementCluster, PlacementFleet } from '../placement/placement.service';
import { targetDigest } from '../placement/target-set';
import { forgetAbsent } from './kept-maps';

/** A bundle's target on one cluster, as a rollout compares it with what the cluster holds. */
export interface DesiredTarget {
  /** The commit of its source ('' without one). */
  commit: string;
  /** targetDigest of the target: what the cluster's TargetSet holds for the bundle, when it holds it. */
  digest: string;
}

interface Kept {
  /** The cluster's name and labels the target was built from. */
  of: string;
  /** The object they were read from: the same object again (facts kept between steps) needs no comparison. */
  cluster: PlacementCluster;
  target: DesiredTarget | null;
}

/**
 * The desired target of each rolled-out bundle on each cluster, kept from one rollout step to
 * the next. A step plans over the whole fleet after every status batch, and building every
 * cluster's target and hashing it again each time was most of a step's work at 10,000 clusters
 * (bench/scale.ts, BENCH_ROLLOUT); a target changes only with the bundle's spec, the groups or
 * the cluster's name and labels, and only then is it built again.
 */
export class DesiredTargetCache {
  private readonly bundles = new Map<string, { fleet: string; kept: Map<string, Kept>; targets: Map<string, DesiredTarget | null> }>();

  /** `build`: placement's targets of these clusters in this fleet (PlacementService.desiredTargets). */
  constructor(private readonly build: (clusters: PlacementCluster[], fleet: PlacementFleet) => DesiredTargets) {}

  /**
   * Per cluster id: the bundle's target there, or null where the bundle does not target the
   * cluster. The map is the cache's own, changed in place by the next call; an unchanged
   * cluster keeps its DesiredTarget object from call to call.
   */
  of(bundle: BundleSpec, groups: ClusterGroupSpec[], clusters: readonly PlacementCluster[]): ReadonlyMap<string, DesiredTarget | null> {
    const fleet = canonicalJson([bundle, groups]);
    let held = this.bundles.get(bundle.name);
    if (held?.fleet !== fleet) {
      held = { fleet, kept: new Map(), targets: new Map() };
      this.bundles.set(bundle.name, held);
    }
    const { kept, targets } = held;
    const stale: PlacementCluster[] = [];
    let found = 0;
    for (const cluster of clusters) {
      const entry = kept.get(cluster.id);
      if (entry === undefined) {
        stale.push(cluster);
        continue;
      }
      found++;
      if (entry.cluster === cluster) continue;
      if (entry.of === ofCluster(cluster)) entry.cluster = cluster;
      else stale.push(cluster);
    }
    // Clusters gone since the last call.
    if (found < kept.size) forgetAbsent(clusters, kept, targets);
    if (stale.length > 0) {
      const { targets: built, known } = this.build(stale, { bundles: [bundle], groups });
      for (const cluster of stale) {
        const spec = built.get(cluster.id)?.find((t) => t.bundle === bundle.name);
        const target = spec === undefined ? null : { commit: spec.source?.commit ?? '', digest: targetDigest(spec, known) };
        kept.set(cluster.id, { of: ofCluster(cluster), cluster, target });
        targets.set(cluster.id, target);
      }
    }
    return targets;
  }

  /** Forgets bundles no longer rolled out. */
  keepOnly(bundles: ReadonlySet<string>): void {
    for (const name of this.bundles.keys()) if (!bundles.has(name)) this.bundles.delete(name);
  }
}

/** Labels as read (jsonb keeps its keys in one order): plain JSON.stringify tells a change. */
function ofCluster(cluster: PlacementCluster): string {
  return `${cluster.name}\0${JSON.stringify(cluster.labels)}`;
}
