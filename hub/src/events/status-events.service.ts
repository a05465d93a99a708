import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger } from '../logging/logger';
import type { ReceivedReport } from '../status/report';
import { FleetEventsService } from './fleet-events.service';
import { mayRecover, statusTransitions, type StatusSnapshot } from './status-transitions';

/** A report that became its bundle's current status, and the status it replaced (null: none). */
export interface StatusChange {
  /** The cluster's name, as events name it. */
  cluster: string;
  report: ReceivedReport;
  before: StatusSnapshot | null;
}

/**
 * Turns stored reports into fleet events by comparing each bundle's status before and after a
 * batch. The batch's statement returns the statuses it replaced (read in its own snapshot, so
 * nothing can change between that read and the write); events are recorded afterwards without
 * holding up acks.
 */
@Injectable()
export class StatusEvents {
  private readonly log: Logger;
  /** Events of one batch are recorded before those of the next, so that the log reads in order. */
  private recording: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: FleetEventsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
  }

  /** Records the transitions of a batch's new current statuses; returns at once. */
  after(changes: StatusChange[]): void {
    if (changes.length === 0) return;
    this.recording = this.recording
      .then(() => this.record(changes))
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'recording status events failed');
      });
  }

  /** Resolves when the events of every batch so far are recorded (tests, shutdown). */
  async settled(): Promise<void> {
    await this.recording;
  }

  private async record(current: StatusChange[]): Promise<void> {
    const changes = current.map(({ cluster, report, before }) => ({
      cluster,
      bundle: report.bundle,
      before,
      after: {
        commit: report.commit,
        phase: report.phase,
        health: report.health,
        driftCount: report.driftCount,
        message: report.message,
        resources: report.resources,
      },
    }));
    const recovering = changes.filter((c) => mayRecover(c.before, c.after));
    const outstanding = await this.degradedOutstanding(recovering);
    const drafts = changes.flatMap((change) =>
      statusTransitions({ ...change, degradedOutstanding: outstanding.has(`${change.cluster}/${change.bundle}`) }),
    );
    // Submitted together, in order: they share the event log's batched INSERTs.
    await Promise.all(drafts.map((draft) => this.events.record(draft)));
  }

  /** Which of these bundles' last health event is health.degraded. */
  private async degradedOutstanding(changes: { cluster: string; bundle: string }[]): Promise<Set<string>> {
    if (changes.length === 0) return new Set();
    const rows: { cluster: string; bundle: string }[] = await this.db.query(
      `SELECT cluster, bundle FROM (
         SELECT DISTINCT ON (cluster, bundle) cluster, bundle, type FROM fleet_event
         WHERE type IN ('health.degraded', 'health.recovered')
           AND (cluster, bundle) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         ORDER BY cluster, bundle, id DESC
       ) last WHERE type = 'health.degraded'`,
      [changes.map((c) => c.cluster), changes.map((c) => c.bundle)],
    );
    return new Set(rows.map((r) => `${r.cluster}/${r.bundle}`));
  }
}
