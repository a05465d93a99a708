import type { BundleStatusEntity } from './bundle-status.entity';

/** What a list shows of a bundle's current status on a cluster (StatusService.ofClusters). */
export type ListedStatus = Pick<BundleStatusEntity, 'clusterId' | 'bundle' | 'commit' | 'phase' | 'health' | 'driftCount'> & {
  /** When the agent observed it (when it was stored, if the agent did not say), ISO 8601 in UTC. */
  lastReportAt: string | null;
};

/** A status as a list shows it, from the whole entity (a cluster's own page). */
export function listedStatus(status: BundleStatusEntity): ListedStatus {
  const { clusterId, bundle, commit, phase, health, driftCount } = status;
  return {
    clusterId,
    bundle,
    commit,
    phase,
    health,
    driftCount,
    lastReportAt: (status.observedAt ?? status.updatedAt)?.toISOString() ?? null,
  };
}

/**
 * SQL for a timestamptz expression as Date.toISOString() writes it (UTC, milliseconds truncated as
 * a Date truncates PostgreSQL's microseconds): text in the answer without a Date made per row.
 * `expression` is SQL written in this code (a column, say), never a value from outside.
 */
export function isoTimeSql(expression: string): string {
  return `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
