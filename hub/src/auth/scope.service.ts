import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ClusterEntity } from '../clusters/cluster.entity';
import { ClusterReads } from '../clusters/cluster-reads.service';
import type { ClusterGroupSpec } from '../fleet-repo/fleet-format';
import { TargetSetStore } from '../placement/target-set-store';
import type { Principal } from './principal';
import { ScopeFilter } from './scope-filter';

/**
 * A principal's scope applied to the fleet as it is now. Out of scope answers like unknown
 * (404), so a scoped token learns nothing about other teams' clusters and bundles.
 */
@Injectable()
export class ScopeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clusters: ClusterReads,
    private readonly targetSets: TargetSetStore,
  ) {}

  async filterFor(principal: Principal): Promise<ScopeFilter> {
    if (principal.scope?.clusterGroups === undefined) return new ScopeFilter(principal, []);
    const groups: ClusterGroupSpec[] = await this.db.query(`SELECT name, selector FROM cluster_group WHERE name = ANY($1)`, [
      principal.scope.clusterGroups,
    ]);
    return new ScopeFilter(principal, groups);
  }

  /** The named cluster, or 404 cluster_not_found when there is none or it is out of scope. */
  async visibleCluster(principal: Principal, name: string): Promise<ClusterEntity> {
    const cluster = await this.clusters.findByName(name);
    if (cluster === null || !(await this.filterFor(principal)).canSeeCluster(cluster)) throw clusterNotFound(name);
    return cluster;
  }

  /** For an action on a whole cluster: a token scoped to bundles may not, since it would touch the others. */
  async controllableCluster(principal: Principal, name: string): Promise<ClusterEntity> {
    const cluster = await this.visibleCluster(principal, name);
    if (principal.scope?.bundles !== undefined) {
      throw new ForbiddenException({
        code: 'forbidden',
        message: `token "${principal.name}" is scoped to bundles; act on a bundle instead (e.g. POST /api/v1/bundles/:name/sync)`,
      });
    }
    return cluster;
  }

  /**
   * For an action on a whole bundle (pin, pause, resume): 404 bundle_not_found when out of
   * scope; 403 when a token scoped to cluster groups would also steer clusters outside them.
   */
  async controllableBundle(principal: Principal, bundle: string): Promise<void> {
    const filter = await this.filterFor(principal);
    if (!filter.canSeeBundle(bundle)) throw bundleNotFound(bundle);
    if (!filter.limitsClusters) return;
    const holders = await this.clustersHolding(bundle);
    const visible = holders.filter((c) => filter.canSeeCluster(c));
    if (visible.length === 0) throw bundleNotFound(bundle);
    if (visible.length < holders.length) {
      throw new ForbiddenException({
        code: 'forbidden',
        message: `bundle "${bundle}" also reaches clusters outside the scope of token "${principal.name}"; ask an unscoped operator`,
      });
    }
  }

  /**
   * Visibility by name, for lists that only carry names (rollouts, pins): a bundle is visible
   * when the scope allows it and, under a cluster-group scope, it reaches a visible cluster.
   */
  async namesVisibleTo(principal: Principal): Promise<VisibleNames> {
    const filter = await this.filterFor(principal);
    if (!filter.limitsClusters) return { bundle: (name) => filter.canSeeBundle(name), clusterNames: null };
    // Names and labels only, and the bundles counted in PostgreSQL: no cluster's TargetSet is read.
    const visible = (await this.clusters.listNamesAndLabels()).filter((c) => filter.canSeeCluster(c));
    const reached = await this.targetSets.bundlesHeldBy(visible.map((c) => c.id));
    return { bundle: (name) => filter.canSeeBundle(name) && reached.has(name), clusterNames: visible.map((c) => c.name) };
  }

  /** Active clusters whose TargetSet holds the bundle. */
  async clustersHolding(bundle: string): Promise<ClusterEntity[]> {
    return this.clusters.holding(bundle);
  }
}

export interface VisibleNames {
  bundle(name: string): boolean;
  /** The clusters visible, by name; null when the scope does not limit clusters. */
  clusterNames: readonly string[] | null;
}

export function clusterNotFound(name: string): NotFoundException {
  return new NotFoundException({ code: 'cluster_not_found', message: `no cluster named "${name.slice(0, 63)}"` });
}

export function bundleNotFound(name: string): NotFoundException {
  return new NotFoundException({ code: 'bundle_not_found', message: `no bundle named "${name.slice(0, 63)}"` });
}
