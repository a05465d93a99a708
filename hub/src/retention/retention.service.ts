import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { RecurringJob } from '../database/recurring-job';
import { LOGGER, type Logger } from '../logging/logger';

/** pg_try_advisory_lock key: one replica prunes at a time ("gfretain" in ASCII). */
const RETENTION_LOCK_KEY = 0x676672657461696en;
/** Rows deleted per statement: short transactions, no long lock on a busy table. */
const BATCH = 5_000;
/** How often the tables are pruned (and once soon after start). */
const INTERVAL_MS = 60 * 60_000;
const FIRST_RUN_AFTER_MS = 60_000;

/** The tables that grow with time, the column that dates a row, and the setting that bounds them. */
const TABLES = [
  { table: 'status_report', column: 'received_at', days: (c: HubConfig) => c.reportRetentionDays },
  { table: 'deployment', column: 'finished_at', days: (c: HubConfig) => c.historyRetentionDays },
  { table: 'fleet_event', column: 'at', days: (c: HubConfig) => c.historyRetentionDays }, // notification_delivery rows go with their event
  { table: 'audit_log', column: 'at', days: (c: HubConfig) => c.auditRetentionDays },
  // An expired certificate can no longer be presented: its row (and revocation) is history.
  { table: 'client_certificate', column: 'not_after', days: (c: HubConfig) => c.historyRetentionDays },
] as const;

export interface PruneResult {
  table: string;
  deleted: number;
}

/**
 * Keeps the tables that grow with time bounded: raw status reports older than
 * REPORT_RETENTION_DAYS (7), deployment history and fleet events older than
 * HISTORY_RETENTION_DAYS (90), as are agents' client certificates expired that long ago, audit
 * entries older than AUDIT_RETENTION_DAYS (365); 0 keeps a
 * table whole. Hourly, on one replica at a time (an advisory lock), in batches. The current
 * status of each bundle on each cluster is not history: bundle_status is never pruned.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private readonly job = new RecurringJob(() => this.prune(), {
    firstAfterMs: FIRST_RUN_AFTER_MS,
    everyMs: INTERVAL_MS,
    failed: (error) => this.log.warn({ err: error }, 'pruning history failed; next hour'),
  });
  private running: Promise<PruneResult[]> | undefined;
  /** Shutting down: a prune under way stops between batches. */
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'retention' });
  }

  onModuleInit(): void {
    this.job.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.job.stop();
    await this.running?.catch(() => undefined);
  }

  /** Deletes what is past its retention now; [] when another replica is at it. */
  prune(): Promise<PruneResult[]> {
    return (this.running ??= this.pruneOnce().finally(() => (this.running = undefined)));
  }

  private async pruneOnce(): Promise<PruneResult[]> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [RETENTION_LOCK_KEY.toString()])) as {
        locked: boolean;
      }[];
      if (!locked) return [];
      try {
        const results: PruneResult[] = [];
        for (const { table, column, days } of TABLES) {
          const keepDays = days(this.config);
          if (keepDays === 0) continue;
          let deleted = 0;
          for (;;) {
            if (this.stopped) break;
            const rows: unknown[] = await runner.query(
              `WITH gone AS (
                 DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
                   SELECT ctid FROM ${table} WHERE ${column} < now() - make_interval(days => $1::int) LIMIT ${BATCH}))
                 RETURNING 1
               ) SELECT 1 FROM gone`,
              [keepDays],
            );
            deleted += rows.length;
            if (rows.length < BATCH) break;
          }
          results.push({ table, deleted });
          if (deleted > 0) this.log.info({ table, deleted, olderThanDays: keepDays }, 'history pruned');
        }
        return results;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [RETENTION_LOCK_KEY.toString()]);
      }
    } finally {
      await runner.release();
    }
  }
}
