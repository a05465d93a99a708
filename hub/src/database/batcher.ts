export interface BatchOptions {
  /** A batch is written as soon as it holds this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  maxWaitMs: number;
  /**
   * Whether a failed write may be the fault of one item (bad data) rather than of the writer
   * (a lost connection): then each item is written on its own, so that one poisoned item fails
   * alone and the others are written.
   */
  blamesAnItem?: (error: unknown) => boolean;
  /**
   * The callers of a written batch hear of it only once the next batch (if items are waiting)
   * has gone to the database, on the next turn of the event loop: for writers whose callers
   * have much to do when they hear (a status lane's: an ack to each of 2,000 agents), which then
   * runs while the database writes the next batch. Off, they hear at once: a caller on a short
   * critical path (a handshake waiting for its read) is not held a turn of a busy loop.
   */
  callersAfterNextWrite?: boolean;
}

export function defaultBatchOptions(): BatchOptions {
  return { maxItems: 500, maxWaitMs: 50 };
}

/** How a written (or failed) item's caller hears of it. */
export type Outcome<R> = { ok: true; result: R } | { ok: false; error: unknown };

/** A promise of what a callback-taking call (submitWith, say) settles with. */
export function settled<R>(call: (settle: (outcome: Outcome<R>) => void) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => call((outcome) => (outcome.ok ? resolve(outcome.result) : reject(outcome.error))));
}

interface Entry<T, R> {
  item: T;
  settle: (outcome: Outcome<R>) => void;
}

/**
 * Collects items from many callers and writes them in batches, one batch at a time; each
 * caller's promise settles only when the batch holding its item has been written. While a
 * batch is being written the next one fills, so batches grow with the load.
 */
export class Batcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: BatchOptions = defaultBatchOptions(),
  ) {}

  submit(item: T): Promise<R> {
    return settled((settle) => this.submitWith(item, settle));
  }

  /**
   * As submit(), for callers that hear of thousands of items a second (a status lane's): the
   * outcome comes to `settle`, never synchronously, with no promise made per item. `settle`
   * must not throw (one that does is a bug: it is reported as an uncaught exception, after
   * the rest of its batch has heard).
   */
  submitWith(item: T, settle: (outcome: Outcome<R>) => void): void {
    this.pending.push({ item, settle });
    if (this.pending.length >= this.options.maxItems) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  /** Resolves once everything submitted so far has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.writing !== undefined || this.pending.length > 0) {
      this.flush();
      await this.writing;
    }
  }

  /** Writes each item of a failed batch on its own: each settles with its own result. */
  private async oneByOne(batch: Entry<T, R>[]): Promise<void> {
    for (const entry of batch) {
      let outcome: Outcome<R>;
      try {
        outcome = { ok: true, result: (await this.write([entry.item]))[0] };
      } catch (error) {
        outcome = { ok: false, error };
      }
      settle(entry, outcome);
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing !== undefined || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.options.maxItems);
    this.writing = this.write(batch.map((e) => e.item)).then(
      (results) => {
        const hear = () => batch.forEach((e, i) => settle(e, { ok: true, result: results[i] }));
        if (!this.options.callersAfterNextWrite) {
          hear();
          this.next();
          return;
        }
        // Whatever arrived meanwhile has waited at least one write already: it goes to the
        // database first, and this batch's callers hear after that.
        this.next();
        if (this.writing === undefined) hear();
        else setImmediate(hear);
      },
      async (error: unknown) => {
        if (batch.length > 1 && this.options.blamesAnItem?.(error)) await this.oneByOne(batch);
        else batch.forEach((e) => settle(e, { ok: false, error }));
        this.next();
      },
    );
  }

  /** The write in hand is over: the next batch, if anything is waiting. */
  private next(): void {
    this.writing = undefined;
    if (this.pending.length > 0) this.flush();
  }
}

function settle<T, R>(entry: Entry<T, R>, outcome: Outcome<R>): void {
  try {
    entry.settle(outcome);
  } catch (error) {
    // Not thrown here: the other callers of the batch must still hear, and the batch's write
    // chain must go on.
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** PostgreSQL's classes of errors about the data sent: 22 (data exception) and 23 (integrity constraint violation). */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
