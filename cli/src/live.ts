import { Backoff } from '#core';
import type { HubClient } from './hub-client';

/** One server-sent event of the hub's live stream (`GET /api/v1/stream`, docs/api.md). */
export interface LiveEvent {
  event: string;
  data: unknown;
}

/** Longest wait before opening the stream again after it failed or ended. */
const MAX_RECONNECT_MS = 10_000;

/**
 * Wake-ups from the hub's live stream, for --watch and --follow: `wait(ms)` resolves true as
 * soon as the stream brings an event `wanted` accepts, or when `ms` pass — the REST API stays
 * the source of truth, the stream only says when to ask it again, so a stream that is away
 * (an old hub, a proxy that buffers) only makes the command slower. False when interrupted.
 */
export class LiveWake {
  private readonly controller = new AbortController();
  private pending = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly hub: HubClient,
    private readonly wanted: (event: LiveEvent) => boolean,
    private readonly interrupt: AbortSignal,
  ) {
    interrupt.addEventListener('abort', () => this.close(), { once: true });
    void this.run();
  }

  async wait(ms: number): Promise<boolean> {
    if (this.interrupt.aborted) return false;
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.interrupt.removeEventListener('abort', done);
          this.waiter = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.interrupt.addEventListener('abort', done, { once: true });
        this.waiter = done;
      });
    }
    this.pending = false;
    return !this.interrupt.aborted;
  }

  close(): void {
    this.controller.abort();
    this.waiter?.();
  }

  private wake(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Keeps the stream open (reconnecting with backoff) until closed. */
  private async run(): Promise<void> {
    const backoff = new Backoff({ baseMs: 500, factor: 2, capMs: MAX_RECONNECT_MS, resetAfterMs: 30_000, jitter: 'none' });
    while (!this.controller.signal.aborted) {
      const opened = Date.now();
      try {
        for await (const event of this.hub.stream(this.controller.signal)) {
          if (this.wanted(event)) this.wake();
        }
      } catch {
        // Away for now (refused, a proxy, the hub restarting): the timed waits carry on.
      }
      if (this.controller.signal.aborted) return;
      // Whatever happened while it was closed is fetched on the next wake-up.
      this.wake();
      backoff.sessionEnded(Date.now() - opened);
      await new Promise((resolve) => setTimeout(resolve, backoff.next()).unref());
    }
  }
}

/** Splits a text/event-stream body into events (`event:` and `data:` fields; comments skipped). */
export async function* parseEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<LiveEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':') || line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: handed on as text.
      }
      yield { event, data: parsed };
    }
  }
}
