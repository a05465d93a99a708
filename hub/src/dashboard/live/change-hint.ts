/**
 * "Something you may be showing changed; fetch it again." The page does not patch its state
 * from hints: it refetches the views it shows, so a hint only needs to say what it is about.
 */
export interface ChangeHint {
  /** Names of the clusters concerned; empty when the change is not about particular clusters. */
  clusters: string[];
  /** Names of the bundles concerned; empty when the change is not about particular bundles. */
  bundles: string[];
}

/** The union of several hints, each name once, sorted. */
export function mergeHints(hints: readonly ChangeHint[]): ChangeHint {
  const clusters = new Set<string>();
  const bundles = new Set<string>();
  for (const h of hints) {
    for (const c of h.clusters) clusters.add(c);
    for (const b of h.bundles) bundles.add(b);
  }
  return { clusters: [...clusters].sort(), bundles: [...bundles].sort() };
}

/** What a cluster looks like on the dashboard, as far as "did it change" goes. */
export interface ClusterAppearance {
  name: string;
  /** state and connectivity, e.g. "active/connected". */
  presence: string;
}

/** Names of the clusters whose presence differs between two snapshots (appeared, changed, or gone). */
export function presenceChanges(before: ReadonlyMap<string, ClusterAppearance>, after: ReadonlyMap<string, ClusterAppearance>): string[] {
  const changed = new Set<string>();
  for (const [id, now] of after) {
    const was = before.get(id);
    if (was === undefined || was.presence !== now.presence) changed.add(now.name);
  }
  for (const [id, was] of before) if (!after.has(id)) changed.add(was.name);
  return [...changed].sort();
}
