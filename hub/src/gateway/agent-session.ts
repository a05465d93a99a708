import { status as GrpcStatus, type Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import type { AgentMessage, Command, Hello } from '#proto';
import { STATUS_ACKS_CAPABILITY } from '#core';
import type { AuthenticatedCluster } from '../clusters/clusters.service';
import type { Logger } from '../logging/logger';
import type { CurrentTargetSet } from '../placement/placement.service';
import type { StoreResult } from '../status/status.service';
import type { ReceivedReport } from '../status/report';
import type { Outcome } from '../database/batcher';
import { unauthenticated } from './credential-refusal';
import type { OutgoingHubMessage } from './hub-message-encoding';
import { AgentInbox, ANSWER_PENDING, type Handled } from './agent-inbox';
import { CarriedTargetSet } from './carried-target-set';
import { StatusReportIntake } from './status-report-intake';
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

/**
 * One authenticated Connect stream. Messages are handled one at a time in arrival order
 * (AgentInbox). A report is handed to the batched store without waiting for the previous one
 * to be written (so several reports of one agent can share a batch); acks go out in the order
 * reports came in, each only once its report is stored (StatusReportIntake).
 */
export class AgentSession {
  lastHeardAt = Date.now();
  /** When this hub last wrote to the stream (any message). */
  lastSentAt = Date.now();
  /** The heartbeat round that visits this session (SessionRegistry). */
  readonly heartbeatSlot: number;
  private helloReceived = false;
  private closed = false;
  private readonly log: Logger;
  /** Messages in hand, handled in arrival order; the stream paused when too many. */
  private readonly inbox: AgentInbox;
  /** The TargetSet this stream carried, and what to send next (whole or delta). */
  private readonly targetSet: CarriedTargetSet;
  /** Status reports: their rate, their answers in report order. */
  private readonly reports: StatusReportIntake;

  constructor(
    readonly cluster: AuthenticatedCluster,
    private readonly call: AgentCall,
    private readonly context: SessionContext,
    /** context.targetSetEpoch() before the authentication read (cluster.targetSet) was asked for. */
    private readonly epochAtAuthentication = Number.NaN,
  ) {
    this.log = context.log.child({ cluster: cluster.name, clusterId: cluster.id });
    this.heartbeatSlot = heartbeatSlot(cluster.id);
    this.inbox = new AgentInbox({
      call,
      handle: (message) => (this.closed ? undefined : this.handle(message)),
      failed: (error) => this.failed(error),
      settled: () => this.reports.settled,
    });
    this.targetSet = new CarriedTargetSet({
      cluster,
      log: this.log,
      authenticationReadIsCurrent: () => this.context.targetSetEpoch() === this.epochAtAuthentication,
      send: (message) => this.send(message),
    });
    this.reports = new StatusReportIntake({
      log: this.log,
      store: (report, settle) => this.context.storeReport(this.cluster.id, report, settle),
      send: (message) => this.send(message),
      write: (message) => this.write(message),
      answered: () => this.inbox.release(),
      failed: (error) => this.failed(error),
      flushed: () => this.inbox.wakeIfIdle(),
    });
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
    return this.targetSet.revision;
  }

  /** Sends the cluster's current TargetSet if it is newer than what this stream carried (placed by another replica, say). */
  async refresh(): Promise<void> {
    if (!this.helloReceived || this.closed) return;
    const current = await this.context.currentTargetSet(this.cluster.id);
    if (current !== null) this.push(current);
  }

  /** Sends a TargetSet that is newer than anything this stream has carried. */
  push(targetSet: CurrentTargetSet): void {
    if (!this.helloReceived || this.closed || BigInt(targetSet.revision) <= this.targetSet.revision) return;
    this.targetSet.send(targetSet);
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
    return this.inbox.drained();
  }

  private enqueue(message: AgentMessage): void {
    this.lastHeardAt = Date.now();
    this.context.heard(this.cluster.id);
    if (this.closed) return;
    this.inbox.add(message);
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
        return this.reports.receive(kind.value) ? ANSWER_PENDING : undefined;
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
    this.targetSet.greeted(hello);
    this.reports.batchesAcks = hello.capabilities.includes(STATUS_ACKS_CAPABILITY);
    this.log.info({ agentVersion: hello.agentVersion, lastAckedSeq: hello.lastAckedSeq }, 'hello');
    try {
      if (this.targetSet.holdsWhatAuthenticationRead(hello)) return;
      const current = await this.context.currentTargetSet(this.cluster.id);
      if (current !== null) this.targetSet.answerHello(current, hello);
    } finally {
      this.context.greeted(this);
    }
  }

  private send(message: OutgoingHubMessage): void {
    this.reports.flushAcks();
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
