import type { AgentMessage } from '#proto';

/** Messages waiting for the database before the hub stops reading from the agent. */
const MAX_QUEUED_MESSAGES = 256;

/** The report's message stays in hand until its answer is sent (OrderedAnswers.reserve). */
export const ANSWER_PENDING = Symbol('answer pending');

/**
 * What handling a message left: nothing (done), a promise (the next message waits for it: the
 * database), or ANSWER_PENDING.
 */
export type Handled = Promise<void> | typeof ANSWER_PENDING | undefined;

/** What the inbox needs from its session (AgentSession). */
export interface InboxStream {
  /** The agent's stream, paused while too many messages are in hand. */
  readonly call: { pause(): void; resume(): void; isPaused(): boolean };
  /** Handles one message (see Handled). */
  handle(message: AgentMessage): Handled;
  /** Handling a message threw: the session cannot go on. */
  failed(error: unknown): void;
  /** Whether the rest of the session's work is done too (every report answered): drained() waits for it. */
  settled(): boolean;
}

/**
 * The messages of one agent stream, handled one at a time in arrival order, and the flow
 * control that stops reading from the agent while too many are in hand. Apart from
 * AgentSession, which says what each message means: this is only their order and their count.
 *
 * The inbox is a plain array, as the answers are (OrderedAnswers), not a promise chain: at 10,000
 * agents a fleet commit is 20,000 messages in a second or two, and a chain of promises per
 * message was garbage that lived as long as the database write it waited for.
 */
export class AgentInbox {
  /** Messages received and not yet handled, in arrival order. */
  private readonly inbox: AgentMessage[] = [];
  /** A message's handling is waiting for the database (the next ones wait for it). */
  private handling = false;
  /** drained() callers, waiting for both queues to empty. */
  private idleWaiters: (() => void)[] = [];
  /** Messages in hand: received and not yet handled, or reports not yet answered. The stream is paused when too many. */
  private queued = 0;

  constructor(private readonly stream: InboxStream) {}

  /** Resolves when every message received so far has been handled (and every report stored and answered). */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get idle(): boolean {
    return !this.handling && this.inbox.length === 0 && this.stream.settled();
  }

  /** Takes a message in hand, and handles it once those before it are. */
  add(message: AgentMessage): void {
    this.hold();
    this.inbox.push(message);
    if (!this.handling) this.handleInbox();
  }

  /** Handles what the inbox holds, in order, until a message waits for the database. */
  private handleInbox(): void {
    while (!this.handling && this.inbox.length > 0) {
      const message = this.inbox.shift()!;
      let waiting: Handled = undefined;
      try {
        waiting = this.stream.handle(message);
      } catch (error) {
        this.stream.failed(error);
      }
      if (waiting === ANSWER_PENDING) continue;
      if (waiting === undefined) {
        this.release();
        continue;
      }
      this.handling = true;
      waiting
        .catch((error: unknown) => this.stream.failed(error))
        .finally(() => {
          this.handling = false;
          this.release();
          this.handleInbox();
        });
    }
    this.wakeIfIdle();
  }

  /** Wakes the drained() callers if nothing is in hand any more. */
  wakeIfIdle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private hold(): void {
    this.queued++;
    if (this.queued >= MAX_QUEUED_MESSAGES) this.stream.call.pause();
  }

  /** A message is out of hand (handled, or its report answered). */
  release(): void {
    this.queued--;
    if (this.queued < MAX_QUEUED_MESSAGES / 2 && this.stream.call.isPaused()) this.stream.call.resume();
  }
}
