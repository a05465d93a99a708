import type { HealthStatus } from '#proto';
import type { ObjectRef } from './object-ref';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

export interface ResourceHealth {
  status: HealthStatus;
  message: string;
}

/** Every mutation (or refusal to mutate) yields one entry; logs and reports come from it. */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** Set only when action is 'failed'; names the object and the API's reason. */
  error?: string;
  /** Why a 'skipped' entry was skipped (logs only; reports carry errors of failures only). */
  reason?: string;
  health?: ResourceHealth;
  /** Set when live differs from desired: the unified diff, Secret values masked. */
  driftDiff?: string;
}

export type SyncPhase = 'progressing' | 'synced' | 'failed' | 'suspended' | 'waiting';

/** Why a report is sent: a sync, a change of health, drift seen or corrected. */
export type ReportReason = 'sync' | 'health' | 'drift';

/** The outcome of one sync of one target: what the report module turns into a StatusReport. */
export interface TargetSyncResult {
  bundle: string;
  commit: string;
  targetSetRevision: string;
  phase: SyncPhase;
  /** Bundle-level message: the fetch/read error, or a summary of failures. */
  message: string;
  changes: ChangeSetEntry[];
  observedAt: Date;
  /** Absent means 'sync'. */
  reason?: ReportReason;
  /** Start of the sync this result concludes; absent for drift/health reports. */
  syncStartedAt?: Date;
}

/** Counts per action, for logs. */
export function countActions(changes: readonly ChangeSetEntry[]): Partial<Record<ChangeAction, number>> {
  const counts: Partial<Record<ChangeAction, number>> = {};
  for (const entry of changes) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
  return counts;
}
