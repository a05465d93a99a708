import { HealthStatus, ReportReason, ResourceAction, ResourceResult, StatusReport, SyncPhase } from '#proto';
import type { ChangeAction, ChangeSetEntry, TargetSyncResult } from '../model/change-set';
import { worstHealth } from '../health';

/** Limits from docs/protocol.md "Limits", with room left under the 4 MiB message cap. */
export interface ReportLimits {
  maxResources: number;
  maxErrorChars: number;
  maxMessageChars: number;
  /** A drift diff longer than this is cut (it is for people, not machines). */
  maxDiffChars: number;
  /** Encoded size a report must stay under (the hub refuses messages over 4 MiB). */
  maxBytes: number;
}

export function defaultReportLimits(): ReportLimits {
  return { maxResources: 5000, maxErrorChars: 512, maxMessageChars: 4096, maxDiffChars: 8192, maxBytes: 3.5 * 1024 * 1024 };
}

const ACTIONS: Record<ChangeAction, ResourceAction> = {
  created: ResourceAction.RESOURCE_ACTION_CREATED,
  configured: ResourceAction.RESOURCE_ACTION_CONFIGURED,
  unchanged: ResourceAction.RESOURCE_ACTION_UNCHANGED,
  deleted: ResourceAction.RESOURCE_ACTION_DELETED,
  skipped: ResourceAction.RESOURCE_ACTION_SKIPPED,
  failed: ResourceAction.RESOURCE_ACTION_FAILED,
};

const PHASES: Record<TargetSyncResult['phase'], SyncPhase> = {
  progressing: SyncPhase.SYNC_PHASE_PROGRESSING,
  synced: SyncPhase.SYNC_PHASE_SYNCED,
  failed: SyncPhase.SYNC_PHASE_FAILED,
  suspended: SyncPhase.SYNC_PHASE_SUSPENDED,
  waiting: SyncPhase.SYNC_PHASE_WAITING,
};

const REASONS: Record<NonNullable<TargetSyncResult['reason']>, ReportReason> = {
  sync: ReportReason.REPORT_REASON_SYNC,
  health: ReportReason.REPORT_REASON_HEALTH,
  drift: ReportReason.REPORT_REASON_DRIFT,
};

/**
 * Turns one sync result into one numbered report. A bundle with more resources than a report
 * may carry keeps every failure and drops the surplus successes, saying so in the message:
 * the report is shortened, never split.
 */
export function buildStatusReport(result: TargetSyncResult, seq: string, limits: ReportLimits = defaultReportLimits()): StatusReport {
  // Long names and errors can push even 5,000 resources over the message limit: shorten the
  // errors first, then carry fewer successful resources.
  let report = buildWithin(result, seq, limits);
  let size = encodedSize(report);
  if (size > limits.maxBytes) {
    report = buildWithin(result, seq, {
      ...limits,
      maxErrorChars: Math.min(limits.maxErrorChars, 128),
      maxDiffChars: Math.min(limits.maxDiffChars, 1024),
    });
    size = encodedSize(report);
  }
  let maxResources = report.resources.length;
  while (size > limits.maxBytes && maxResources > 0) {
    maxResources = Math.floor(((maxResources * limits.maxBytes) / size) * 0.95);
    report = buildWithin(result, seq, {
      ...limits,
      maxErrorChars: Math.min(limits.maxErrorChars, 128),
      maxDiffChars: Math.min(limits.maxDiffChars, 1024),
      maxResources,
    });
    size = encodedSize(report);
  }
  return report;
}

function encodedSize(report: StatusReport): number {
  return StatusReport.encode(report).finish().length;
}

function buildWithin(result: TargetSyncResult, seq: string, limits: ReportLimits): StatusReport {
  const kept = selectResources(result.changes, limits.maxResources);
  const omitted = result.changes.length - kept.length;
  const message =
    omitted > 0
      ? joinMessage(result.message, `${omitted} more resources not listed in this report (failures listed first)`)
      : result.message;
  return StatusReport.fromPartial({
    seq,
    bundle: result.bundle,
    commit: result.commit,
    phase: PHASES[result.phase],
    message: truncate(message, limits.maxMessageChars),
    resources: kept.map((entry) => toResourceResult(entry, limits)),
    observedAt: result.observedAt.toISOString(),
    targetSetRevision: result.targetSetRevision,
    health: result.changes.some((e) => e.health)
      ? worstHealth(result.changes.flatMap((e) => (e.health ? [e.health] : []))).status
      : HealthStatus.HEALTH_STATUS_UNSPECIFIED,
    summary: summarise(result.changes),
    driftCount: result.changes.filter((e) => e.driftDiff !== undefined).length,
    resourcesTruncated: omitted > 0,
    syncStartedAt: result.syncStartedAt?.toISOString() ?? '',
    reason: REASONS[result.reason ?? 'sync'],
  });
}

/** Counts over every resource of the result, also those a shortened report leaves out. */
function summarise(changes: readonly ChangeSetEntry[]): Record<ChangeAction, number> {
  const summary: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 };
  for (const entry of changes) summary[entry.action] += 1;
  return summary;
}

function selectResources(changes: ChangeSetEntry[], max: number): ChangeSetEntry[] {
  if (changes.length <= max) return changes;
  const failures = new Set(changes.filter((entry) => entry.action === 'failed').slice(0, max));
  let room = max - failures.size;
  // Keep the original order; fill the room left by failures with the first other entries.
  return changes.filter((entry) => {
    if (entry.action === 'failed') return failures.has(entry);
    if (room <= 0) return false;
    room -= 1;
    return true;
  });
}

function toResourceResult(entry: ChangeSetEntry, limits: ReportLimits): ResourceResult {
  return ResourceResult.fromPartial({
    ref: { ...entry.ref },
    action: ACTIONS[entry.action],
    error: entry.action === 'failed' ? truncate(entry.error ?? '', limits.maxErrorChars) : '',
    health: entry.health?.status ?? HealthStatus.HEALTH_STATUS_UNSPECIFIED,
    healthMessage: truncate(entry.health?.message ?? '', limits.maxErrorChars),
    drifted: entry.driftDiff !== undefined,
    driftDiff: truncate(entry.driftDiff ?? '', limits.maxDiffChars),
  });
}

function joinMessage(first: string, second: string): string {
  return first ? `${first}; ${second}` : second;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
