import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import type { ScopeFilter } from '../auth/scope-filter';
import { bundleNotFound, ScopeService } from '../auth/scope.service';
import { ClusterReads } from '../clusters/cluster-reads.service';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { RolloutStore } from '../rollout/rollout-store';
import { StatusService } from '../status/status.service';
import { BundleClusterQuery, BundleListQuery, DEFAULT_LIMIT, type BundleClusterView, type BundleView, type Page } from '../api-contract';
import { pageOf } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { bundleClusterView, bundleView, placementQuery, tallyPlacements, type PlacementTally } from './bundle-views';
import { FLEET_CHUNK, keysetChunks, pageChunk } from './keyset-chunks';
import { bundleClusterFilter, bundleFilter } from './list-filters';
import { viewContext, type ViewContext } from './views';

/**
 * Bundles as far as the caller's scope reaches. A bundle answers counts of its clusters per
 * phase and health, counted in PostgreSQL; its clusters are a keyset page of their own. Neither
 * holds the fleet in memory: the counts come back as a few rows per bundle, a page of clusters
 * is read along the name index a chunk at a time.
 */
@Roles('viewer')
@Controller('api/v1')
export class BundlesController {
  constructor(
    private readonly clusters: ClusterReads,
    private readonly status: StatusService,
    private readonly fleet: FleetRepoService,
    private readonly rollouts: RolloutStore,
    private readonly scope: ScopeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Filters: `name`, `phase` (on any of its clusters). */
  @Get('bundles')
  async listBundles(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(BundleListQuery)) query: BundleListQuery,
  ): Promise<Page<BundleView>> {
    const matches = bundleFilter(query);
    return pageOf((await this.visibleBundles(principal)).filter(matches), (b) => b.name, query);
  }

  @Get('bundles/:name')
  async getBundle(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<BundleView> {
    const [bundle] = await this.visibleBundles(principal, name);
    if (bundle === undefined) throw bundleNotFound(name);
    return bundle;
  }

  /**
   * The clusters the bundle is placed on, as far as the scope reaches, in code-point order of
   * their name: read from the name index `limit + 1` at a time (500 at a time when filtered or
   * scoped, since most rows may then be skipped), so a page costs the same at any fleet size.
   */
  @Get('bundles/:name/clusters')
  async listBundleClusters(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query(new ZodValidationPipe(BundleClusterQuery)) query: BundleClusterQuery,
  ): Promise<Page<BundleClusterView>> {
    const [bundles, ctx, scope] = await Promise.all([this.fleet.currentBundles(), this.context(), this.scope.filterFor(principal)]);
    if (!scope.canSeeBundle(name) || !bundles.some((b) => b.name === name)) throw bundleNotFound(name);
    const matches = bundleClusterFilter(query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const filtered = query.phase !== undefined || query.tone !== undefined || scope.limitsClusters;
    const chunk = pageChunk(limit, filtered);
    const views: BundleClusterView[] = [];
    const read = (after: string | undefined, size: number) =>
      this.status.bundlePlacements({ ...placementQuery(ctx), bundle: name, after, limit: size, phase: query.phase });
    for await (const placements of keysetChunks(read, (p) => p.cluster, query.cursor, chunk)) {
      for (const placement of placements) {
        if (!scope.canSeeCluster({ name: placement.cluster, labels: placement.labels })) continue;
        const view = bundleClusterView(placement, ctx);
        if (matches(view)) views.push(view);
      }
      // One more than the page: whether there is a next page.
      if (views.length > limit) break;
    }
    // Under a cluster-group scope, a bundle on none of the visible clusters is not visible either.
    if (views.length === 0 && scope.limitsClusters && (await this.visibleBundles(principal, name)).length === 0) throw bundleNotFound(name);
    // The views follow the cursor in order already: this cuts the page and says whether there is a next.
    return pageOf(views, (v) => v.cluster, { limit });
  }

  /**
   * Bundles the scope allows (or the one named), with the clusters the scope allows counted;
   * none of them visible → the bundle is not either.
   */
  private async visibleBundles(principal: Principal, only?: string): Promise<BundleView[]> {
    const [all, pins, ctx, scope] = await Promise.all([
      this.fleet.currentBundles(),
      this.rollouts.pins(),
      this.context(),
      this.scope.filterFor(principal),
    ]);
    const bundles = all.filter((b) => scope.canSeeBundle(b.name) && (only === undefined || b.name === only));
    if (bundles.length === 0) return [];
    const names = bundles.map((b) => b.name);
    const tally = await this.tally(ctx, scope, names);
    const pinOf = new Map(pins.map((p) => [p.bundle, p]));
    return bundles
      .map((b) => bundleView(b, pinOf.get(b.name), tally.get(b.name), ctx))
      .filter((b) => !scope.limitsClusters || b.summary.total > 0);
  }

  /**
   * The placements of these bundles counted. Unscoped, in one statement over the fleet; under a
   * cluster-group scope, whose clusters only their labels tell apart, the fleet is walked along
   * the name index a chunk at a time and only the visible clusters of each chunk are counted.
   */
  private async tally(ctx: ViewContext, scope: ScopeFilter, bundles: string[]): Promise<PlacementTally> {
    const query = { ...placementQuery(ctx), bundles };
    if (!scope.limitsClusters) return tallyPlacements(await this.status.placementGroups(query), ctx);
    const tally: PlacementTally = new Map();
    for await (const clusters of keysetChunks(
      (after, limit) => this.clusters.pageByName(after, limit),
      (c) => c.name,
      undefined,
      FLEET_CHUNK,
    )) {
      const visible = clusters.filter((c) => c.state === 'active' && scope.canSeeCluster(c)).map((c) => c.id);
      tallyPlacements(await this.status.placementGroups({ ...query, clusterIds: visible }), ctx, tally);
    }
    return tally;
  }

  private context(): Promise<ViewContext> {
    return viewContext(this.config, this.rollouts);
  }
}
