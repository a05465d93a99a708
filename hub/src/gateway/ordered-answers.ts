/**
 * Answers to one agent's reports (acks and refusals), sent in the order the reports came, each
 * once it and every answer before it are ready. Plain arrays, not a chain of promises: at 10,000
 * agents a fleet commit is 10,000 reports, and a promise chain per answer lived as long as the
 * database write it waited for (bench/session-path.ts).
 */
export class OrderedAnswers {
  /** `send` is undefined until the answer is known; `reserved` answers were reserved before they were. */
  private readonly queue: { send: (() => void) | undefined; reserved: boolean }[] = [];

  constructor(
    private readonly hooks: {
      /** A reserved answer went out (or failed): its report is no longer in hand. */
      answered(): void;
      /** Sending an answer threw: the session cannot go on. */
      failed(error: unknown): void;
      /** Whatever could be sent was: the queue may be empty now. */
      flushed(): void;
    },
  ) {}

  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** A place for an answer not known yet (a report being stored); give it with the returned function. */
  reserve(): (send: () => void) => void {
    const entry: { send: (() => void) | undefined; reserved: boolean } = { send: undefined, reserved: true };
    this.queue.push(entry);
    return (send) => {
      entry.send = send;
      this.flush();
    };
  }

  /** An answer known now (a refusal that needs no database), sent after those still waiting before it. */
  add(send: () => void): void {
    this.queue.push({ send, reserved: false });
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].send !== undefined) {
      const entry = this.queue.shift()!;
      try {
        entry.send!();
      } catch (error) {
        this.hooks.failed(error);
      }
      if (entry.reserved) this.hooks.answered();
    }
    this.hooks.flushed();
  }
}

/**
 * Acks of the reports answered in one turn of the event loop, sent as one StatusAck at its end,
 * for an agent that takes them so (STATUS_ACKS_CAPABILITY): a database write settles all of its
 * reports in one turn, and over grpc-js every message is a write of its own. Whatever else the
 * session sends meanwhile sends these first (`flush`), so every message goes out in the order
 * it would alone.
 */
export class GatheredAcks {
  private seqs: string[] = [];

  constructor(
    private readonly hooks: {
      /** Sends one StatusAck. */
      send(seq: string, moreSeqs: string[]): void;
      /** Sending threw: the session cannot go on. */
      failed(error: unknown): void;
      /** The turn's acks went out. */
      flushed(): void;
    },
  ) {}

  get empty(): boolean {
    return this.seqs.length === 0;
  }

  add(seq: string): void {
    if (this.seqs.push(seq) > 1) return;
    queueMicrotask(() => {
      try {
        this.flush();
      } catch (error) {
        this.hooks.failed(error);
      }
      this.hooks.flushed();
    });
  }

  /** Sends what was gathered, now. */
  flush(): void {
    if (this.seqs.length === 0) return;
    const [seq, ...moreSeqs] = this.seqs;
    this.seqs = [];
    this.hooks.send(seq, moreSeqs);
  }
}
