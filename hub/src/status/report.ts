import { hasControlCharacters, storableText } from '#core';
import { HealthStatus, ReportReason, ResourceAction, SyncPhase, type StatusReport } from '#proto';

/** What an agent can say about a bundle. */
export type ReportedPhase = 'progressing' | 'synced' | 'failed' | 'suspended' | 'waiting';

/** docs/protocol.md "Reports in detail": the order is best to worst; unspecified says nothing. */
export type HealthName = 'unspecified' | 'healthy' | 'suspended' | 'progressing' | 'unknown' | 'missing' | 'degraded';

export type ReportReasonName = 'unspecified' | 'sync' | 'health' | 'drift';

export interface ChangeSetSummary {
  created: number;
  configured: number;
  unchanged: number;
  deleted: number;
  skipped: number;
  failed: number;
}

export type ResourceActionName = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed' | 'unspecified';

export interface ResourceStatus {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceActionName;
  error: string;
  health: HealthName;
  healthMessage: string;
  drifted: boolean;
  /** Secret values already masked by the agent; cut to a few KiB. */
  driftDiff: string;
}

/** A StatusReport checked and in the shape the hub stores. */
export interface ReceivedReport {
  seq: string;
  bundle: string;
  commit: string;
  phase: ReportedPhase;
  message: string;
  resources: ResourceStatus[];
  observedAt: Date | null;
  targetSetRevision: string | null;
  health: HealthName;
  summary: ChangeSetSummary | null;
  driftCount: number;
  syncStartedAt: Date | null;
  reason: ReportReasonName;
}

export const MAX_REPORT_RESOURCES = 5000;
const UINT64_MAX = 18446744073709551615n;
const MAX_TEXT = 64 * 1024;
const MAX_DIFF = 16 * 1024;

/** A report that is not well-formed: refused (REJECT_REASON_INVALID), never stored. */
export class InvalidReportError extends Error {}

/** Largest count PostgreSQL's integer holds: any count beyond it is nonsense from the agent. */
const MAX_COUNT = 2_147_483_647;
/**
 * How far ahead of the hub's clock a seq may be. Agents start their seq at their clock in
 * microseconds and count up by one per report; a seq far beyond that would freeze the
 * bundle's status (every later report looks older), so it is refused.
 */
const MAX_SEQ_AHEAD_US = 7n * 24n * 3600n * 1_000_000n;

const ACTIONS: Record<number, ResourceActionName> = {
  [ResourceAction.RESOURCE_ACTION_CREATED]: 'created',
  [ResourceAction.RESOURCE_ACTION_CONFIGURED]: 'configured',
  [ResourceAction.RESOURCE_ACTION_UNCHANGED]: 'unchanged',
  [ResourceAction.RESOURCE_ACTION_DELETED]: 'deleted',
  [ResourceAction.RESOURCE_ACTION_SKIPPED]: 'skipped',
  [ResourceAction.RESOURCE_ACTION_FAILED]: 'failed',
};

/**
 * Checks a report from the wire; a report that is not well-formed is refused, not stored.
 * Every string is made storable (control characters as visible escapes: storableText) and cut
 * to its limit; every number is checked against what the database holds.
 */
export function receiveReport(report: StatusReport, now = Date.now()): ReceivedReport {
  if (!isUint64(report.seq)) throw new InvalidReportError(`seq must be a decimal uint64, got "${storableText(report.seq, 40)}"`);
  if (BigInt(report.seq) > BigInt(now) * 1000n + MAX_SEQ_AHEAD_US) {
    throw new InvalidReportError(
      `seq ${report.seq} is more than 7 days ahead of the hub's clock (agents count from their clock in microseconds)`,
    );
  }
  if (report.bundle === '' || report.bundle.length > 253 || hasControlCharacters(report.bundle)) {
    throw new InvalidReportError('bundle must be a name of at most 253 printable characters');
  }
  if (report.resources.length > MAX_REPORT_RESOURCES) {
    throw new InvalidReportError(`a report carries at most ${MAX_REPORT_RESOURCES} resources`);
  }
  if (report.driftCount > MAX_COUNT) throw new InvalidReportError(`drift_count ${report.driftCount} is out of range`);
  for (const [field, count] of Object.entries(report.summary ?? {})) {
    if (typeof count === 'number' && count > MAX_COUNT) throw new InvalidReportError(`summary.${field} ${count} is out of range`);
  }
  const observedAt = timeOf(report.observedAt);
  return {
    seq: BigInt(report.seq).toString(),
    bundle: report.bundle,
    commit: storableText(report.commit, 64),
    phase: phaseOf(report.phase),
    message: storableText(report.message, MAX_TEXT),
    resources: report.resources.map((r) => ({
      apiVersion: storableText(r.ref?.apiVersion ?? '', 253),
      kind: storableText(r.ref?.kind ?? '', 253),
      namespace: storableText(r.ref?.namespace ?? '', 253),
      name: storableText(r.ref?.name ?? '', 253),
      action: ACTIONS[r.action] ?? 'unspecified',
      error: storableText(r.error, MAX_TEXT),
      health: HEALTH[r.health] ?? 'unspecified',
      healthMessage: storableText(r.healthMessage, 1024),
      drifted: r.drifted,
      driftDiff: storableText(r.driftDiff, MAX_DIFF),
    })),
    observedAt,
    targetSetRevision:
      isUint64(report.targetSetRevision) && BigInt(report.targetSetRevision) <= 9223372036854775807n
        ? BigInt(report.targetSetRevision).toString()
        : null,
    health: HEALTH[report.health] ?? 'unspecified',
    summary: report.summary === undefined ? null : { ...report.summary },
    driftCount: report.driftCount,
    syncStartedAt: timeOf(report.syncStartedAt),
    reason: REASONS[report.reason] ?? 'unspecified',
  };
}

const HEALTH: Record<number, HealthName> = {
  [HealthStatus.HEALTH_STATUS_HEALTHY]: 'healthy',
  [HealthStatus.HEALTH_STATUS_SUSPENDED]: 'suspended',
  [HealthStatus.HEALTH_STATUS_PROGRESSING]: 'progressing',
  [HealthStatus.HEALTH_STATUS_UNKNOWN]: 'unknown',
  [HealthStatus.HEALTH_STATUS_MISSING]: 'missing',
  [HealthStatus.HEALTH_STATUS_DEGRADED]: 'degraded',
};

const REASONS: Record<number, ReportReasonName> = {
  [ReportReason.REPORT_REASON_SYNC]: 'sync',
  [ReportReason.REPORT_REASON_HEALTH]: 'health',
  [ReportReason.REPORT_REASON_DRIFT]: 'drift',
};

function timeOf(text: string): Date | null {
  if (text === '') return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** The first resource that failed or is degraded: what a halted rollout names as its cause. */
export function firstBrokenResource(resources: ResourceStatus[]): ResourceStatus | undefined {
  return resources.find((r) => r.action === 'failed' || r.error !== '') ?? resources.find((r) => r.health === 'degraded');
}

/** `Kind/namespace/name` (or `Kind/name` for cluster-scoped objects). */
export function resourceName(r: Pick<ResourceStatus, 'kind' | 'namespace' | 'name'>): string {
  return [r.kind, r.namespace, r.name].filter((part) => part !== '').join('/');
}

/** An unspecified phase says nothing is settled yet: it counts as progressing. */
function phaseOf(phase: SyncPhase): ReportedPhase {
  if (phase === SyncPhase.SYNC_PHASE_SYNCED) return 'synced';
  if (phase === SyncPhase.SYNC_PHASE_FAILED) return 'failed';
  if (phase === SyncPhase.SYNC_PHASE_SUSPENDED) return 'suspended';
  if (phase === SyncPhase.SYNC_PHASE_WAITING) return 'waiting';
  return 'progressing';
}

function isUint64(value: string): boolean {
  return /^\d{1,20}$/.test(value) && BigInt(value) <= UINT64_MAX;
}
