export interface BackoffOptions {
  baseMs: number;
  factor: number;
  capMs: number;
  /** A session that lasted at least this long resets the backoff. */
  resetAfterMs: number;
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

/**
 * Exponential backoff with full jitter: each wait is uniform in [0, ceiling). Pure apart
 * from the injected random source, so tests can pin it.
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
    return Math.floor(this.random() * ceiling);
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
