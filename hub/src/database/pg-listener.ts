import { Client } from 'pg';
import { Backoff } from '#core';
import type { Logger } from '../logging/logger';

export interface PgListenerOptions {
  url: string;
  /** The channel to LISTEN on (a plain identifier). */
  channel: string;
  /** Called with the payloads NOTIFYs carried, coalesced per tick, in arrival order. */
  onPayloads(payloads: string[]): void;
  /** Called after a lost LISTEN connection is back: whatever was notified meanwhile was missed. */
  onReconnected(): void;
  log: Logger;
  /** Longest wait between two reconnection attempts. */
  maxBackoffMs?: number;
}

/**
 * A dedicated connection LISTENing on one channel (a pooled connection cannot LISTEN: it is
 * handed to other queries). Reconnects with backoff when the connection is lost. How hub
 * replicas tell each other what happened: fleet events, session signals.
 */
export class PgListener {
  private client: Client | undefined;
  private stopped = false;
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private pending: string[] = [];

  constructor(private readonly options: PgListenerOptions) {
    this.backoff = new Backoff({ baseMs: 250, factor: 2, capMs: options.maxBackoffMs ?? 10_000, resetAfterMs: Infinity, jitter: 'none' });
  }

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
    if (!/^[a-z_][a-z0-9_]*$/.test(this.options.channel)) throw new Error(`not a channel name: ${this.options.channel}`);
    const client = new Client({ connectionString: this.options.url, application_name: `gitfleet-hub-${this.options.channel}` });
    client.on('notification', (message) => {
      if (message.channel !== this.options.channel || message.payload === undefined) return;
      if (this.pending.length === 0) setImmediate(() => this.deliver());
      this.pending.push(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff.reset();
  }

  private deliver(): void {
    const payloads = this.pending;
    this.pending = [];
    if (payloads.length > 0) this.options.onPayloads(payloads);
  }

  private lost(client: Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.options.log.warn({ err: error, channel: this.options.channel }, 'LISTEN connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.stopped) return;
          this.options.log.info({ channel: this.options.channel }, 'LISTEN connection restored');
          this.options.onReconnected();
        },
        (error: unknown) => {
          if (this.stopped) return;
          this.options.log.warn({ err: error, channel: this.options.channel }, 'LISTEN reconnection failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.timer.unref();
  }
}
