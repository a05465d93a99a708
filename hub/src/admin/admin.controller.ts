import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { PlacementService } from '../placement/placement.service';
import { StatusService } from '../status/status.service';
import { bundleViews, statusesByCluster, clusterDetailView, clusterView, fleetView, type BundleView, type ClusterDetailView, type ClusterView, type FleetView } from './views';

/** Read-only REST API over clusters, bundles and the fleet source. */
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly placement: PlacementService,
    private readonly status: StatusService,
    private readonly fleet: FleetRepoService,
  ) {}

  @Get('clusters')
  async listClusters(): Promise<{ items: ClusterView[] }> {
    const [clusters, targetSets, statuses] = await Promise.all([this.clusters.list(), this.placement.all(), this.status.all()]);
    const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
    const statusesOf = statusesByCluster(statuses);
    return { items: clusters.map((c) => clusterView(c, targetSetOf.get(c.id), statusesOf.get(c.id) ?? [])) };
  }

  @Get('clusters/:name')
  async getCluster(@Param('name') name: string): Promise<ClusterDetailView> {
    const cluster = await this.clusters.findByName(name);
    if (cluster === null) throw new NotFoundException({ code: 'cluster_not_found', message: `no cluster named "${name.slice(0, 63)}"` });
    const [targetSet, statuses] = await Promise.all([this.placement.ofCluster(cluster.id), this.status.ofCluster(cluster.id)]);
    return clusterDetailView(cluster, targetSet ?? undefined, statuses);
  }

  @Get('bundles')
  async listBundles(): Promise<{ items: BundleView[] }> {
    const [bundles, clusters, targetSets, statuses] = await Promise.all([
      this.fleet.currentBundles(),
      this.clusters.list(),
      this.placement.all(),
      this.status.all(),
    ]);
    return { items: bundleViews(bundles, clusters, targetSets, statuses) };
  }

  @Get('fleet')
  async getFleet(): Promise<FleetView> {
    return fleetView(await this.fleet.state());
  }
}
