import type { ChangeSetSummary, HealthName, ReportedPhase } from './report';

/** One finished sync of one bundle on one cluster, as GET /api/v1/history shows it. */
export interface DeploymentView {
  id: string;
  cluster: string;
  bundle: string;
  commit: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: ReportedPhase;
  health: HealthName;
  summary: ChangeSetSummary | null;
  message: string;
}

export interface HistoryQuery {
  cluster?: string;
  bundle?: string;
  limit: number;
  /** Keyset cursor: only entries older than this id (the `next` of the previous page). */
  before?: string;
}

export const MAX_HISTORY_LIMIT = 500;

interface DeploymentRow {
  id: string;
  cluster: string;
  bundle: string;
  commit: string;
  started_at: Date | null;
  finished_at: Date | null;
  result: ReportedPhase;
  health: HealthName;
  summary: ChangeSetSummary | null;
  message: string;
}

/** Newest first; `$4` is the cursor (exclusive), `$3` the page size plus one (to know whether there is a next page). */
export const HISTORY_SQL = `
SELECT d.id::text AS id, c.name AS cluster, d.bundle, d.commit, d.started_at, d.finished_at, d.result, d.health, d.summary, d.message
FROM deployment d JOIN cluster c ON c.id = d.cluster_id
WHERE ($1::text IS NULL OR c.name = $1) AND ($2::text IS NULL OR d.bundle = $2) AND ($4::bigint IS NULL OR d.id < $4)
ORDER BY d.id DESC
LIMIT $3`;

export function historyParams(query: HistoryQuery): unknown[] {
  return [query.cluster ?? null, query.bundle ?? null, query.limit + 1, query.before ?? null];
}

export function historyPage(rows: DeploymentRow[], limit: number): { items: DeploymentView[]; next: string | null } {
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      cluster: r.cluster,
      bundle: r.bundle,
      commit: r.commit,
      startedAt: r.started_at?.toISOString() ?? null,
      finishedAt: r.finished_at?.toISOString() ?? null,
      result: r.result,
      health: r.health,
      summary: r.summary,
      message: r.message,
    })),
    next: rows.length > limit ? page[page.length - 1].id : null,
  };
}
