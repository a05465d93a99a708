import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Listeners } from '../events/listeners';
import { StatusEvents, type StatusChange } from '../events/status-events.service';
import type { StatusSnapshot } from '../events/status-transitions';
import { storableText } from '#core';
import { LOGGER, type Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { BundleStatusEntity } from './bundle-status.entity';
import {
  bundlePlacements,
  clusterBundles,
  placementGroups,
  type ClusterBundles,
  type ClusterBundlesQuery,
  type BundlePlacementQuery,
  type ClusterPlacement,
  type PlacementGroup,
  type PlacementGroupQuery,
} from './bundle-placements';
import { HISTORY_SQL, historyPage, historyParams, type DeploymentView, type HistoryQuery } from './deployment-history';
import { Batcher, defaultBatchOptions, isDataError, settled, type Outcome } from '../database/batcher';
import { isoTimeSql, type ListedStatus } from './listed-status';
import type { ReceivedReport } from './report';
import { STORE_REPORTS_SQL, reportColumns, type PreviousStatus, type StoredResult } from './store-reports.sql';

export interface StoreResult {
  /** False when (cluster, seq) was stored before: a re-sent report. */
  stored: boolean;
  /**
   * True when the report is now the current status of its bundle: its seq is the highest, and
   * the bundle is in the cluster's TargetSet (a report about any other bundle is kept in
   * history only — a cluster never sets the status of what it was not given).
   */
  current: boolean;
}

/** A bundle on a cluster whose current status just changed. */
export interface StatusChanged {
  clusterId: string;
  bundle: string;
  /**
   * The report changed what a rollout decides on — commit, phase, health, message or the
   * TargetSet revision it was made from — or is the bundle's first status. False for the
   * same status said again (an agent's periodic resync).
   */
  decisive: boolean;
}

/**
 * Status writers. Lanes partition by cluster, so that everything the correctness of a batch
 * rests on stays within one lane, written one batch at a time: a cluster's reports in order, the
 * current status of its bundles (the statuses a batch's statement reads in its snapshot, for
 * fleet events, are replaced by that statement and no concurrent one), its deployment history.
 */
const LANES = 2;

/** The lane of a cluster: from its id's last hex digits (uuids are random there). */
export function laneOf(clusterId: string): number {
  return Number.parseInt(clusterId.slice(-4), 16) % LANES || 0;
}

interface PendingReport {
  clusterId: string;
  report: ReceivedReport;
}

/**
 * Reports from agents: history, idempotent on (cluster, seq), the current status per bundle,
 * and deployment history. Reports from all sessions are written in batches (one statement,
 * so one transaction, per batch); each caller learns its result — and may ack — only once the
 * batch holding its report is committed.
 */
@Injectable()
export class StatusService implements BeforeApplicationShutdown {
  /** Fired after a batch committed, with the statuses it changed; listeners must not block. */
  readonly changed: Listeners<StatusChanged[]>;
  /** One writer per lane; a cluster's reports always go to the same lane (laneOf). */
  private readonly lanes: Batcher<PendingReport, StoreResult>[];
  private readonly log: Logger;

  constructor(
    @InjectRepository(BundleStatusEntity) private readonly statuses: Repository<BundleStatusEntity>,
    @Inject(LOGGER) logger: Logger,
    private readonly events: StatusEvents,
    private readonly metrics: MetricsService,
  ) {
    this.log = logger.child({ module: 'status' });
    this.changed = new Listeners((error) => this.log.error({ err: error }, 'reacting to new status failed'));
    // Up to 2,000 reports per statement: under a backlog one transaction of 2,000 rows stores
    // a third more per second than four of 500. Two lanes, each writing one batch at a time:
    // while one lane's statement runs in PostgreSQL the other prepares its batch, where a single
    // writer left the hub a quarter idle (bench/status-writer.ts).
    this.lanes = Array.from(
      { length: LANES },
      () =>
        new Batcher<PendingReport, StoreResult>((batch) => this.writeBatch(batch), {
          ...defaultBatchOptions(),
          maxItems: 2_000,
          blamesAnItem: isDataError,
          // Each report's ack goes out when its batch is written: 2,000 socket writes that
          // would otherwise hold this lane's next batch back (bench/scale.ts).
          callersAfterNextWrite: true,
        }),
    );
  }

  /**
   * Resolves when the report is durably stored (and may be acknowledged). Rejects with an
   * UnstorableReportError when the database refuses this report's data — a poisoned report
   * fails alone; the others of its batch are written — and with the database's error when it
   * cannot be reached.
   */
  store(clusterId: string, report: ReceivedReport): Promise<StoreResult> {
    return settled((settle) => this.storeWith(clusterId, report, settle));
  }

  /**
   * As store(), with the outcome given to `settle` (which must not throw) instead of a promise:
   * for the gateway, which hears of every report of the fleet.
   */
  storeWith(clusterId: string, report: ReceivedReport, settle: (outcome: Outcome<StoreResult>) => void): void {
    const dequeued = this.metrics.reportQueued();
    this.lanes[laneOf(clusterId)].submitWith({ clusterId, report }, (outcome) => {
      dequeued();
      settle(outcome.ok || !isDataError(outcome.error) ? outcome : { ok: false, error: this.refused(clusterId, report, outcome.error) });
    });
  }

  private refused(clusterId: string, report: ReceivedReport, error: unknown): UnstorableReportError {
    this.log.warn(
      { clusterId, bundle: report.bundle, seq: report.seq, code: (error as { code?: string }).code },
      'status report refused by the database',
    );
    return new UnstorableReportError(`the database refused the report: ${storableText((error as Error).message, 300)}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.drain()));
    // The fleet events of the last batches are written after their acks; they too go before
    // the database closes (which happens at onApplicationShutdown).
    await this.events.settled();
  }

  async ofCluster(clusterId: string): Promise<BundleStatusEntity[]> {
    return this.statuses.find({ where: { clusterId } });
  }

  /**
   * The current statuses of these clusters (a page of a list), without messages and resources:
   * one statement with the ids as one array parameter, the rows as they come, the time already
   * as the answer shows it. Through the repository's find, TypeORM expanded 500 ids into 500 named
   * parameters and built an entity per row, and pg parsed two timestamps per row into Dates that
   * were only turned back into text: together a quarter of the hub's CPU for a list of the fleet
   * (bench/bundle-reads.ts).
   */
  async ofClusters(clusterIds: string[]): Promise<ListedStatus[]> {
    if (clusterIds.length === 0) return [];
    return this.statuses.query(
      `SELECT cluster_id::text AS "clusterId", bundle, commit, phase, health, drift_count AS "driftCount",
              ${isoTimeSql('coalesce(observed_at, updated_at)')} AS "lastReportAt"
       FROM bundle_status WHERE cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
  }

  /** Placements of bundles with their status, counted by what their phase derives from (the whole fleet in one statement). */
  async placementGroups(query: PlacementGroupQuery): Promise<PlacementGroup[]> {
    return placementGroups((sql, params) => this.statuses.query(sql, params), query);
  }

  /** One bundle's placements with their status, one per cluster, in code-point order of the cluster name (a keyset page). */
  async bundlePlacements(query: BundlePlacementQuery): Promise<ClusterPlacement[]> {
    return bundlePlacements((sql, params) => this.statuses.query(sql, params), query);
  }

  /** Active clusters along the name index, with their TargetSet's commits and statuses of some bundles only (a keyset page). */
  async clusterBundles(query: ClusterBundlesQuery): Promise<ClusterBundles[]> {
    return clusterBundles((sql, params) => this.statuses.query(sql, params), query);
  }

  /**
   * What the agents said of these (cluster, bundle) placements that failed, each at its commit,
   * by `<clusterId>/<bundle>`: one statement for the few a commit's answer lists.
   */
  async failureMessages(placements: { clusterId: string; bundle: string; commit: string }[]): Promise<Map<string, string>> {
    if (placements.length === 0) return new Map();
    const rows: { key: string; message: string }[] = await this.statuses.query(
      `SELECT s.cluster_id::text || '/' || s.bundle AS key, s.message
         FROM bundle_status s
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS p(cluster_id, bundle, commit)
           ON p.cluster_id = s.cluster_id AND p.bundle = s.bundle AND p.commit = s.commit
        WHERE s.phase = 'failed'`,
      [placements.map((p) => p.clusterId), placements.map((p) => p.bundle), placements.map((p) => p.commit)],
    );
    return new Map(rows.map((r) => [r.key, r.message]));
  }

  /** Deployment history, newest first, in keyset pages. */
  async history(query: HistoryQuery): Promise<{ items: DeploymentView[]; next: string | null }> {
    return historyPage(await this.statuses.query(HISTORY_SQL, historyParams(query)), query.limit);
  }

  private async writeBatch(batch: PendingReport[]): Promise<StoreResult[]> {
    // Each report by `<cluster id>/<seq>`, as the statement names them; the same (cluster, seq)
    // twice in one batch is written once (the second copy is a re-send).
    const keys = batch.map((entry) => `${entry.clusterId}/${entry.report.seq}`);
    const unique = new Map<string, PendingReport>();
    batch.forEach((entry, i) => {
      if (!unique.has(keys[i])) unique.set(keys[i], entry);
    });
    const [result]: StoredResult[] = await this.statuses.query(STORE_REPORTS_SQL, reportColumns([...unique.values()]));
    const stored = new Set(result.stored);
    const current = (result.current ?? []).map((key) => unique.get(key)!);
    const currentKeys = new Set(result.current);
    const previous = new Map((result.previous ?? []).map((was) => [was[0], was]));
    const seen = new Set<string>();
    const results = keys.map((key) => {
      const first = !seen.has(key);
      seen.add(key);
      return { stored: first && stored.has(key), current: first && currentKeys.has(key) };
    });
    const storedReports: ReceivedReport[] = [];
    unique.forEach((entry, key) => {
      if (stored.has(key)) storedReports.push(entry.report);
    });
    this.metrics.batchWritten(batch.length, storedReports);
    const changes = current.map(({ clusterId, report }) => ({ clusterId, report, was: previous.get(`${clusterId}/${report.bundle}`) }));
    this.events.after(changes.flatMap(({ report, was }) => (was === undefined ? [] : [statusChange(was, report)])));
    if (changes.length > 0)
      void this.changed.emit(
        changes.map(({ clusterId, report, was }) => ({
          clusterId,
          bundle: report.bundle,
          decisive: was === undefined || isDecisive(was, report),
        })),
      );
    return results;
  }
}

/** Whether a report changes what a rollout step decides on (StatusChanged.decisive). */
function isDecisive([, , commit, phase, health, , message, targetSetRevision]: PreviousStatus, report: ReceivedReport): boolean {
  return (
    commit === null ||
    commit !== report.commit ||
    phase !== report.phase ||
    health !== report.health ||
    message !== report.message ||
    targetSetRevision !== report.targetSetRevision
  );
}

/** What fleet events compare: the status a report replaced, as the batch's statement read it. */
function statusChange([, cluster, commit, phase, health, driftCount]: PreviousStatus, report: ReceivedReport): StatusChange {
  const before =
    commit === null
      ? null
      : {
          commit,
          phase: phase as StatusSnapshot['phase'],
          health: health as StatusSnapshot['health'],
          driftCount: driftCount ?? 0,
        };
  return { cluster, report, before };
}

/** A report the database will not take (its data, not the connection, is at fault). */
export class UnstorableReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnstorableReportError';
  }
}
