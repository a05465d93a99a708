import type { ClusterState } from '../clusters/cluster.entity';
import { selectorMatches } from '../placement/label-selector';
import { BUNDLE_PHASES } from '../status/phase';
import { oneOf, textParam } from './list-query';
import { selectorQuery } from './selector-query';
import type { BundleView, ClusterView } from './views';

/** The filters of GET /api/v1/clusters and /bundles as predicates over their views; a bad value is a 400. */

const CLUSTER_STATES: readonly ClusterState[] = ['pending', 'active', 'revoked'];
const CONNECTIVITIES = ['connected', 'unreachable'] as const;

export function clusterFilter(query: Record<string, unknown>): (view: ClusterView) => boolean {
  const selector = selectorQuery(query.label, query.selector);
  const state = oneOf('state', query.state, CLUSTER_STATES);
  const connectivity = oneOf('connectivity', query.connectivity, CONNECTIVITIES);
  const phase = oneOf('phase', query.phase, BUNDLE_PHASES);
  return (view) =>
    (selector === undefined || selectorMatches(selector, view.labels)) &&
    (state === undefined || view.state === state) &&
    (connectivity === undefined || view.connectivity === connectivity) &&
    (phase === undefined || view.bundles.some((b) => b.phase === phase));
}

export function bundleFilter(query: Record<string, unknown>): (view: BundleView) => boolean {
  const name = textParam('name', query.name);
  const phase = oneOf('phase', query.phase, BUNDLE_PHASES);
  return (view) => (name === undefined || view.name === name) && (phase === undefined || view.clusters.some((c) => c.phase === phase));
}
