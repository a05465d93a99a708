import type { BundleClusterQuery, BundleClusterView, BundleListQuery, BundleView, ClusterListQuery, ClusterView } from '../api-contract';
import type { ClusterRowFilter } from '../clusters/cluster-reads.service';
import { selectorMatches } from '../placement/label-selector';
import { phaseNeeds } from '../status/phase';
import { selectorQuery } from './selector-query';

/**
 * The filters of GET /api/v1/clusters, /bundles and /bundles/:name/clusters (checked by their
 * query schemas) as predicates over their views.
 */

export function clusterFilter(query: ClusterListQuery): (view: ClusterView) => boolean {
  const selector = selectorQuery(query.label, query.selector);
  const { state, connectivity, phase, drifted } = query;
  const name = query.name?.toLowerCase();
  return (view) =>
    (name === undefined || view.name.toLowerCase().includes(name)) &&
    (selector === undefined || selectorMatches(selector, view.labels)) &&
    (state === undefined || view.state === state) &&
    (connectivity === undefined || view.connectivity === connectivity) &&
    (phase === undefined || view.bundles.some((b) => b.phase === phase)) &&
    (drifted === undefined || view.bundles.some((b) => b.driftCount > 0));
}

/**
 * The part of clusterFilter PostgreSQL can check on the cluster rows (state, name, `label=`
 * values, connectivity, what a bundle in `phase` needs, a drifted status), so that a page of a selective filter
 * does not read every cluster's TargetSet and statuses. It never leaves out a cluster
 * clusterFilter would keep: the views are still filtered whole (`selector=` only there).
 * `heardSince`: the start of the connectivity window at the views' time.
 */
export function clusterRowFilter(query: ClusterListQuery, heardSince: Date): ClusterRowFilter {
  const matchLabels = selectorQuery(query.label, query.selector)?.matchLabels ?? {};
  return {
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.name === undefined || query.name === '' ? {} : { nameContains: query.name.toLowerCase() }),
    ...(Object.keys(matchLabels).length === 0 ? {} : { labels: matchLabels }),
    ...(query.connectivity === undefined ? {} : { connected: query.connectivity === 'connected' }),
    ...(query.phase === undefined ? {} : { bundlePhase: phaseNeeds(query.phase) }),
    ...(query.drifted === undefined ? {} : { drifted: true }),
    heardSince,
  };
}

/** Whether the query filters at all: then pages are read in larger chunks, as most rows are skipped. */
export function filtersClusters(query: ClusterListQuery): boolean {
  const { label, selector, state, connectivity, phase, name, drifted } = query;
  return [label, selector, state, connectivity, phase, name, drifted].some((v) => v !== undefined && v !== '');
}

export function bundleFilter(query: BundleListQuery): (view: BundleView) => boolean {
  const { name, phase } = query;
  return (view) => (name === undefined || view.name === name) && (phase === undefined || view.summary[phase] > 0);
}

export function bundleClusterFilter(query: BundleClusterQuery): (view: BundleClusterView) => boolean {
  const { phase, tone } = query;
  return (view) => (phase === undefined || view.phase === phase) && (tone === undefined || view.condition.tone === tone);
}
