import type { BundleListQuery, BundleView, ClusterListQuery, ClusterView } from '../api-contract';
import { selectorMatches } from '../placement/label-selector';
import { selectorQuery } from './selector-query';

/** The filters of GET /api/v1/clusters and /bundles (checked by their query schemas) as predicates over their views. */

export function clusterFilter(query: ClusterListQuery): (view: ClusterView) => boolean {
  const selector = selectorQuery(query.label, query.selector);
  const { state, connectivity, phase } = query;
  return (view) =>
    (selector === undefined || selectorMatches(selector, view.labels)) &&
    (state === undefined || view.state === state) &&
    (connectivity === undefined || view.connectivity === connectivity) &&
    (phase === undefined || view.bundles.some((b) => b.phase === phase));
}

export function bundleFilter(query: BundleListQuery): (view: BundleView) => boolean {
  const { name, phase } = query;
  return (view) => (name === undefined || view.name === name) && (phase === undefined || view.clusters.some((c) => c.phase === phase));
}
