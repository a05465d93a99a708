import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { Batcher } from '../database/batcher';
import type { FleetEventDraft } from './fleet-event';
import { FleetEventsService } from './fleet-events.service';

type PresenceEvent = 'cluster.connected' | 'cluster.unreachable';

/**
 * Each cluster's presence (connected) and last presence event, for a batch of cluster ids. The
 * event is one probe of fleet_event_presence_idx (migration 1736700000000), whose predicate this
 * repeats word for word: a change to one needs the other (presence-events.spec.ts).
 */
export const LAST_PRESENCE_SQL = `SELECT c.id::text AS id, c.name, c.connected,
    (SELECT type FROM fleet_event e WHERE e.cluster = c.name AND e.type IN ('cluster.connected', 'cluster.unreachable')
     ORDER BY e.id DESC LIMIT 1) AS last
  FROM cluster c WHERE c.id = ANY($1::uuid[])`;

/**
 * cluster.connected and cluster.unreachable, as changes only: an agent that moves to another
 * hub replica (a deploy, a restart) reconnects within the grace period and causes no event;
 * a cluster still without a session on any replica after it is announced unreachable, and
 * its next connection as connected again.
 */
@Injectable()
export class PresenceEvents implements OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  private stopped = false;
  private readonly announcements = new Batcher<{ clusterId: string; type: PresenceEvent }, void>((batch) => this.announceBatch(batch), {
    maxItems: 1_000,
    maxWaitMs: 20,
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: FleetEventsService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
  }

  onModuleDestroy(): void {
    // Sessions ended by this hub's shutdown move to other replicas: not an unreachable cluster.
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  connected(clusterId: string): void {
    clearTimeout(this.timers.get(clusterId));
    this.timers.delete(clusterId);
    void this.announce(clusterId, 'cluster.connected');
  }

  disconnected(clusterId: string): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(clusterId));
    const timer = setTimeout(() => {
      this.timers.delete(clusterId);
      void this.announce(clusterId, 'cluster.unreachable');
    }, this.config.heartbeatIntervalMs);
    timer.unref();
    this.timers.set(clusterId, timer);
  }

  /** A cluster found without a live session on any replica (its replica died): announced now. */
  unreachable(clusterId: string): Promise<void> {
    return this.announce(clusterId, 'cluster.unreachable');
  }

  private async announce(clusterId: string, type: PresenceEvent): Promise<void> {
    try {
      await this.announcements.submit({ clusterId, type });
    } catch (error) {
      this.log.error({ err: error, clusterId, event: type }, 'recording a presence event failed');
    }
  }

  /** One read for a batch of announcements (a reconnect storm), then their events, in order. */
  private async announceBatch(batch: { clusterId: string; type: PresenceEvent }[]): Promise<void[]> {
    const rows: { id: string; name: string; connected: boolean; last: string | null }[] = await this.db.query(LAST_PRESENCE_SQL, [
      [...new Set(batch.map((b) => b.clusterId))],
    ]);
    const clusters = new Map(rows.map((r) => [r.id, r]));
    const drafts: FleetEventDraft[] = [];
    for (const { clusterId, type } of batch) {
      const cluster = clusters.get(clusterId);
      if (cluster === undefined || cluster.last === type) continue;
      if (type === 'cluster.unreachable' && cluster.connected) continue;
      cluster.last = type;
      drafts.push(
        type === 'cluster.connected'
          ? {
              type,
              severity: 'info',
              cluster: cluster.name,
              bundle: null,
              commit: null,
              message: `cluster ${cluster.name} connected`,
              details: {},
            }
          : {
              type,
              severity: 'warning',
              cluster: cluster.name,
              bundle: null,
              commit: null,
              message: `cluster ${cluster.name} is unreachable: its agent has no session with the hub`,
              details: {},
            },
      );
    }
    await Promise.all(drafts.map((draft) => this.events.record(draft)));
    return batch.map(() => undefined);
  }
}
