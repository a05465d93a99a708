import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger } from '../logging/logger';
import type { ReceivedReport } from '../status/report';
import { FleetEventsService } from './fleet-events.service';
import { mayRecover, statusTransitions, type StatusSnapshot } from './status-transitions';

interface Reported {
  clusterId: string;
  report: ReceivedReport;
}

/** What the statuses a batch is about were before it: cluster names, and the previous status (null: none). */
export type StatusesBefore = Map<string, { cluster: string; status: StatusSnapshot | null }>;

const key = (clusterId: string, bundle: string) => `${clusterId}/${bundle}`;

/**
 * Turns stored reports into fleet events by comparing each bundle's status before and after a
 * batch. The status service asks for the "before" in the batch's writer (a cluster's reports
 * all go to one writer lane of one hub, which writes one batch at a time, so nothing changes
 * between the read and the write); events are recorded afterwards without holding up acks.
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

  /** Never throws: a batch whose previous statuses cannot be read is stored without events. */
  async before(entries: Reported[]): Promise<StatusesBefore | null> {
    try {
      const rows: {
        cluster_id: string;
        bundle: string;
        name: string;
        commit: string | null;
        phase: StatusSnapshot['phase'];
        health: StatusSnapshot['health'];
        drift_count: number;
      }[] = await this.db.query(
        `SELECT k.cluster_id::text AS cluster_id, k.bundle, c.name, b.commit, b.phase, b.health, b.drift_count
         FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[])) AS k(cluster_id, bundle)
         JOIN cluster c ON c.id = k.cluster_id
         LEFT JOIN bundle_status b ON b.cluster_id = k.cluster_id AND b.bundle = k.bundle`,
        [entries.map((e) => e.clusterId), entries.map((e) => e.report.bundle)],
      );
      return new Map(
        rows.map((r) => [
          key(r.cluster_id, r.bundle),
          {
            cluster: r.name,
            status: r.commit === null ? null : { commit: r.commit, phase: r.phase, health: r.health, driftCount: r.drift_count },
          },
        ]),
      );
    } catch (error) {
      this.log.error({ err: error }, 'reading statuses before a batch failed; its transitions are not recorded');
      return null;
    }
  }

  /** Records the transitions of the reports that became current; returns at once. */
  after(before: StatusesBefore | null, current: Reported[]): void {
    if (before === null || current.length === 0) return;
    this.recording = this.recording
      .then(() => this.record(before, current))
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'recording status events failed');
      });
  }

  /** Resolves when the events of every batch so far are recorded (tests, shutdown). */
  async settled(): Promise<void> {
    await this.recording;
  }

  private async record(before: StatusesBefore, current: Reported[]): Promise<void> {
    const changes = current.flatMap(({ clusterId, report }) => {
      const was = before.get(key(clusterId, report.bundle));
      if (was === undefined) return [];
      const after = { commit: report.commit, phase: report.phase, health: report.health, driftCount: report.driftCount };
      return [
        {
          cluster: was.cluster,
          bundle: report.bundle,
          before: was.status,
          after: { ...after, message: report.message, resources: report.resources },
        },
      ];
    });
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
