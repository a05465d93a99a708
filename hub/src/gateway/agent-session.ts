import { status as GrpcStatus, type Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { RejectReason, type AgentMessage, type Command, type Hello, type StatusReport } from '#proto';
import { POLICY_CAPABILITY, STATUS_ACKS_CAPABILITY, storableText, TARGET_SET_DELTAS_CAPABILITY } from '#core';
import type { AuthenticatedCluster } from '../clusters/clusters.service';
import type { Logger } from '../logging/logger';
import type { CurrentTargetSet } from '../placement/placement.service';
import { InvalidReportError, receiveReport } from '../status/report';
import { UnstorableReportError, type StoreResult } from '../status/status.service';
import type { ReceivedReport } from '../status/report';
import type { Outcome } from '../database/batcher';
import { unauthenticated } from './credential-refusal';
import { encodeTargetSet, type OutgoingHubMessage } from './hub-message-encoding';
import { GatheredAcks, OrderedAnswers } from './ordered-answers';
import { targetSetFor, type HeldByAgent } from './target-set-delta';
import { heartbeatSlot } from './session-registry';

/** What a session needs from the rest of the hub. */
export interface SessionContext {
  currentTargetSet(clusterId: string): Promise<CurrentTargetSet | null>;
  /**
   * Counts the TargetSet changes announced to this replica (placed here, signalled by another,
   * or possibly missed): while it stands still, what authentication read is still current.
   */
  targetSetEpoch(): number;
  recordAck(clusterId: string, revision: string, checksum: string): Promise<void>;
  /** Stores a report; `settle` hears once it is (or is refused), never synchronously. */
  storeReport(clusterId: string, report: ReceivedReport, settle: (outcome: Outcome<StoreResult>) => void): void;
  heard(clusterId: string): void;
  /** Hello was answered: the connection is set up (admission control gives its place back). */
  greeted(session: AgentSession): void;
  closed(session: AgentSession): void;
  log: Logger;
}

export type AgentCall = ServerDuplexStream<AgentMessage, OutgoingHubMessage>;

/** Messages waiting for the database before the hub stops reading from the agent. */
const MAX_QUEUED_MESSAGES = 256;

/**
 * Reports one cluster may send: a burst of this many, refilled at REPORTS_PER_SECOND. Beyond
 * it a report is refused with RATE_LIMITED and a time to send it again: an agent in a loop
 * cannot fill the history table or starve the status writes of other clusters.
 */
const REPORT_BURST = 1_000;
const REPORTS_PER_SECOND = 100;

/** The report's message stays in hand until its answer is sent (OrderedAnswers.reserve). */
const ANSWER_PENDING = Symbol('answer pending');

/**
 * What handling a message left: nothing (done), a promise (the next message waits for it: the
 * database), or ANSWER_PENDING.
 */
type Handled = Promise<void> | typeof ANSWER_PENDING | undefined;

/**
 * One authenticated Connect stream. Messages are handled one at a time in arrival order.
 * A report is handed to the batched store without waiting for the previous one to be written
 * (so several reports of one agent can share a batch); acks go out in the order reports came
 * in, each only once its report is stored.
 *
 * The inbox is a plain array, as the answers are (OrderedAnswers), not a promise chain: at 10,000
 * agents a fleet commit is 20,000 messages in a second or two, and a chain of promises per
 * message was garbage that lived as long as the database write it waited for.
 */
export class AgentSession {
  lastHeardAt = Date.now();
  /** When this hub last wrote to the stream (any message). */
  lastSentAt = Date.now();
  /** The heartbeat round that visits this session (SessionRegistry). */
  readonly heartbeatSlot: number;
  private helloReceived = false;
  /** Whether the agent checks Target.policy (an agent that predates bundle policies ignores them). */
  private enforcesPolicy = true;
  private policyWarned = false;
  /** Whether the agent takes several reports' acks in one StatusAck (STATUS_ACKS_CAPABILITY). */
  private batchesAcks = false;
  /** Highest TargetSet revision sent on this stream (revisions only go up). */
  private sentRevision = -1n;
  /** With TARGET_SET_DELTAS_CAPABILITY: the TargetSet the agent holds (sent, or named by Hello), on which a delta is built. */
  private held: HeldByAgent | undefined;
  private takesDeltas = false;
  private closed = false;
  /** Messages received and not yet handled, in arrival order. */
  private readonly inbox: AgentMessage[] = [];
  /** A message's handling is waiting for the database (the next ones wait for it). */
  private handling = false;
  /** Answers to reports, in report order. */
  private readonly answers = new OrderedAnswers({
    answered: () => this.release(),
    failed: (error) => this.failed(error),
    flushed: () => this.wakeIfIdle(),
  });
  /** With batchesAcks: the acks of this turn's answers, not yet sent. */
  private readonly acks = new GatheredAcks({
    send: (seq, moreSeqs) => this.write({ kind: { $case: 'statusAck', value: { seq, moreSeqs } } }),
    failed: (error) => this.failed(error),
    flushed: () => this.wakeIfIdle(),
  });
  /** drained() callers, waiting for both queues to empty. */
  private idleWaiters: (() => void)[] = [];
  /** Messages in hand: received and not yet handled, or reports not yet answered. The stream is paused when too many. */
  private queued = 0;
  private reportTokens = REPORT_BURST;
  private tokensAt = Date.now();
  private readonly log: Logger;

  constructor(
    readonly cluster: AuthenticatedCluster,
    private readonly call: AgentCall,
    private readonly context: SessionContext,
    /** context.targetSetEpoch() before the authentication read (cluster.targetSet) was asked for. */
    private readonly epochAtAuthentication = Number.NaN,
  ) {
    this.log = context.log.child({ cluster: cluster.name, clusterId: cluster.id });
    this.heartbeatSlot = heartbeatSlot(cluster.id);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  start(): void {
    this.call.on('data', (message: AgentMessage) => this.enqueue(message));
    this.call.on('end', () => this.end(GrpcStatus.OK, 'agent closed the stream'));
    this.call.on('cancelled', () => this.markClosed('cancelled by the agent'));
    this.call.on('close', () => this.markClosed('stream closed'));
    this.call.on('error', (error) => this.markClosed(`stream error: ${error.message}`));
    // Per connection at debug: at info every agent of a fleet-wide restart would log twice; `hello` says it once.
    this.log.debug('agent connected');
  }

  /** The highest TargetSet revision this stream has carried (or the agent held at hello); -1 before any. */
  get carriedRevision(): bigint {
    return this.sentRevision;
  }

  /** Sends the cluster's current TargetSet if it is newer than what this stream carried (placed by another replica, say). */
  async refresh(): Promise<void> {
    if (!this.helloReceived || this.closed) return;
    const current = await this.context.currentTargetSet(this.cluster.id);
    if (current !== null) this.push(current);
  }

  /** Sends a TargetSet that is newer than anything this stream has carried. */
  push(targetSet: CurrentTargetSet): void {
    if (!this.helloReceived || this.closed || BigInt(targetSet.revision) <= this.sentRevision) return;
    this.sendTargetSet(targetSet);
  }

  /** Sends an operator's Command; false when the stream cannot carry it (not yet greeted, or closed). */
  command(command: Command): boolean {
    if (!this.helloReceived || this.closed || this.call.cancelled || this.call.writableEnded) return false;
    this.send({ kind: { $case: 'command', value: command } });
    this.log.info({ commandId: command.id, action: command.action?.$case }, 'command sent');
    return true;
  }

  heartbeat(): void {
    this.send({ kind: { $case: 'heartbeat', value: { sentAt: new Date().toISOString() } } });
  }

  /** Ends the call with a status; in-flight work finishes first when `drained` is awaited. */
  end(code: GrpcStatus, details: string): void {
    this.endWith(code === GrpcStatus.UNAUTHENTICATED ? unauthenticated(details) : { code, details });
  }

  /** Ends the session with a status (and its trailers). */
  endWith(status: { code: GrpcStatus; details: string; metadata?: Metadata }): void {
    const { code, details } = status;
    if (this.closed) return;
    this.closed = true;
    if (code === GrpcStatus.OK) this.call.end();
    else this.call.emit('error', status);
    this.log.info({ code: GrpcStatus[code], reason: details }, 'session ended');
    this.context.closed(this);
  }

  /** Resolves when every message received so far has been handled (and every report stored and answered). */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get idle(): boolean {
    return !this.handling && this.inbox.length === 0 && this.answers.empty && this.acks.empty;
  }

  private enqueue(message: AgentMessage): void {
    this.lastHeardAt = Date.now();
    this.context.heard(this.cluster.id);
    if (this.closed) return;
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
        waiting = this.closed ? undefined : this.handle(message);
      } catch (error) {
        this.failed(error);
      }
      if (waiting === ANSWER_PENDING) continue;
      if (waiting === undefined) {
        this.release();
        continue;
      }
      this.handling = true;
      waiting
        .catch((error: unknown) => this.failed(error))
        .finally(() => {
          this.handling = false;
          this.release();
          this.handleInbox();
        });
    }
    this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private hold(): void {
    this.queued++;
    if (this.queued >= MAX_QUEUED_MESSAGES) this.call.pause();
  }

  private release(): void {
    this.queued--;
    if (this.queued < MAX_QUEUED_MESSAGES / 2 && this.call.isPaused()) this.call.resume();
  }

  private failed(error: unknown): void {
    this.log.error({ err: error }, 'handling an agent message failed');
    this.end(GrpcStatus.UNAVAILABLE, 'the hub could not process a message; retry');
  }

  /** Handles one message (see Handled). */
  private handle(message: AgentMessage): Handled {
    const kind = message.kind;
    if (kind === undefined) return undefined;
    if (!this.helloReceived && kind.$case !== 'hello') {
      this.end(GrpcStatus.FAILED_PRECONDITION, 'the first message must be Hello');
      return undefined;
    }
    switch (kind.$case) {
      case 'hello':
        return this.onHello(kind.value);
      case 'targetSetAck':
        return this.context.recordAck(this.cluster.id, kind.value.revision, kind.value.checksum);
      case 'statusReport':
        return this.onStatusReport(kind.value);
      case 'heartbeat':
        return undefined;
    }
  }

  private async onHello(hello: Hello): Promise<void> {
    if (hello.clusterId !== this.cluster.id) {
      this.end(GrpcStatus.PERMISSION_DENIED, 'Hello.cluster_id is not the authenticated cluster');
      return;
    }
    if (this.helloReceived) return;
    this.helloReceived = true;
    this.enforcesPolicy = hello.capabilities.includes(POLICY_CAPABILITY);
    this.batchesAcks = hello.capabilities.includes(STATUS_ACKS_CAPABILITY);
    this.takesDeltas = hello.capabilities.includes(TARGET_SET_DELTAS_CAPABILITY);
    this.log.info({ agentVersion: hello.agentVersion, lastAckedSeq: hello.lastAckedSeq }, 'hello');
    try {
      if (this.holdsWhatAuthenticationRead(hello)) return;
      const current = await this.context.currentTargetSet(this.cluster.id);
      if (current === null || BigInt(current.revision) <= this.sentRevision) return;
      if (current.checksum === hello.targetSetChecksum) {
        this.holds(BigInt(current.revision), current.checksum);
        return;
      }
      this.sendTargetSet(current);
    } finally {
      this.context.greeted(this);
    }
  }

  /**
   * True when nothing needs sending and nothing needs reading: no TargetSet change was announced
   * since the authentication read, and that read found none or the one the agent holds — the
   * usual reconnect, which then costs no second statement. A change announced meanwhile was
   * either seen by the read or comes through push()/refresh() once Hello is received.
   */
  private holdsWhatAuthenticationRead(hello: Hello): boolean {
    const read = this.cluster.targetSet;
    if (read === undefined || this.context.targetSetEpoch() !== this.epochAtAuthentication) return false;
    if (read === null) return true;
    if (read.checksum !== hello.targetSetChecksum) return false;
    if (BigInt(read.revision) > this.sentRevision) this.holds(BigInt(read.revision), read.checksum);
    return true;
  }

  /** The agent holds this revision (its content: the checksum), sent on this stream or named by its Hello. */
  private holds(revision: bigint, checksum: string): void {
    this.sentRevision = revision;
    this.held = this.takesDeltas ? { revision, checksum } : undefined;
  }

  private onStatusReport(wire: StatusReport): Handled {
    const seq = storableText(wire.seq, 40);
    const retryAfterMs = this.takeReportToken();
    if (retryAfterMs > 0) {
      const detail = `more than ${REPORTS_PER_SECOND} reports a second`;
      this.answers.add(() =>
        this.send({
          kind: { $case: 'statusReject', value: { seq, reason: RejectReason.REJECT_REASON_RATE_LIMITED, detail, retryAfterMs } },
        }),
      );
      return undefined;
    }
    let report: ReceivedReport;
    try {
      report = receiveReport(wire);
    } catch (error) {
      if (!(error instanceof InvalidReportError)) throw error;
      this.log.warn({ seq, bundle: storableText(wire.bundle, 80), reason: error.message }, 'status report refused: invalid');
      const detail = error.message;
      this.answers.add(() => this.sendReject(seq, RejectReason.REJECT_REASON_INVALID, detail));
      return undefined;
    }
    const answer = this.answers.reserve();
    this.context.storeReport(this.cluster.id, report, (outcome) => answer(() => this.answerStored(report, outcome)));
    return ANSWER_PENDING;
  }

  private answerStored(report: ReceivedReport, outcome: Outcome<StoreResult>): void {
    if (!outcome.ok) {
      if (!(outcome.error instanceof UnstorableReportError)) throw outcome.error;
      this.sendReject(report.seq, RejectReason.REJECT_REASON_UNSTORABLE, outcome.error.message);
      return;
    }
    if (this.log.isLevelEnabled('debug'))
      this.log.debug(
        { bundle: report.bundle, commit: report.commit, seq: report.seq, phase: report.phase, ...outcome.result },
        'status report stored',
      );
    this.ack(report.seq);
  }

  /** Acks a stored report: at once, or (batchesAcks) with the others answered in this turn. */
  private ack(seq: string): void {
    if (this.batchesAcks) this.acks.add(seq);
    else this.send({ kind: { $case: 'statusAck', value: { seq, moreSeqs: [] } } });
  }

  /** Takes one report's share of the cluster's rate; 0 when there was one, else ms until there is. */
  private takeReportToken(): number {
    const now = Date.now();
    this.reportTokens = Math.min(REPORT_BURST, this.reportTokens + ((now - this.tokensAt) * REPORTS_PER_SECOND) / 1000);
    this.tokensAt = now;
    if (this.reportTokens >= 1) {
      this.reportTokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.reportTokens) * 1000) / REPORTS_PER_SECOND);
  }

  /**
   * Refuses a report for good: the agent drops it. The ack that follows makes agents that
   * predate StatusReject drop it too, instead of sending it again on every reconnect.
   */
  private sendReject(seq: string, reason: RejectReason, detail: string): void {
    this.send({ kind: { $case: 'statusReject', value: { seq, reason, detail: storableText(detail, 1024), retryAfterMs: 0 } } });
    if (/^\d{1,20}$/.test(seq)) this.ack(seq);
  }

  private sendTargetSet(targetSet: CurrentTargetSet): void {
    const outgoing = targetSetFor(targetSet, this.held);
    this.holds(BigInt(targetSet.revision), targetSet.checksum);
    this.send(encodeTargetSet(outgoing));
    // Debug: a fleet commit would log a line per cluster; placement logs the commit's revisions once.
    if (this.log.isLevelEnabled('debug'))
      this.log.debug({ revision: targetSet.revision, bundles: targetSet.targets.map((t) => t.bundle) }, 'TargetSet sent');
    if (!this.enforcesPolicy && !this.policyWarned && targetSet.targets.some((t) => t.policy !== undefined)) {
      this.policyWarned = true;
      this.log.warn(
        { bundles: targetSet.targets.filter((t) => t.policy !== undefined).map((t) => t.bundle) },
        'this agent predates bundle policies: the policies of its targets are not enforced on its cluster (upgrade it)',
      );
    }
  }

  private send(message: OutgoingHubMessage): void {
    this.acks.flush();
    this.write(message);
  }

  private write(message: OutgoingHubMessage): void {
    if (this.closed || this.call.cancelled || this.call.writableEnded) return;
    this.lastSentAt = Date.now();
    this.call.write(message);
  }

  private markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log.info({ reason }, 'session ended');
    this.context.closed(this);
  }
}
