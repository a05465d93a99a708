import type { ClusterGroupSpec } from '../fleet-repo/fleet-format';
import { clusterInGroup } from '../placement/target-set';
import type { Principal } from './principal';

/**
 * What one principal may see: a token scoped to cluster groups sees the clusters of those
 * groups only; a token scoped to bundles sees those bundles only. Unscoped sees everything.
 */
export class ScopeFilter {
  constructor(
    private readonly principal: Pick<Principal, 'scope'>,
    private readonly groups: ClusterGroupSpec[],
  ) {}

  /** Whether clusters are restricted (then whole-fleet actions on a bundle need every cluster to be visible). */
  get limitsClusters(): boolean {
    return this.principal.scope?.clusterGroups !== undefined;
  }

  /** Whether bundles are restricted (then whole-cluster actions are refused). */
  get limitsBundles(): boolean {
    return this.principal.scope?.bundles !== undefined;
  }

  canSeeCluster(cluster: { name: string; labels: Record<string, string> }): boolean {
    const groups = this.principal.scope?.clusterGroups;
    return groups === undefined || groups.some((g) => clusterInGroup(cluster, g, this.groups));
  }

  canSeeBundle(name: string): boolean {
    const bundles = this.principal.scope?.bundles;
    return bundles === undefined || bundles.includes(name);
  }
}
