import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuditEntry } from '../api-contract';
import { LOGGER, type Logger } from '../logging/logger';
import { storableText } from '#core';

export type { AuditEntry };

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at: Date };

export interface AuditQuery {
  limit: number;
  /** Entries with a smaller id than this (the `next` of the previous page). */
  before?: string;
  /** Token name. */
  actor?: string;
}

interface AuditRow {
  id: string;
  at: Date;
  actor_id: string;
  actor_name: string;
  method: string;
  route: string;
  path: string;
  target: string;
  status: number;
}

/** The audit log: appended to by the interceptor, read by admins newest first. */
@Injectable()
export class AuditService {
  private readonly log: Logger;
  private writes = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'audit' });
  }

  /** Appends without making the caller wait; `flushed` waits for what was started. */
  record(entry: NewAuditEntry): void {
    const write = this.db
      .query(
        `INSERT INTO audit_log (at, actor_id, actor_name, method, route, path, target, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        // What the caller sent (path, target) is stored as visible text: a refused call with a NUL
        // in its path is audited too.
        [
          entry.at,
          entry.actor.tokenId,
          entry.actor.name,
          entry.method,
          entry.route,
          storableText(entry.path, 2048),
          storableText(entry.target, 1024),
          entry.status,
        ],
      )
      .then(() => undefined)
      .catch((error: unknown) => this.log.error({ err: error, ...entry }, 'writing an audit entry failed'));
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
    this.log.info(
      { actor: entry.actor.name, method: entry.method, route: entry.route, target: entry.target, status: entry.status },
      'audited API call',
    );
  }

  async flushed(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  async list(query: AuditQuery): Promise<{ items: AuditEntry[]; next: string | null }> {
    const rows: AuditRow[] = await this.db.query(
      // ORDER BY the table's column: the output column `id` is text, and "9" sorts after "48".
      `SELECT id::text AS id, at, actor_id, actor_name, method, route, path, target, status FROM audit_log
       WHERE ($1::bigint IS NULL OR audit_log.id < $1::bigint) AND ($2::text IS NULL OR actor_name = $2)
       ORDER BY audit_log.id DESC LIMIT $3`,
      [query.before ?? null, query.actor ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(entryView);
    return { items, next: rows.length > query.limit ? items[items.length - 1].id : null };
  }
}

function entryView(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: { tokenId: row.actor_id, name: row.actor_name },
    method: row.method,
    route: row.route,
    path: row.path,
    target: row.target,
    status: row.status,
  };
}
