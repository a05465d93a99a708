import { conditionOf, type AppliedSync, type BundleView, type ClusterDetailView, type ClusterView } from '../api-contract';
import type { ClusterEntity } from '../clusters/cluster.entity';
import { connectivityOf } from '../clusters/connectivity';
import type { BundleEntity } from '../fleet-repo/bundle.entity';
import type { TargetSetEntity } from '../placement/target-set.entity';
import type { BundlePin, StoredRollout } from '../rollout/rollout-store';
import type { BundleStatusEntity } from '../status/bundle-status.entity';
import { BUNDLE_PHASES, derivePhase, isReachable, type RolloutPosition } from '../status/phase';

/** The JSON shapes of the admin API (api-contract), built from rows by plain functions. */

/** What every cluster view needs besides the cluster's own rows. */
export interface ViewContext {
  heartbeatIntervalMs: number;
  rollouts: ReadonlyMap<string, StoredRollout>;
  now: number;
}

function rolloutPosition(rollout: StoredRollout | undefined, clusterId: string): RolloutPosition {
  if (rollout === undefined) return null;
  if (rollout.admitted.includes(clusterId)) return 'admitted';
  return rollout.state === 'paused' || rollout.state === 'halted' ? 'paused' : 'waiting';
}

function bundleRows(cluster: ClusterEntity, targetSet: TargetSetEntity | undefined, statuses: BundleStatusEntity[], ctx: ViewContext) {
  const byBundle = new Map(statuses.map((s) => [s.bundle, s]));
  const reachable = isReachable(cluster, connectivityOf(cluster, ctx.heartbeatIntervalMs, ctx.now));
  // A pending or revoked cluster is given nothing: its stored targets are not shown as its own.
  const targets = cluster.state === 'active' ? (targetSet?.targets ?? []) : [];
  return targets.map((target) => {
    const status = byBundle.get(target.bundle) ?? null;
    const desiredCommit = target.source?.commit ?? '';
    const rollout = rolloutPosition(ctx.rollouts.get(target.bundle), cluster.id);
    return {
      target,
      status,
      desiredCommit,
      rollout,
      ...derivePhase({ reachable, targetCommit: desiredCommit, rollout, reported: status }),
    };
  });
}

function clusterHead(cluster: ClusterEntity, targetSet: TargetSetEntity | undefined, ctx: ViewContext): Omit<ClusterView, 'bundles'> {
  return {
    id: cluster.id,
    name: cluster.name,
    labels: cluster.labels,
    state: cluster.state,
    connectivity: connectivityOf(cluster, ctx.heartbeatIntervalMs, ctx.now),
    connected: cluster.connected,
    lastSeenAt: cluster.lastSeenAt?.toISOString() ?? null,
    targetSet:
      targetSet === undefined || cluster.state !== 'active'
        ? null
        : { revision: targetSet.revision, checksum: targetSet.checksum, ackedRevision: targetSet.ackedRevision },
  };
}

export function clusterView(
  cluster: ClusterEntity,
  targetSet: TargetSetEntity | undefined,
  statuses: BundleStatusEntity[],
  ctx: ViewContext,
): ClusterView {
  return {
    ...clusterHead(cluster, targetSet, ctx),
    bundles: bundleRows(cluster, targetSet, statuses, ctx).map((row) => ({
      bundle: row.target.bundle,
      desiredCommit: row.desiredCommit,
      commit: row.status?.commit ?? null,
      phase: row.phase,
      health: row.health,
      condition: conditionOf(row.phase, row.health),
      driftCount: row.status?.driftCount ?? 0,
      lastReportAt: (row.status?.observedAt ?? row.status?.updatedAt)?.toISOString() ?? null,
      rollout: row.rollout,
    })),
  };
}

export function clusterDetailView(
  cluster: ClusterEntity,
  targetSet: TargetSetEntity | undefined,
  statuses: BundleStatusEntity[],
  ctx: ViewContext,
  applied: ReadonlyMap<string, AppliedSync | null>,
  clientCertificate: { serial: string; notAfter: Date } | null,
): ClusterDetailView {
  const summaries = clusterView(cluster, targetSet, statuses, ctx).bundles;
  return {
    ...clusterHead(cluster, targetSet, ctx),
    registeredAt: cluster.registeredAt.toISOString(),
    stateChangedAt: cluster.stateChangedAt?.toISOString() ?? null,
    clientCertificate: clientCertificate && { serial: clientCertificate.serial, notAfter: clientCertificate.notAfter.toISOString() },
    bundles: bundleRows(cluster, targetSet, statuses, ctx).map((row, i) => ({
      ...summaries[i],
      lastApplied: applied.get(row.target.bundle) ?? null,
      lastKnownPhase: row.lastKnownPhase,
      lastKnownHealth: row.lastKnownHealth,
      message: row.status?.message ?? '',
      observedAt: row.status?.observedAt?.toISOString() ?? null,
      syncStartedAt: row.status?.syncStartedAt?.toISOString() ?? null,
      summary: row.status?.summary ?? null,
      resources: row.status?.resources ?? [],
    })),
  };
}

export function bundleViews(
  bundles: BundleEntity[],
  clusters: ClusterEntity[],
  targetSets: TargetSetEntity[],
  statuses: BundleStatusEntity[],
  pins: BundlePin[],
  ctx: ViewContext,
): BundleView[] {
  const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
  const statusesOf = statusesByCluster(statuses);
  const pinOf = new Map(pins.map((p) => [p.bundle, p]));
  const placements = new Map<string, BundleView['clusters']>();
  for (const cluster of clusters) {
    for (const row of bundleRows(cluster, targetSetOf.get(cluster.id), statusesOf.get(cluster.id) ?? [], ctx)) {
      const list = placements.get(row.target.bundle) ?? [];
      list.push({
        cluster: cluster.name,
        phase: row.phase,
        health: row.health,
        condition: conditionOf(row.phase, row.health),
        commit: row.status?.commit ?? null,
      });
      placements.set(row.target.bundle, list);
    }
  }
  return bundles.map((bundle) => {
    const placed = placements.get(bundle.name) ?? [];
    const summary = Object.fromEntries([['total', placed.length], ...BUNDLE_PHASES.map((p) => [p, 0])]) as BundleView['summary'];
    for (const p of placed) summary[p.phase]++;
    const pin = pinOf.get(bundle.name);
    return {
      name: bundle.name,
      path: bundle.spec.sourcePath,
      commit: bundle.commit,
      pin: pin === undefined ? null : { commit: pin.commit, pinnedAt: pin.pinnedAt.toISOString() },
      rollout: ctx.rollouts.get(bundle.name)?.state ?? null,
      clusters: placed,
      summary,
    };
  });
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
