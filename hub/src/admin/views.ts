import { conditionOf, type AppliedSync, type ClusterBundleView, type ClusterDetailView, type ClusterView } from '../api-contract';
import type { ClusterEntity } from '../clusters/cluster.entity';
import type { ClusterPresence } from '../clusters/cluster-reads.service';
import { connectivityOf } from '../clusters/connectivity';
import type { ViewedTargetSet } from '../placement/target-set-store';
import type { RolloutStore, RolloutSummary } from '../rollout/rollout-store';
import type { BundleStatusEntity } from '../status/bundle-status.entity';
import { listedStatus, type ListedStatus } from '../status/listed-status';
import type { PlacementFacts } from '../status/bundle-placements';
import { derivePhase, isReachable, type DerivedPhase, type RolloutPosition } from '../status/phase';

/** The JSON shapes of the admin API (api-contract), built from rows by plain functions. */

/** What every cluster view needs besides the cluster's own rows. */
export interface ViewContext {
  heartbeatIntervalMs: number;
  rollouts: ReadonlyMap<string, RolloutSummary>;
  now: number;
}

/** The context of views now: the configured heartbeat and the rollouts as stored. */
export async function viewContext(
  config: { heartbeatIntervalMs: number },
  rollouts: Pick<RolloutStore, 'summaries'>,
): Promise<ViewContext> {
  return { heartbeatIntervalMs: config.heartbeatIntervalMs, rollouts: await rollouts.summaries(), now: Date.now() };
}

/** Where a cluster stands in its bundle's rollout: admitted, or held back (paused while the rollout is). */
function rolloutPosition(rollout: RolloutSummary | undefined, admitted: boolean): RolloutPosition {
  if (rollout === undefined) return null;
  if (admitted) return 'admitted';
  return rollout.state === 'paused' || rollout.state === 'halted' ? 'paused' : 'waiting';
}

/**
 * The phase and health of one bundle on one cluster, however its facts were read (rows of a
 * cluster, or the bundle reads of status/bundle-placements.ts): the one derivation every view uses.
 */
export function placementPhase(facts: PlacementFacts, rollouts: ViewContext['rollouts']): DerivedPhase & { rollout: RolloutPosition } {
  const rollout = rolloutPosition(rollouts.get(facts.bundle), facts.admitted);
  return { rollout, ...derivePhase({ reachable: facts.reachable, targetCommit: facts.targetCommit, rollout, reported: facts.reported }) };
}

const admittedSets = new WeakMap<RolloutSummary, ReadonlySet<string>>();

/**
 * Whether a bundle's rollout admitted the cluster (false without a rollout). A rollout may admit
 * thousands of clusters and a list asks once per cluster: its ids are looked up in a set, made
 * once per rollout read.
 */
export function isAdmitted(rollout: RolloutSummary | undefined, clusterId: string): boolean {
  if (rollout === undefined) return false;
  let admitted = admittedSets.get(rollout);
  if (admitted === undefined) admittedSets.set(rollout, (admitted = new Set(rollout.admitted)));
  return admitted.has(clusterId);
}

/** What a row of one bundle on one cluster says of where it stands. */
export type PlacementRow = Pick<ClusterBundleView, 'desiredCommit' | 'commit' | 'phase' | 'health' | 'condition' | 'rollout'>;

/** That row, from the facts its phase is derived from (when no entity was read: status/bundle-placements.ts). */
export function placementRow(facts: PlacementFacts, ctx: Pick<ViewContext, 'rollouts'>): PlacementRow {
  const { phase, health, rollout } = placementPhase(facts, ctx.rollouts);
  return {
    desiredCommit: facts.targetCommit,
    commit: facts.reported?.commit ?? null,
    phase,
    health,
    condition: conditionOf(phase, health),
    rollout,
  };
}

function bundleRows<S extends Pick<ListedStatus, 'bundle' | 'commit' | 'phase' | 'health'>>(
  cluster: ClusterPresence,
  targetSet: ViewedTargetSet | undefined,
  statuses: S[],
  ctx: ViewContext,
) {
  const byBundle = new Map(statuses.map((s) => [s.bundle, s]));
  const reachable = isReachable(cluster, connectivityOf(cluster, ctx.heartbeatIntervalMs, ctx.now));
  // A pending or revoked cluster is given nothing: its stored targets are not shown as its own.
  const targets = cluster.state === 'active' ? (targetSet?.targets ?? []) : [];
  return targets.map((target) => {
    const status = byBundle.get(target.bundle) ?? null;
    const desiredCommit = target.source?.commit ?? '';
    const admitted = isAdmitted(ctx.rollouts.get(target.bundle), cluster.id);
    return {
      target,
      status,
      desiredCommit,
      ...placementPhase({ bundle: target.bundle, reachable, admitted, targetCommit: desiredCommit, reported: status }, ctx.rollouts),
    };
  });
}

function clusterHead(cluster: ClusterPresence, targetSet: ViewedTargetSet | undefined, ctx: ViewContext): Omit<ClusterView, 'bundles'> {
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
  cluster: ClusterPresence,
  targetSet: ViewedTargetSet | undefined,
  statuses: ListedStatus[],
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
      lastReportAt: row.status?.lastReportAt ?? null,
      rollout: row.rollout,
    })),
  };
}

export function clusterDetailView(
  cluster: ClusterEntity,
  targetSet: ViewedTargetSet | undefined,
  statuses: BundleStatusEntity[],
  ctx: ViewContext,
  applied: ReadonlyMap<string, AppliedSync | null>,
  clientCertificate: { serial: string; notAfter: Date } | null,
): ClusterDetailView {
  const summaries = clusterView(cluster, targetSet, statuses.map(listedStatus), ctx).bundles;
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

export function statusesByCluster<S extends Pick<ListedStatus, 'clusterId'>>(statuses: S[]): Map<string, S[]> {
  const byCluster = new Map<string, S[]>();
  for (const s of statuses) {
    const list = byCluster.get(s.clusterId);
    if (list === undefined) byCluster.set(s.clusterId, [s]);
    else list.push(s);
  }
  return byCluster;
}
