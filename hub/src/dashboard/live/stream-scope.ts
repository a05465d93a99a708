import type { ChangeHint } from './change-hint';
import type { HintCluster } from './change-hints.service';

/** What a stream may pass on; the auth module's ScopeFilter fits. */
export interface StreamScope {
  readonly limitsClusters: boolean;
  readonly limitsBundles: boolean;
  canSeeCluster(cluster: HintCluster): boolean;
  canSeeBundle(name: string): boolean;
}

/**
 * The part of a hint a scoped token may see, or null when it is only about what the token
 * may not see. A hint naming nothing ("anything may have changed") passes as it is.
 */
export function visibleHint(hint: ChangeHint & { clusterDetails: HintCluster[] }, scope: StreamScope): ChangeHint | null {
  const clusters = hint.clusterDetails.filter((c) => scope.canSeeCluster(c)).map((c) => c.name);
  const bundles = hint.bundles.filter((b) => scope.canSeeBundle(b));
  if (hint.clusters.length > 0 && clusters.length === 0) return null;
  if (hint.bundles.length > 0 && bundles.length === 0) return null;
  return { clusters: [...new Set(clusters)].sort(), bundles };
}

/**
 * Whether a fleet event may go to a scoped token: its cluster and bundle (when it names them)
 * must be visible; an event about the fleet as a whole (a commit accepted or rejected) may
 * name anything in the repository, so only unscoped tokens get it.
 */
export function eventVisible(
  event: { cluster: string | null; bundle: string | null },
  scope: StreamScope,
  clusterNamed: (name: string) => HintCluster | undefined,
): boolean {
  if (event.cluster === null && event.bundle === null) return !scope.limitsClusters && !scope.limitsBundles;
  if (event.bundle !== null && !scope.canSeeBundle(event.bundle)) return false;
  if (event.cluster !== null && scope.limitsClusters) {
    const cluster = clusterNamed(event.cluster);
    if (cluster === undefined || !scope.canSeeCluster(cluster)) return false;
  }
  return true;
}
