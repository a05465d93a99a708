import { canonicalJson } from '#core';
import type { BundleSpec, ClusterGroupSpec } from '../fleet-repo/fleet-format';
import type { PlacementCluster, PlacementFleet } from '../placement/placement.service';
import { targetDigest, type TargetSpec } from '../placement/target-set';

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
  private readonly bundles = new Map<string, { fleet: string; clusters: Map<string, Kept> }>();

  /** `build`: placement's targets of these clusters in this fleet (PlacementService.desiredTargets). */
  constructor(private readonly build: (clusters: PlacementCluster[], fleet: PlacementFleet) => Map<string, TargetSpec[]>) {}

  /** Per cluster id: the bundle's target there, or null where the bundle does not target the cluster. */
  of(bundle: BundleSpec, groups: ClusterGroupSpec[], clusters: PlacementCluster[]): Map<string, DesiredTarget | null> {
    const fleet = canonicalJson([bundle, groups]);
    const before = this.bundles.get(bundle.name);
    const kept = before?.fleet === fleet ? before.clusters : new Map<string, Kept>();
    // Rebuilt from the clusters of this step: clusters gone since are dropped.
    const now = new Map<string, Kept>();
    const stale: PlacementCluster[] = [];
    // Labels as read (jsonb keeps its keys in one order): plain JSON.stringify tells a change.
    const ofCluster = (c: PlacementCluster) => `${c.name}\0${JSON.stringify(c.labels)}`;
    for (const cluster of clusters) {
      const entry = kept.get(cluster.id);
      if (entry?.cluster === cluster) now.set(cluster.id, entry);
      else if (entry?.of === ofCluster(cluster)) now.set(cluster.id, { ...entry, cluster });
      else stale.push(cluster);
    }
    if (stale.length > 0) {
      const built = this.build(stale, { bundles: [bundle], groups });
      for (const cluster of stale) {
        const target = built.get(cluster.id)?.find((t) => t.bundle === bundle.name);
        now.set(cluster.id, {
          of: ofCluster(cluster),
          cluster,
          target: target === undefined ? null : { commit: target.source?.commit ?? '', digest: targetDigest(target) },
        });
      }
    }
    this.bundles.set(bundle.name, { fleet, clusters: now });
    return new Map([...now].map(([id, entry]) => [id, entry.target]));
  }

  /** Forgets bundles no longer rolled out. */
  keepOnly(bundles: ReadonlySet<string>): void {
    for (const name of this.bundles.keys()) if (!bundles.has(name)) this.bundles.delete(name);
  }
}
