import { Inject, Injectable, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HUB_CONFIG, REPLICA_ID } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { PgListener } from '../database/pg-listener';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';

/** The PostgreSQL channel hub replicas tell each other about agent sessions on. */
export const SESSIONS_CHANNEL = 'gitfleet_sessions';

/**
 * What one replica tells the others, so that each acts on the sessions it holds:
 * - `targetSets`: these clusters have a new TargetSet revision in the database;
 * - `credential`: this cluster's credential stopped being valid (`reason` for the agent);
 * - `syncNow`: send these clusters the Command;
 * - `rolloutFacts`: the status of a rolled-out bundle changed on these clusters (what the
 *   rollout service keeps between steps);
 * - `missed` (local only): the LISTEN connection was lost for a while, signals may be lost.
 */
export type SessionSignal =
  | { kind: 'targetSets'; clusterIds: string[] }
  | { kind: 'credential'; clusterId: string; reason: string }
  | { kind: 'syncNow'; clusterIds: string[]; commandId: string; bundle: string }
  | { kind: 'rolloutFacts'; clusterIds: string[] }
  | { kind: 'missed' };

/** Cluster ids per NOTIFY: 36-character uuids well inside PostgreSQL's 8,000-byte payload limit. */
const IDS_PER_NOTIFY = 150;

/**
 * Session signals between hub replicas over PostgreSQL NOTIFY. Signals are hints for speed:
 * the gateway's periodic sweep finds the same facts in the database within a heartbeat
 * interval, so a signal lost with a LISTEN connection delays, never loses. A replica does not
 * hear its own signals (it has acted on them already). On the embedded database (one hub
 * process) nothing is sent.
 */
@Injectable()
export class SessionSignals implements OnModuleInit, OnModuleDestroy {
  readonly received: Listeners<SessionSignal>;
  private listener: PgListener | undefined;
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REPLICA_ID) private readonly replica: string,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'gateway' });
    this.received = new Listeners((error) => this.log.error({ err: error }, 'acting on a session signal failed'));
  }

  async onModuleInit(): Promise<void> {
    if (this.config.databaseUrl === undefined) return;
    this.listener = new PgListener({
      url: this.config.databaseUrl,
      channel: SESSIONS_CHANNEL,
      onPayloads: (payloads) => this.deliver(payloads),
      onReconnected: () => void this.received.emit({ kind: 'missed' }),
      log: this.log,
    });
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.stop();
  }

  /** Tells the other replicas; resolves once sent (a failure is logged: the sweep covers it). */
  async publish(signal: Exclude<SessionSignal, { kind: 'missed' }>): Promise<void> {
    if (this.listener === undefined) return;
    const messages =
      signal.kind === 'credential' ? [signal] : chunks(signal.clusterIds, IDS_PER_NOTIFY).map((clusterIds) => ({ ...signal, clusterIds }));
    try {
      // All in one statement: a commit at 10,000 clusters is 67 payloads.
      await this.db.query(`SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`, [
        SESSIONS_CHANNEL,
        messages.map((message) => JSON.stringify({ from: this.replica, ...message })),
      ]);
    } catch (error) {
      this.log.warn({ err: error, signal: signal.kind }, 'telling other hub replicas failed; their sweep will catch up');
    }
  }

  private deliver(payloads: string[]): void {
    for (const payload of payloads) {
      let message: { from?: unknown } & Partial<SessionSignal>;
      try {
        message = JSON.parse(payload) as typeof message;
      } catch {
        this.log.warn('a session signal that is not JSON; ignored');
        continue;
      }
      if (message.from === this.replica) continue;
      const signal = parseSignal(message);
      if (signal === undefined) this.log.warn({ kind: message.kind }, 'an unknown session signal; ignored');
      else void this.received.emit(signal);
    }
  }
}

function parseSignal(message: Record<string, unknown>): SessionSignal | undefined {
  const ids =
    Array.isArray(message['clusterIds']) && message['clusterIds'].every((id) => typeof id === 'string') ? message['clusterIds'] : undefined;
  switch (message['kind']) {
    case 'targetSets':
      return ids && { kind: 'targetSets', clusterIds: ids };
    case 'rolloutFacts':
      return ids && { kind: 'rolloutFacts', clusterIds: ids };
    case 'credential':
      return typeof message['clusterId'] === 'string' && typeof message['reason'] === 'string'
        ? { kind: 'credential', clusterId: message['clusterId'], reason: message['reason'] }
        : undefined;
    case 'syncNow':
      return ids && typeof message['commandId'] === 'string' && typeof message['bundle'] === 'string'
        ? { kind: 'syncNow', clusterIds: ids, commandId: message['commandId'], bundle: message['bundle'] }
        : undefined;
    default:
      return undefined;
  }
}

/** The signals alone, so that the gateway and the rollout service share one LISTEN connection. */
@Module({ providers: [SessionSignals], exports: [SessionSignals] })
export class SessionSignalsModule {}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
