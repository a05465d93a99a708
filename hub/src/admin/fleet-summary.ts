import { BUNDLE_PHASES, type FleetSummary, type FleetSummaryGroup } from '../api-contract';
import type { ScopeFilter } from '../auth/scope-filter';
import type { ClusterState } from '../clusters/cluster.entity';
import type { Connectivity } from '../clusters/connectivity';
import type { PlacementGroup } from '../status/bundle-placements';
import { placementPhase, type ViewContext } from './views';

/** Groups a summary answers (the most populous). */
const MAX_GROUPS = 1_000;

/**
 * GET /api/v1/summary, added up from counts: clusters per state, connectivity and label value
 * (ClusterReads.countByPresence, or clusters one by one under a cluster scope) and
 * placements per facts (StatusService.placementGroups), each group's phase derived as the
 * cluster views derive it (placementPhase) — so the summary always agrees with the list.
 */
export class FleetSummaryCounter {
  private readonly summary: FleetSummary;
  private readonly groups = new Map<string | null, FleetSummaryGroup>();

  constructor(
    private readonly groupBy: string | undefined,
    private readonly scope: ScopeFilter,
    private readonly ctx: ViewContext,
  ) {
    this.summary = {
      clusters: 0,
      states: { pending: 0, active: 0, revoked: 0 },
      connectivity: { connected: 0, unreachable: 0 },
      unreachableActive: 0,
      phases: noPhases(),
      drift: { placements: 0, resources: 0 },
      groupBy: groupBy ?? null,
      groups: [],
      groupsTruncated: false,
    };
  }

  /** `count` clusters of one state, connectivity and value of the groupBy label. */
  addClusters(state: ClusterState, connectivity: Connectivity, groupValue: string | null, count: number): void {
    this.summary.clusters += count;
    this.summary.states[state] += count;
    this.summary.connectivity[connectivity] += count;
    if (state === 'active' && connectivity === 'unreachable') this.summary.unreachableActive += count;
    const group = this.group(groupValue);
    if (group === undefined) return;
    group.clusters += count;
    if (connectivity === 'unreachable') group.unreachable += count;
  }

  /** Placements counted by facts; those of bundles outside the scope are not. */
  addPlacements(placements: PlacementGroup[]): void {
    for (const placement of placements) {
      if (this.scope.limitsBundles && !this.scope.canSeeBundle(placement.bundle)) continue;
      const { phase } = placementPhase(placement, this.ctx.rollouts);
      this.summary.phases[phase] += placement.clusters;
      this.summary.drift.placements += placement.drifted;
      this.summary.drift.resources += placement.driftedResources;
      const group = this.group(placement.groupValue);
      if (group !== undefined) group.phases[phase] += placement.clusters;
    }
  }

  result(): FleetSummary {
    const all = [...this.groups.values()];
    return {
      ...this.summary,
      groupsTruncated: all.length > MAX_GROUPS,
      groups: all
        .sort((a, b) => b.clusters - a.clusters)
        .slice(0, MAX_GROUPS)
        .sort((a, b) => (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1)),
    };
  }

  private group(value: string | null): FleetSummaryGroup | undefined {
    if (this.groupBy === undefined) return undefined;
    let group = this.groups.get(value);
    if (group === undefined) this.groups.set(value, (group = { value, clusters: 0, unreachable: 0, phases: noPhases() }));
    return group;
  }
}

function noPhases(): FleetSummary['phases'] {
  return Object.fromEntries(BUNDLE_PHASES.map((p) => [p, 0])) as FleetSummary['phases'];
}
