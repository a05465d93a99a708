import { Client } from 'pg';
import type { Logger } from '../logging/logger';

/** The PostgreSQL channel every hub replica LISTENs on; the payload is a fleet_event id. */
export const EVENTS_CHANNEL = 'gitfleet_events';

export interface EventRelayOptions {
  url: string;
  /** Called with the ids a NOTIFY carried (coalesced per tick). */
  onIds(ids: string[]): void;
  /** Called after a lost LISTEN connection is back: whatever was notified meanwhile must be fetched. */
  onReconnected(): void;
  log: Logger;
  /** Longest wait between two reconnection attempts. */
  maxBackoffMs?: number;
}

/**
 * A dedicated connection LISTENing on `gitfleet_events` (a pooled connection cannot LISTEN:
 * it is handed to other queries). Reconnects with backoff when the connection is lost.
 */
export class EventRelay {
  private client: Client | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private pending: string[] = [];

  constructor(private readonly options: EventRelayOptions) {}

  /** Resolves once LISTEN is in place (or rejects on the first failure; later losses reconnect). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: 'gitfleet-hub-events' });
    client.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL || message.payload === undefined) return;
      if (this.pending.length === 0) setImmediate(() => this.deliver());
      this.pending.push(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
  }

  private deliver(): void {
    const ids = this.pending;
    this.pending = [];
    if (ids.length > 0) this.options.onIds(ids);
  }

  private lost(client: Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.options.log.warn({ err: error }, 'event LISTEN connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.options.maxBackoffMs ?? 10_000, 250 * 2 ** this.attempt++);
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.stopped) return;
          this.options.log.info('event LISTEN connection restored');
          this.options.onReconnected();
        },
        (error: unknown) => {
          if (this.stopped) return;
          this.options.log.warn({ err: error }, 'event LISTEN reconnection failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.timer.unref();
  }
}
