import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import type { ScopeFilter } from '../auth/scope-filter';
import { ScopeService } from '../auth/scope.service';
import { ClientCertificatesService } from '../clusters/client-certificates.service';
import { ClusterReads, type ClusterRowFilter } from '../clusters/cluster-reads.service';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { TargetSetStore } from '../placement/target-set-store';
import { RolloutStore } from '../rollout/rollout-store';
import { StatusService } from '../status/status.service';
import {
  ClusterListQuery,
  FleetSummaryQuery,
  type FleetSummary,
  DEFAULT_LIMIT,
  type ClusterDetailView,
  type ClusterView,
  type Page,
} from '../api-contract';
import { connectivityOf } from '../clusters/connectivity';
import { lastApplied } from './applied-sync';
import { placementQuery } from './bundle-views';
import { FleetSummaryCounter } from './fleet-summary';
import { FLEET_CHUNK, keysetChunks, pageChunk } from './keyset-chunks';
import { clusterFilter, clusterRowFilter, filtersClusters } from './list-filters';
import { encodeCursor } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { statusesByCluster, clusterDetailView, clusterView, viewContext, type ViewContext } from './views';

/** Read-only REST API over clusters (bundles: bundles.controller.ts), as far as the caller's scope reaches. */
@Roles('viewer')
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly clusters: ClusterReads,
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
    const rows = (ctx: ViewContext) => clusterRowFilter(query, placementQuery(ctx).heardSince);
    for await (const view of this.clusterViews(principal, query.cursor, chunk, rows)) {
      if (matches(view)) views.push(view);
      // One more than the page: whether there is a next page.
      if (views.length > limit) break;
    }
    const page = views.slice(0, limit);
    return { items: page, next: views.length > limit ? encodeCursor(page[page.length - 1].name) : null };
  }

  /**
   * The fleet at a glance: clusters per state and connectivity, bundles per phase, optionally
   * per value of a label. Counted in PostgreSQL, a few rows per bundle and label value come
   * back; under a cluster scope, whose clusters only their labels tell apart, the fleet is
   * walked along the name index a chunk at a time and only the visible clusters are counted.
   */
  @Get('summary')
  async summary(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(FleetSummaryQuery)) query: FleetSummaryQuery,
  ): Promise<FleetSummary> {
    const [ctx, scope] = await Promise.all([this.context(), this.scope.filterFor(principal)]);
    const counter = new FleetSummaryCounter(query.groupBy, scope, ctx);
    const placements = { ...placementQuery(ctx), groupBy: query.groupBy };
    if (!scope.limitsClusters) {
      const [clusters, placed] = await Promise.all([
        this.clusters.countByPresence(placements.heardSince, query.groupBy),
        this.status.placementGroups(placements),
      ]);
      for (const c of clusters) counter.addClusters(c.state, c.connected ? 'connected' : 'unreachable', c.groupValue, c.clusters);
      counter.addPlacements(placed);
      return counter.result();
    }
    for await (const chunk of keysetChunks(
      (after, limit) => this.clusters.pageByName(after, limit),
      (c) => c.name,
      undefined,
      FLEET_CHUNK,
    )) {
      const visible = chunk.filter((c) => scope.canSeeCluster(c));
      for (const c of visible)
        counter.addClusters(
          c.state,
          connectivityOf(c, ctx.heartbeatIntervalMs, ctx.now),
          query.groupBy === undefined ? null : (c.labels[query.groupBy] ?? null),
          1,
        );
      const active = visible.filter((c) => c.state === 'active').map((c) => c.id);
      if (active.length > 0) counter.addPlacements(await this.status.placementGroups({ ...placements, clusterIds: active }));
    }
    return counter.result();
  }

  /**
   * The clusters the principal may see, as list views, in code-point order of the name after
   * `after`: read from the name index `chunk` clusters at a time, with only those clusters'
   * TargetSets and statuses — time and memory follow what the caller consumes, not the fleet.
   */
  private async *clusterViews(
    principal: Principal,
    after: string | undefined,
    chunk: number,
    rows: (ctx: ViewContext) => ClusterRowFilter = () => ({}),
  ): AsyncGenerator<ClusterView> {
    const [ctx, scope] = await Promise.all([this.context(), this.scope.filterFor(principal)]);
    const filter = rows(ctx);
    for await (const clusters of keysetChunks(
      (from, limit) => this.clusters.pageByName(from, limit, filter),
      (c) => c.name,
      after,
      chunk,
    )) {
      const ids = clusters.map((c) => c.id);
      const [targetSets, statuses] = await Promise.all([this.targetSets.viewsOf(ids), this.status.ofClusters(ids)]);
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
