/**
 * How a wait is drawn below its ceiling: `full` uniform in [0, ceiling) (many clients retrying
 * one server: the agents), `equal` half fixed and half random (a few replicas that must not
 * retry in step, yet must wait), `none` the ceiling itself (one client, one dependency).
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  baseMs: number;
  factor: number;
  capMs: number;
  /** A session that lasted at least this long resets the backoff. */
  resetAfterMs: number;
  /** Default `full`. */
  jitter?: Jitter;
}

/** docs/protocol.md "Reconnect": base 500 ms, factor 2, cap 30 s, reset after a 30 s session. */
export function defaultBackoffOptions(): BackoffOptions {
  return { baseMs: 500, factor: 2, capMs: 30_000, resetAfterMs: 30_000 };
}

/** The ceiling of the n-th wait (attempt 0 is the first retry): min(cap, base × factor^n). */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  // Computed in log space so that a long outage cannot overflow to Infinity/NaN.
  const exponent = Math.min(attempt, 1024);
  const ceiling = options.baseMs * Math.pow(options.factor, exponent);
  return Number.isFinite(ceiling) ? Math.min(options.capMs, ceiling) : options.capMs;
}

/** One wait below `ceiling`, drawn as `jitter` says. */
export function jittered(ceiling: number, jitter: Jitter = 'full', random: () => number = Math.random): number {
  if (jitter === 'none') return ceiling;
  if (jitter === 'equal') return Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.floor(random() * ceiling);
}

/**
 * Exponential backoff, by default with full jitter: each wait is uniform in [0, ceiling).
 * The one backoff of hub, agent and CLI. Pure apart from the injected random source, so tests
 * can pin it.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = defaultBackoffOptions(),
    private readonly random: () => number = Math.random,
  ) {}

  /** The next wait in milliseconds; each call moves one step up the ladder. */
  next(): number {
    const ceiling = backoffCeiling(this.attempt, this.options);
    this.attempt += 1;
    return jittered(ceiling, this.options.jitter, this.random);
  }

  /** Call when a session ends: a long enough session starts the ladder from the bottom again. */
  sessionEnded(sessionMs: number): void {
    if (sessionMs >= this.options.resetAfterMs) {
      this.reset();
    }
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** The metadata key of the hub's retry hint on a RESOURCE_EXHAUSTED refusal (milliseconds). */
export const RETRY_AFTER_METADATA = 'retry-after-ms';
/** A hint longer than this is taken as this (a hub cannot park an agent for long). */
const MAX_HINT_MS = 60_000;

/**
 * The wait after a refusal that carried a retry hint (the hub is busy setting up other
 * connections): at least the hint, plus up to the hint again at random so that refused agents
 * come back spread out; never shorter than the backoff's own wait. Without a usable hint
 * (missing, not a number) the backoff's wait stands.
 */
export function hintedDelay(hint: string | undefined, backoffMs: number, random: () => number = Math.random): number {
  if (hint === undefined || !/^\d{1,9}$/.test(hint)) return backoffMs;
  const hintMs = Math.min(Number(hint), MAX_HINT_MS);
  return Math.max(backoffMs, hintMs + Math.floor(random() * hintMs));
}
