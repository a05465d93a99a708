import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { PlacementService } from '../placement/placement.service';
import { RolloutStore } from '../rollout/rollout-store';
import { StatusService } from '../status/status.service';
import { bundleViews, statusesByCluster, clusterDetailView, clusterView, type BundleView, type ClusterDetailView, type ClusterView, type ViewContext } from './views';

/** Read-only REST API over clusters and bundles. */
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly placement: PlacementService,
    private readonly status: StatusService,
    private readonly fleet: FleetRepoService,
    private readonly rollouts: RolloutStore,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get('clusters')
  async listClusters(): Promise<{ items: ClusterView[] }> {
    const [clusters, targetSets, statuses, ctx] = await Promise.all([this.clusters.list(), this.placement.all(), this.status.all(), this.context()]);
    const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
    const statusesOf = statusesByCluster(statuses);
    return { items: clusters.map((c) => clusterView(c, targetSetOf.get(c.id), statusesOf.get(c.id) ?? [], ctx)) };
  }

  @Get('clusters/:name')
  async getCluster(@Param('name') name: string): Promise<ClusterDetailView> {
    const cluster = await this.clusters.findByName(name);
    if (cluster === null) throw new NotFoundException({ code: 'cluster_not_found', message: `no cluster named "${name.slice(0, 63)}"` });
    const [targetSet, statuses, ctx] = await Promise.all([this.placement.ofCluster(cluster.id), this.status.ofCluster(cluster.id), this.context()]);
    return clusterDetailView(cluster, targetSet ?? undefined, statuses, ctx);
  }

  @Get('bundles')
  async listBundles(): Promise<{ items: BundleView[] }> {
    const [bundles, clusters, targetSets, statuses, pins, ctx] = await Promise.all([
      this.fleet.currentBundles(),
      this.clusters.list(),
      this.placement.all(),
      this.status.all(),
      this.rollouts.pins(),
      this.context(),
    ]);
    return { items: bundleViews(bundles, clusters, targetSets, statuses, pins, ctx) };
  }

  private async context(): Promise<ViewContext> {
    return { heartbeatIntervalMs: this.config.heartbeatIntervalMs, rollouts: await this.rollouts.rollouts(), now: Date.now() };
  }
}
