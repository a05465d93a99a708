import { BeforeApplicationShutdown, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { PgListener } from '../database/pg-listener';
import { Batcher, isDataError } from '../database/batcher';
import { arrayLiteral, jsonbArraySql } from '../database/pg-arrays';

/**
 * The PostgreSQL channel every hub replica LISTENs on; the payload is a fleet_event id, or
 * several separated by commas (one NOTIFY per batch of events).
 */
export const EVENTS_CHANNEL = 'gitfleet_events';
import { EVENT_COLUMNS, eventOf, listQuery, pageOf, type FleetEventFilter, type FleetEventPage, type FleetEventRow } from './event-query';
import type { FleetEvent, FleetEventDraft } from './fleet-event';
import { Listeners } from './listeners';

export type { FleetEvent, FleetEventDraft, FleetEventSeverity, FleetEventType } from './fleet-event';
export { FLEET_EVENT_TYPES, isFleetEventType } from './fleet-event';
export type { FleetEventFilter, FleetEventPage } from './event-query';
export { FleetEventQueryError } from './event-query';

/** Ids already handed to subscribers, so that the NOTIFY echo of a local event is not delivered twice. */
const REMEMBERED_IDS = 10_000;
/** After a lost LISTEN connection, events this recent are fetched again (duplicates are dropped). */
const CATCH_UP_WINDOW_MS = 30_000;
const MAX_MESSAGE = 2_000;
/** Events per INSERT: their ids, comma-separated, stay well inside NOTIFY's 8,000-byte payload. */
const BATCH = 400;

/**
 * The fleet event log: durable in `fleet_event`, then published to live subscribers on every
 * hub replica. The recording replica delivers at once; the INSERT (one per batch of events)
 * also NOTIFYs `gitfleet_events` with their ids, and every replica (LISTENing on its own connection) fetches
 * and delivers events it has not delivered yet — so each subscriber sees each event once.
 */
@Injectable()
export class FleetEventsService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly listeners: Listeners<FleetEvent>;
  /** Events of all sources, written a batch per statement (one INSERT, one NOTIFY). */
  private readonly batcher: Batcher<FleetEventDraft, FleetEvent>;
  private readonly delivered = new Set<string>();
  /**
   * The same ids in the order delivered, a ring: the oldest is forgotten by its slot. Taking it
   * from the Set's own iteration order instead costs a walk over every deleted entry not yet
   * compacted — ~6 µs per event, a tenth of the hub's CPU when status reports are saturated
   * (bench/status-writer.ts).
   */
  private readonly deliveredOrder: (string | undefined)[] = new Array<string | undefined>(REMEMBERED_IDS);
  private nextSlot = 0;
  /**
   * This replica's INSERTs in flight, and the ids of events they wrote that `record` has not
   * delivered yet. The NOTIFY of a local batch can reach the LISTEN connection before the
   * INSERT's own answer: a notified id is fetched only once no local insert can still claim it
   * (at 10,000 agents a commit re-read half its events otherwise).
   */
  private readonly inserting = new Set<Promise<unknown>>();
  private readonly writtenHere = new Set<string>();
  private readonly log: Logger;
  private relay: PgListener | undefined;
  private lastDeliveredAt = Date.now();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
    this.listeners = new Listeners((error) => this.log.error({ err: error }, 'an event subscriber failed'));
    this.batcher = new Batcher((drafts) => this.tracked(this.insert(drafts)), {
      maxItems: BATCH,
      maxWaitMs: 10,
      blamesAnItem: isDataError,
    });
  }

  async onModuleInit(): Promise<void> {
    // The embedded database serves one hub process only: nothing to relay, and its single session cannot LISTEN aside.
    if (this.config.databaseUrl === undefined) return;
    this.relay = new PgListener({
      url: this.config.databaseUrl,
      channel: EVENTS_CHANNEL,
      onPayloads: (payloads) => void this.fetchAndDeliver(payloads.flatMap((p) => p.split(','))),
      onReconnected: () => void this.catchUp(),
      log: this.log,
    });
    await this.relay.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay?.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }

  /**
   * Stores the event, then publishes it (here at once, on other replicas through NOTIFY).
   * Events recorded meanwhile by any source share the INSERT; resolves once it committed.
   */
  async record(draft: FleetEventDraft): Promise<FleetEvent> {
    const event = await this.batcher.submit(draft);
    this.writtenHere.delete(event.id);
    await this.deliver(event);
    return event;
  }

  private tracked(insert: Promise<FleetEvent[]>): Promise<FleetEvent[]> {
    this.inserting.add(insert);
    const settled = () => void this.inserting.delete(insert);
    insert.then(settled, settled);
    return insert;
  }

  /** One multi-row INSERT and one NOTIFY (ids comma-separated) for a batch, in the batch's order. */
  private async insert(drafts: FleetEventDraft[]): Promise<FleetEvent[]> {
    const rows = drafts.map((d) => ({
      type: d.type,
      severity: d.severity,
      cluster: d.cluster,
      bundle: d.bundle,
      commit: d.commit?.slice(0, 64) ?? null,
      message: d.message.slice(0, MAX_MESSAGE),
      details: d.details ?? {},
    }));
    // A column per parameter (pg-arrays.ts), and only the ids and the time out: the events are
    // the drafts as written, not read back row by row.
    const [written] = await this.db.query<{ ids: string[]; at: Date }[]>(
      `WITH inserted AS (
         INSERT INTO fleet_event (type, at, severity, cluster, bundle, commit, message, details)
         SELECT type, now(), severity, cluster, bundle, commit, message, details
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], ${jsonbArraySql('$7')})
           WITH ORDINALITY AS u(type, severity, cluster, bundle, commit, message, details, n)
         ORDER BY n
         RETURNING id
       ), notified AS (
         SELECT pg_notify('${EVENTS_CHANNEL}', string_agg(id::text, ',' ORDER BY id)) FROM inserted
       )
       SELECT (SELECT json_agg(id::text ORDER BY id) FROM inserted) AS ids, now() AS at FROM notified`,
      [
        arrayLiteral(rows, (r) => r.type),
        arrayLiteral(rows, (r) => r.severity),
        arrayLiteral(rows, (r) => r.cluster),
        arrayLiteral(rows, (r) => r.bundle),
        arrayLiteral(rows, (r) => r.commit),
        arrayLiteral(rows, (r) => r.message),
        JSON.stringify(rows.map((r) => r.details)),
      ],
    );
    // Ids come from the sequence in insertion order, which is the batch's order.
    for (const id of written.ids) this.writtenHere.add(id);
    const at = written.at.toISOString();
    return rows.map((row, i) =>
      this.logged({
        id: written.ids[i],
        type: row.type,
        at,
        severity: row.severity,
        cluster: row.cluster,
        bundle: row.bundle,
        commit: row.commit,
        message: row.message,
        details: row.details,
      }),
    );
  }

  private logged(event: FleetEvent): FleetEvent {
    if (!this.log.isLevelEnabled('info')) return event;
    this.log.info(
      {
        event: event.type,
        eventId: event.id,
        severity: event.severity,
        cluster: event.cluster,
        bundle: event.bundle,
        commit: event.commit,
      },
      event.message,
    );
    return event;
  }

  /** Records without letting a failure reach the caller (whose own work has already succeeded). */
  recordQuietly(draft: FleetEventDraft): void {
    this.record(draft).catch((error: unknown) =>
      this.log.error(
        { err: error, event: draft.type, cluster: draft.cluster, bundle: draft.bundle, commit: draft.commit },
        'recording an event failed',
      ),
    );
  }

  /** Newest first, in keyset pages; throws FleetEventQueryError for a filter the caller must fix. */
  async list(filter: FleetEventFilter): Promise<FleetEventPage> {
    const { sql, params, limit } = listQuery(filter);
    return pageOf(await this.db.query(sql, params), limit);
  }

  /** Live events of the whole fleet (from every replica), each once; returns the unsubscribe. */
  subscribe(listener: (event: FleetEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  private async deliver(event: FleetEvent): Promise<void> {
    if (this.delivered.has(event.id)) return;
    this.delivered.add(event.id);
    const forgotten = this.deliveredOrder[this.nextSlot];
    if (forgotten !== undefined) this.delivered.delete(forgotten);
    this.deliveredOrder[this.nextSlot] = event.id;
    this.nextSlot = (this.nextSlot + 1) % REMEMBERED_IDS;
    this.lastDeliveredAt = Math.max(this.lastDeliveredAt, Date.parse(event.at));
    await this.listeners.emit(event);
  }

  /** The events with these ids (decimal strings), oldest first; ids that are not event ids are ignored. */
  async byIds(ids: readonly string[]): Promise<FleetEvent[]> {
    const valid = ids.filter((id) => /^\d{1,19}$/.test(id));
    if (valid.length === 0) return [];
    const rows: FleetEventRow[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM fleet_event WHERE id = ANY($1::bigint[]) ORDER BY fleet_event.id`,
      [valid],
    );
    return rows.map(eventOf);
  }

  private async fetchAndDeliver(ids: string[]): Promise<void> {
    if (this.inserting.size > 0) await Promise.allSettled([...this.inserting]);
    const wanted = ids.filter((id) => !this.delivered.has(id) && !this.writtenHere.has(id));
    if (wanted.length === 0) return;
    try {
      for (const event of await this.byIds(wanted)) await this.deliver(event);
    } catch (error) {
      this.log.error({ err: error, events: wanted.length }, 'fetching notified events failed');
    }
  }

  private async catchUp(): Promise<void> {
    try {
      const rows: FleetEventRow[] = await this.db.query(
        `SELECT ${EVENT_COLUMNS} FROM fleet_event WHERE at >= $1 ORDER BY fleet_event.id LIMIT 5000`,
        [new Date(this.lastDeliveredAt - CATCH_UP_WINDOW_MS).toISOString()],
      );
      for (const row of rows) await this.deliver(eventOf(row));
    } catch (error) {
      this.log.error({ err: error }, 'catching up on events after a lost connection failed');
    }
  }
}
