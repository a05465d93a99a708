import { isFleetEventType, type FleetEvent, type FleetEventSeverity, type FleetEventType } from './fleet-event';

export interface FleetEventFilter {
  cluster?: string;
  bundle?: string;
  type?: string;
  /** ISO 8601: events recorded at or after this time. */
  since?: string;
  /** 1–500, default 50. */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

export interface FleetEventPage {
  /** Newest first. */
  items: FleetEvent[];
  /** Cursor of the next (older) page; null on the last page. */
  next: string | null;
}

/** A filter the caller must fix; the message names the parameter. */
export class FleetEventQueryError extends Error {}

export const DEFAULT_EVENT_PAGE = 50;
export const MAX_EVENT_PAGE = 500;

export const EVENT_COLUMNS = `id::text AS id, type, at, severity, cluster, bundle, commit, message, details`;

export interface FleetEventRow {
  id: string;
  type: FleetEventType;
  at: Date | string;
  severity: FleetEventSeverity;
  cluster: string | null;
  bundle: string | null;
  commit: string | null;
  message: string;
  details: Record<string, unknown> | null;
}

export function eventOf(row: FleetEventRow): FleetEvent {
  return {
    id: row.id,
    type: row.type,
    at: new Date(row.at).toISOString(),
    severity: row.severity,
    cluster: row.cluster,
    bundle: row.bundle,
    commit: row.commit,
    message: row.message,
    details: row.details ?? {},
  };
}

/** Keyset query for one page (newest first); fetches one row more than the page to know whether there is a next. */
export function listQuery(filter: FleetEventFilter): { sql: string; params: unknown[]; limit: number } {
  const limit = filter.limit ?? DEFAULT_EVENT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_PAGE) {
    throw new FleetEventQueryError(`limit must be an integer from 1 to ${MAX_EVENT_PAGE}`);
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filter.cluster !== undefined) add((p) => `cluster = ${p}`, filter.cluster);
  if (filter.bundle !== undefined) add((p) => `bundle = ${p}`, filter.bundle);
  if (filter.type !== undefined) {
    if (!isFleetEventType(filter.type)) throw new FleetEventQueryError(`type "${filter.type.slice(0, 40)}" is not an event type`);
    add((p) => `type = ${p}`, filter.type);
  }
  if (filter.since !== undefined) {
    const since = new Date(filter.since);
    if (Number.isNaN(since.getTime())) throw new FleetEventQueryError('since must be an ISO 8601 time');
    add((p) => `at >= ${p}`, since.toISOString());
  }
  if (filter.cursor !== undefined) {
    if (!/^\d{1,19}$/.test(filter.cursor)) throw new FleetEventQueryError('cursor is not a cursor this API returned');
    add((p) => `id < ${p}::bigint`, filter.cursor);
  }
  params.push(limit + 1);
  const sql = `SELECT ${EVENT_COLUMNS} FROM fleet_event ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY fleet_event.id DESC LIMIT $${params.length}`;
  return { sql, params, limit };
}

export function pageOf(rows: FleetEventRow[], limit: number): FleetEventPage {
  const items = rows.slice(0, limit).map(eventOf);
  return { items, next: rows.length > limit ? items[items.length - 1].id : null };
}
