import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { HUB_CONFIG, REPLICA_ID } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { PresenceEvents } from '../events/presence-events.service';
import { LOGGER, type Logger } from '../logging/logger';
import { Batcher } from '../database/batcher';
import { ClusterEntity } from './cluster.entity';
import { connectivityWindowMs, lastSeenFlushMs } from './connectivity';

/**
 * Which clusters have a live session, and when each was last heard from. Connects and
 * disconnects are written in batches as they come; "last seen" touches (every message of every agent) are
 * collected and written in one statement every few seconds, so 10,000 agents cost one
 * UPDATE per flush rather than one per heartbeat.
 */
@Injectable()
export class ClusterPresenceService implements OnModuleInit, BeforeApplicationShutdown {
  private seen = new Set<string>();
  private readonly presence = new Batcher<{ clusterId: string; connected: boolean }, void>((batch) => this.writePresence(batch), {
    maxItems: 2_000,
    maxWaitMs: 20,
  });
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    @InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly events: PresenceEvents,
    @Inject(REPLICA_ID) private readonly replica: string,
  ) {
    this.log = logger.child({ module: 'clusters' });
  }

  onModuleInit(): void {
    // No reset of `connected` at start: other replicas may hold sessions. A session of a
    // replica that died stops being "connected" when its last-seen time grows old
    // (connectivityOf), as the hub's own sessions would after a crash.
    this.timer = setInterval(() => void this.flush(), lastSeenFlushMs(this.config.heartbeatIntervalMs));
    this.timer.unref();
    this.sweepTimer = setInterval(() => void this.sweepStale(), this.config.heartbeatIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Clusters still marked connected but not heard from within the connectivity window have no
   * live session on any replica (live replicas write last-seen times every few seconds): the
   * replica that held it died. Each is marked disconnected by exactly one replica (the UPDATE
   * decides), which announces it unreachable. Returns their ids.
   */
  async sweepStale(): Promise<string[]> {
    try {
      const rows: { id: string }[] = await this.clusters.query(
        `WITH stale AS (
           UPDATE cluster SET connected = false, connected_replica = NULL
           WHERE connected AND last_seen_at < now() - make_interval(secs => $1::double precision / 1000)
           RETURNING id::text AS id
         ) SELECT id FROM stale`,
        [connectivityWindowMs(this.config.heartbeatIntervalMs)],
      );
      for (const { id } of rows) await this.events.unreachable(id);
      if (rows.length > 0) this.log.warn({ clusters: rows.length }, 'clusters whose hub replica stopped answering marked unreachable');
      return rows.map((r) => r.id);
    } catch (error) {
      this.log.warn({ err: error }, 'looking for clusters of a stopped replica failed');
      return [];
    }
  }

  connected(clusterId: string): Promise<void> {
    this.events.connected(clusterId);
    return this.setConnected(clusterId, true);
  }

  disconnected(clusterId: string): Promise<void> {
    this.events.disconnected(clusterId);
    return this.setConnected(clusterId, false);
  }

  /**
   * Connects and disconnects of all sessions are written in batches (one UPDATE each), one
   * batch at a time and in the order they were asked for: a quick disconnect-then-reconnect
   * can never leave the older state behind (within a batch the latest of a cluster counts).
   */
  private setConnected(clusterId: string, connected: boolean): Promise<void> {
    this.seen.delete(clusterId);
    return this.presence.submit({ clusterId, connected });
  }

  private async writePresence(batch: { clusterId: string; connected: boolean }[]): Promise<void[]> {
    const latest = new Map(batch.map((b) => [b.clusterId, b.connected]));
    // A disconnect touches only the session this replica recorded: the agent may already be connected to another.
    await this.clusters.query(
      `UPDATE cluster c SET connected = u.connected, last_seen_at = now(),
              connected_replica = CASE WHEN u.connected THEN $3 ELSE c.connected_replica END
       FROM unnest($1::uuid[], $2::boolean[]) AS u(id, connected)
       WHERE c.id = u.id AND (u.connected OR c.connected_replica = $3 OR c.connected_replica IS NULL)`,
      [[...latest.keys()], [...latest.values()], this.replica],
    );
    return batch.map(() => undefined);
  }

  touch(clusterId: string): void {
    this.seen.add(clusterId);
  }

  async flush(): Promise<void> {
    if (this.seen.size === 0) return;
    const ids = [...this.seen];
    this.seen = new Set();
    try {
      // These clusters have live sessions here. One the sweep took for stale (replica NULL:
      // this replica's writes were failing, say) is connected again; one whose session here is
      // ending (false, this replica) or that moved to another replica is left as it is.
      await this.clusters.query(
        `UPDATE cluster SET last_seen_at = now(), connected = connected OR connected_replica IS NULL, connected_replica = COALESCE(connected_replica, $2)
         WHERE id = ANY($1::uuid[])`,
        [ids, this.replica],
      );
    } catch (error) {
      this.log.warn({ err: error, clusters: ids.length }, 'recording last-seen times failed');
    }
  }

  /** Runs before the database closes (the gateway has already ended every session). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.sweepTimer);
    await this.presence.drain();
    await this.flush();
  }
}
