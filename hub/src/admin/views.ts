import type { ClusterEntity } from '../clusters/cluster.entity';
import type { BundleEntity } from '../fleet-repo/bundle.entity';
import type { FleetState } from '../fleet-repo/fleet-repo.service';
import type { TargetSetEntity } from '../placement/target-set.entity';
import type { BundleStatusEntity } from '../status/bundle-status.entity';
import { BUNDLE_PHASES, derivePhase, type BundlePhase } from '../status/phase';

/** The JSON shapes of the admin API, built from rows by plain functions. */

export interface TargetSetView {
  revision: string;
  checksum: string;
  ackedRevision: string | null;
}

export interface ClusterBundleView {
  bundle: string;
  desiredCommit: string;
  commit: string | null;
  phase: BundlePhase;
}

export interface ClusterBundleDetailView extends ClusterBundleView {
  lastKnownPhase: Exclude<BundlePhase, 'unknown'>;
  message: string;
  observedAt: string | null;
  resources: { apiVersion: string; kind: string; namespace: string; name: string; action: string; error: string }[];
}

export interface ClusterView {
  id: string;
  name: string;
  labels: Record<string, string>;
  connected: boolean;
  lastSeenAt: string | null;
  targetSet: TargetSetView | null;
  bundles: ClusterBundleView[];
}

export interface ClusterDetailView extends Omit<ClusterView, 'bundles'> {
  registeredAt: string;
  bundles: ClusterBundleDetailView[];
}

export interface BundleView {
  name: string;
  path: string;
  commit: string;
  clusters: { cluster: string; phase: BundlePhase; commit: string | null }[];
  summary: Record<'total' | BundlePhase, number>;
}

export interface FleetView {
  url: string;
  branch: string;
  path: string;
  commit: string | null;
  fetchedAt: string | null;
  error: FleetState['error'];
}

/** The targets of a cluster paired with what it reported for each. */
function bundleRows(cluster: ClusterEntity, targetSet: TargetSetEntity | undefined, statuses: BundleStatusEntity[]) {
  const byBundle = new Map(statuses.map((s) => [s.bundle, s]));
  return (targetSet?.targets ?? []).map((target) => {
    const status = byBundle.get(target.bundle) ?? null;
    const desiredCommit = target.source?.commit ?? '';
    return { target, status, desiredCommit, ...derivePhase({ connected: cluster.connected, desiredCommit, reported: status }) };
  });
}

function clusterHead(cluster: ClusterEntity, targetSet: TargetSetEntity | undefined): Omit<ClusterView, 'bundles'> {
  return {
    id: cluster.id,
    name: cluster.name,
    labels: cluster.labels,
    connected: cluster.connected,
    lastSeenAt: cluster.lastSeenAt?.toISOString() ?? null,
    targetSet:
      targetSet === undefined
        ? null
        : { revision: targetSet.revision, checksum: targetSet.checksum, ackedRevision: targetSet.ackedRevision },
  };
}

export function clusterView(cluster: ClusterEntity, targetSet: TargetSetEntity | undefined, statuses: BundleStatusEntity[]): ClusterView {
  return {
    ...clusterHead(cluster, targetSet),
    bundles: bundleRows(cluster, targetSet, statuses).map((row) => ({
      bundle: row.target.bundle,
      desiredCommit: row.desiredCommit,
      commit: row.status?.commit ?? null,
      phase: row.phase,
    })),
  };
}

export function clusterDetailView(
  cluster: ClusterEntity,
  targetSet: TargetSetEntity | undefined,
  statuses: BundleStatusEntity[],
): ClusterDetailView {
  return {
    ...clusterHead(cluster, targetSet),
    registeredAt: cluster.registeredAt.toISOString(),
    bundles: bundleRows(cluster, targetSet, statuses).map((row) => ({
      bundle: row.target.bundle,
      desiredCommit: row.desiredCommit,
      commit: row.status?.commit ?? null,
      phase: row.phase,
      lastKnownPhase: row.lastKnownPhase,
      message: row.status?.message ?? '',
      observedAt: row.status?.observedAt?.toISOString() ?? null,
      resources: (row.status?.resources ?? []).map((r) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        action: r.action,
        error: r.error,
      })),
    })),
  };
}

export function bundleViews(
  bundles: BundleEntity[],
  clusters: ClusterEntity[],
  targetSets: TargetSetEntity[],
  statuses: BundleStatusEntity[],
): BundleView[] {
  const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
  const statusesOf = statusesByCluster(statuses);
  const placements = new Map<string, BundleView['clusters']>();
  for (const cluster of clusters) {
    for (const row of bundleRows(cluster, targetSetOf.get(cluster.id), statusesOf.get(cluster.id) ?? [])) {
      const list = placements.get(row.target.bundle) ?? [];
      list.push({ cluster: cluster.name, phase: row.phase, commit: row.status?.commit ?? null });
      placements.set(row.target.bundle, list);
    }
  }
  return bundles.map((bundle) => {
    const placed = placements.get(bundle.name) ?? [];
    const summary = Object.fromEntries([['total', placed.length], ...BUNDLE_PHASES.map((p) => [p, 0])]) as BundleView['summary'];
    for (const p of placed) summary[p.phase]++;
    return { name: bundle.name, path: bundle.spec.sourcePath, commit: bundle.commit, clusters: placed, summary };
  });
}

export function fleetView(state: FleetState): FleetView {
  return { ...state, fetchedAt: state.fetchedAt?.toISOString() ?? null };
}

export function statusesByCluster(statuses: BundleStatusEntity[]): Map<string, BundleStatusEntity[]> {
  const byCluster = new Map<string, BundleStatusEntity[]>();
  for (const s of statuses) {
    const list = byCluster.get(s.clusterId);
    if (list === undefined) byCluster.set(s.clusterId, [s]);
    else list.push(s);
  }
  return byCluster;
}
