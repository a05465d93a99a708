import { mergeHints, type ChangeHint } from './change-hint';
import { sseComment, sseEvent } from './sse';

export interface StreamSessionOptions {
  /** At most one `changed` event per this many milliseconds; hints arriving between are merged. */
  hintIntervalMs: number;
  /** A comment line this often keeps idle connections open through proxies. */
  heartbeatMs: number;
}

export function defaultStreamSessionOptions(): StreamSessionOptions {
  return { hintIntervalMs: 1_000, heartbeatMs: 15_000 };
}

/**
 * One client's event stream: fleet events go out as they come; change hints are merged and
 * sent at most once per interval, so that a burst of reports costs the page one refetch.
 * `write` returns false when the socket's buffer is full: until `drained()`, fleet events
 * are dropped and hints held (merged), so a client that stops reading never makes the hub
 * hold an unbounded queue; once drained it gets one `changed` hint to catch up.
 */
export class StreamSession {
  private pending: ChangeHint[] = [];
  private lastHintAt = 0;
  private hintTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private congested = false;
  private dropped = false;

  constructor(
    private readonly write: (chunk: string) => boolean,
    private readonly options: StreamSessionOptions = defaultStreamSessionOptions(),
  ) {
    this.heartbeat = setInterval(() => this.send(sseComment('heartbeat')), options.heartbeatMs);
  }

  /** Opens the stream: a comment so that the response starts at once, and what the client needs to know. */
  start(hello: Record<string, unknown>): void {
    this.send(sseComment('gitfleet live updates'));
    this.send(sseEvent('hello', { ...hello, heartbeatMs: this.options.heartbeatMs, hintIntervalMs: this.options.hintIntervalMs }));
  }

  fleetEvent(event: unknown): void {
    if (this.congested) this.dropped = true;
    else this.send(sseEvent('fleet', event));
  }

  /** The socket accepts data again. */
  drained(): void {
    this.congested = false;
    if (this.dropped) {
      this.dropped = false;
      this.hint({ clusters: [], bundles: [] });
    } else if (this.pending.length > 0 && this.hintTimer === undefined) {
      this.flushHints();
    }
  }

  hint(hint: ChangeHint): void {
    if (this.closed) return;
    this.pending.push(hint);
    if (this.hintTimer !== undefined) return;
    const wait = Math.max(0, this.lastHintAt + this.options.hintIntervalMs - Date.now());
    this.hintTimer = setTimeout(() => this.flushHints(), wait);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.hintTimer);
    this.pending = [];
  }

  private flushHints(): void {
    this.hintTimer = undefined;
    if (this.pending.length === 0 || this.congested) return;
    const merged = mergeHints(this.pending);
    this.pending = [];
    this.lastHintAt = Date.now();
    this.send(sseEvent('changed', merged));
  }

  private send(chunk: string): void {
    if (!this.closed && !this.write(chunk)) this.congested = true;
  }
}
