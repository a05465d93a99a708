import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import type { ScopeFilter } from '../auth/scope-filter';
import { ScopeService } from '../auth/scope.service';
import { ClientCertificatesService } from '../clusters/client-certificates.service';
import { ClustersService } from '../clusters/clusters.service';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { TargetSetStore } from '../placement/target-set-store';
import { RolloutStore } from '../rollout/rollout-store';
import { StatusService } from '../status/status.service';
import {
  BUNDLE_PHASES,
  ClusterListQuery,
  FleetSummaryQuery,
  type FleetSummary,
  type FleetSummaryGroup,
  DEFAULT_LIMIT,
  type ClusterDetailView,
  type ClusterView,
  type Page,
} from '../api-contract';
import { lastApplied } from './applied-sync';
import { FLEET_CHUNK, keysetChunks, pageChunk } from './keyset-chunks';
import { clusterFilter, filtersClusters } from './list-filters';
import { encodeCursor } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { statusesByCluster, clusterDetailView, clusterView, viewContext, type ViewContext } from './views';

/** Groups a summary answers (the most populous). */
const MAX_GROUPS = 1_000;

/** Read-only REST API over clusters (bundles: bundles.controller.ts), as far as the caller's scope reaches. */
@Roles('viewer')
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly targetSets: TargetSetStore,
    private readonly status: StatusService,
    private readonly rollouts: RolloutStore,
    private readonly scope: ScopeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly certificates: ClientCertificatesService,
  ) {}

  /**
   * Filters: `label=k=v` (repeatable), `selector=`, `state`, `connectivity`, `phase` (of any bundle),
   * `name` (part of the name, any case).
   * A keyset page read from the name index in chunks, with only those clusters' TargetSets and
   * statuses: memory and time follow the page, not the fleet (a selective filter reads on
   * through chunks until the page is full).
   */
  @Get('clusters')
  async listClusters(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ClusterListQuery)) query: ClusterListQuery,
  ): Promise<Page<ClusterView>> {
    const matches = clusterFilter(query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const views: ClusterView[] = [];
    const chunk = pageChunk(limit, filtersClusters(query));
    for await (const view of this.clusterViews(principal, query.cursor, chunk)) {
      if (matches(view)) views.push(view);
      // One more than the page: whether there is a next page.
      if (views.length > limit) break;
    }
    const page = views.slice(0, limit);
    return { items: page, next: views.length > limit ? encodeCursor(page[page.length - 1].name) : null };
  }

  /**
   * The fleet at a glance: clusters per state and connectivity, bundles per phase, optionally
   * per value of a label. Counted over the fleet in chunks: memory follows a chunk, not the fleet.
   */
  @Get('summary')
  async summary(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(FleetSummaryQuery)) query: FleetSummaryQuery,
  ): Promise<FleetSummary> {
    const phases = () => Object.fromEntries(BUNDLE_PHASES.map((p) => [p, 0])) as FleetSummary['phases'];
    const summary: FleetSummary = {
      clusters: 0,
      states: { pending: 0, active: 0, revoked: 0 },
      connectivity: { connected: 0, unreachable: 0 },
      unreachableActive: 0,
      phases: phases(),
      groupBy: query.groupBy ?? null,
      groups: [],
      groupsTruncated: false,
    };
    const groups = new Map<string | null, FleetSummaryGroup>();
    for await (const view of this.clusterViews(principal, undefined, FLEET_CHUNK)) {
      summary.clusters++;
      summary.states[view.state]++;
      summary.connectivity[view.connectivity]++;
      if (view.state === 'active' && view.connectivity === 'unreachable') summary.unreachableActive++;
      for (const b of view.bundles) summary.phases[b.phase]++;
      if (query.groupBy === undefined) continue;
      const value = view.labels[query.groupBy] ?? null;
      let group = groups.get(value);
      if (group === undefined) groups.set(value, (group = { value, clusters: 0, unreachable: 0, phases: phases() }));
      group.clusters++;
      if (view.connectivity === 'unreachable') group.unreachable++;
      for (const b of view.bundles) group.phases[b.phase]++;
    }
    const all = [...groups.values()];
    summary.groupsTruncated = all.length > MAX_GROUPS;
    summary.groups = all
      .sort((a, b) => b.clusters - a.clusters)
      .slice(0, MAX_GROUPS)
      .sort((a, b) => (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1));
    return summary;
  }

  /**
   * The clusters the principal may see, as list views, in code-point order of the name after
   * `after`: read from the name index `chunk` clusters at a time, with only those clusters'
   * TargetSets and statuses — time and memory follow what the caller consumes, not the fleet.
   */
  private async *clusterViews(principal: Principal, after: string | undefined, chunk: number): AsyncGenerator<ClusterView> {
    const [ctx, scope] = await Promise.all([this.context(), this.scope.filterFor(principal)]);
    for await (const clusters of keysetChunks(
      (from, limit) => this.clusters.pageByName(from, limit),
      (c) => c.name,
      after,
      chunk,
    )) {
      const ids = clusters.map((c) => c.id);
      const [targetSets, statuses] = await Promise.all([this.targetSets.ofClusters(ids), this.status.ofClusters(ids)]);
      const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
      const statusesOf = statusesByCluster(statuses);
      for (const c of clusters) {
        if (scope.canSeeCluster(c)) yield withVisibleBundles(clusterView(c, targetSetOf.get(c.id), statusesOf.get(c.id) ?? [], ctx), scope);
      }
    }
  }

  @Get('clusters/:name')
  async getCluster(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ClusterDetailView> {
    const cluster = await this.scope.visibleCluster(principal, name);
    const [targetSet, statuses, ctx, scope, certificate] = await Promise.all([
      this.targetSets.ofCluster(cluster.id),
      this.status.ofCluster(cluster.id),
      this.context(),
      this.scope.filterFor(principal),
      this.certificates.newest(cluster.id),
    ]);
    const history = (query: { cluster: string; bundle: string; limit: number; before?: string }) => this.status.history(query);
    const applied = new Map(await Promise.all(statuses.map(async (s) => [s.bundle, await lastApplied(s, cluster.name, history)] as const)));
    return withVisibleBundles(clusterDetailView(cluster, targetSet ?? undefined, statuses, ctx, applied, certificate), scope);
  }

  private context(): Promise<ViewContext> {
    return viewContext(this.config, this.rollouts);
  }
}

function withVisibleBundles<T extends { bundles: { bundle: string }[] }>(view: T, scope: ScopeFilter): T {
  return scope.limitsBundles ? { ...view, bundles: view.bundles.filter((b) => scope.canSeeBundle(b.bundle)) } : view;
}
