import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MISSED_HEARTBEATS_LIMIT, lastSeenFlushMs } from '../clusters/connectivity';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import type { ReceivedReport } from '../status/report';
import { FleetRepoState as FleetRepoStateSchema, type FleetRepoState } from '../api-contract';
import { FleetMetrics } from './fleet-metrics';

const REPORTED_PHASES = ['progressing', 'synced', 'failed', 'suspended', 'waiting'];
const HEALTHS = ['healthy', 'suspended', 'progressing', 'unknown', 'missing', 'degraded', 'unspecified'];
const ROLLOUT_STATES = ['progressing', 'done', 'halted', 'paused'];
const CLUSTER_STATES = ['pending', 'active', 'revoked'];
const FLEET_REPO_STATES: readonly FleetRepoState[] = FleetRepoStateSchema.options;

/** Counts read from the database at scrape time, in one round trip. */
const FLEET_COUNTS_SQL = `
  SELECT 'cluster' AS kind, state || '/' || CASE WHEN connected AND last_seen_at >= now() - $1 * interval '1 millisecond'
                                                 THEN 'connected' ELSE 'unreachable' END AS label, count(*)::float8 AS value
  FROM cluster GROUP BY 2
  UNION ALL SELECT 'phase', phase, count(*)::float8 FROM bundle_status GROUP BY 2
  UNION ALL SELECT 'health', health, count(*)::float8 FROM bundle_status GROUP BY 2
  UNION ALL SELECT 'drift', '', coalesce(sum(drift_count), 0)::float8 FROM bundle_status
  UNION ALL SELECT 'rollout', state, count(*)::float8 FROM rollout GROUP BY 2`;

/**
 * The hub's Prometheus metrics: counters and histograms observed where things happen, gauges
 * of fleet state counted from the database when scraped (a handful of aggregates, so every
 * replica reports the whole fleet, the same way the API does).
 */
@Injectable()
export class MetricsService {
  readonly metrics = new FleetMetrics();
  private agentCount: () => number = () => 0;
  private fleetRepos: () => Promise<{ repo: string; state: FleetRepoState }[]> = async () => [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** The fleet-repo module tells how to read each fleet repository's state. */
  readFleetReposWith(read: () => Promise<{ repo: string; state: FleetRepoState }[]>): void {
    this.fleetRepos = read;
  }

  /** The gateway tells how to count its open sessions. */
  countAgentsWith(count: () => number): void {
    this.agentCount = count;
  }

  /** A report entered the store's queue; call the returned function once it is stored (or failed). */
  reportQueued(): () => void {
    this.metrics.reportQueueDepth.inc();
    let done = false;
    return () => {
      if (!done) this.metrics.reportQueueDepth.dec();
      done = true;
    };
  }

  /** A status batch was committed: its size, and the syncs concluded by the reports it newly stored. */
  batchWritten(size: number, stored: ReceivedReport[]): void {
    this.metrics.writeBatches.inc();
    this.metrics.writeBatchSize.observe(size);
    for (const report of stored) {
      if (report.phase !== 'synced' && report.phase !== 'failed') continue;
      if (report.phase === 'failed') this.metrics.syncFailures.inc({ bundle: report.bundle });
      if (report.syncStartedAt === null || report.observedAt === null) continue;
      const seconds = (report.observedAt.getTime() - report.syncStartedAt.getTime()) / 1000;
      if (seconds >= 0) this.metrics.syncDuration.observe({ result: report.phase }, seconds);
    }
  }

  /** Starts timing the fan-out of an accepted fleet commit; call the returned function once pushed. */
  fanoutStarted(): () => void {
    return this.metrics.fanout.startTimer();
  }

  /** Times `fetch` as a fetch of fleet repository `repo`, counting its failures. */
  async timeFetch<T>(repo: string, fetch: () => Promise<T>): Promise<T> {
    const end = this.metrics.fleetFetchDuration.startTimer({ repo });
    try {
      return await fetch();
    } catch (error) {
      this.metrics.fleetFetchErrors.inc({ repo });
      throw error;
    } finally {
      end();
    }
  }

  /** The exposition text, with the fleet gauges counted now. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    await this.countFleet();
    return { contentType: this.metrics.registry.contentType, text: await this.metrics.registry.metrics() };
  }

  private async countFleet(): Promise<void> {
    const window = MISSED_HEARTBEATS_LIMIT * this.config.heartbeatIntervalMs + lastSeenFlushMs(this.config.heartbeatIntervalMs);
    const rows: { kind: string; label: string; value: number }[] = await this.db.query(FLEET_COUNTS_SQL, [window]);
    const m = this.metrics;
    m.agentsConnected.set(this.agentCount());
    for (const state of CLUSTER_STATES) for (const connectivity of ['connected', 'unreachable']) m.clusters.set({ state, connectivity }, 0);
    for (const phase of REPORTED_PHASES) m.bundlePhase.set({ phase }, 0);
    for (const health of HEALTHS) m.bundleHealth.set({ health }, 0);
    for (const state of ROLLOUT_STATES) m.rollouts.set({ state }, 0);
    m.driftedResources.set(0);
    for (const { repo, state } of await this.fleetRepos()) {
      for (const s of FLEET_REPO_STATES) m.fleetRepoState.set({ repo, state: s }, s === state ? 1 : 0);
    }
    for (const { kind, label, value } of rows) {
      if (kind === 'cluster') {
        const [state, connectivity] = label.split('/');
        m.clusters.set({ state, connectivity }, value);
      } else if (kind === 'phase') m.bundlePhase.set({ phase: label }, value);
      else if (kind === 'health') m.bundleHealth.set({ health: label }, value);
      else if (kind === 'rollout') m.rollouts.set({ state: label }, value);
      else if (kind === 'drift') m.driftedResources.set(value);
    }
  }
}
