import { status as GrpcStatus, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import {
  RejectReason,
  type AgentMessage,
  type ArtifactChunk,
  type Command,
  type FleetClient,
  type HubMessage,
  type StatusReject,
  type StatusReport,
  type TargetSet,
} from '#proto';
import type { Logger } from '../logger';
import { AGENT_CAPABILITIES, AGENT_VERSION } from '../version';
import {
  Backoff,
  defaultBackoffOptions,
  heartbeatDue,
  hintedDelay,
  RETRY_AFTER_METADATA,
  TargetSetDeltaError,
  wholeTargetSet,
  type BackoffOptions,
} from '#core';
import { credentialRejection, type CredentialRejection } from './credential-rejection';
import { bearerMetadata, type ClientCertificate } from './fleet-client';
import { ReportOutbox } from './outbox';

/** What the link needs from the rest of the agent. */
export interface LinkHandler {
  /**
   * The TargetSet the agent holds, whole (its checksum goes in Hello; a delta from the hub is
   * built on it); undefined if none.
   */
  heldTargetSet(): TargetSet | undefined;
  /** Takes a whole TargetSet in hand (stores it); the link acks it once this resolves. */
  takeTargetSet(targetSet: TargetSet): Promise<void>;
  /** Acts on a command from the hub (a hint: losing one never leaves the cluster wrong). */
  runCommand?(command: Command): void;
  /** The hub refused a report for good (it has been dropped): tell the hub so, briefly. */
  reportRefused?(report: StatusReport, detail: string): void;
}

export interface FleetLinkOptions {
  /** The hub's Fleet client; the link does not close it. */
  client: FleetClient;
  /** The client to call as an identity (its client certificate); `client` when absent. */
  clientFor?: (identity: LinkIdentity) => FleetClient;
  /**
   * Called when the hub rejects the credential for good; resolves with the identity to
   * connect as from then on (after registering again). Without it the link keeps retrying
   * the old credential with backoff.
   */
  onCredentialRejected?: (reason: CredentialRejection) => Promise<LinkIdentity>;
  heartbeatIntervalMs: number;
  handler: LinkHandler;
  logger: Logger;
  backoff?: BackoffOptions;
  random?: () => number;
  /** A stream with nothing received for this many heartbeat intervals is dead. */
  missedHeartbeats?: number;
  /**
   * A Connect ended UNAVAILABLE before anything came from the hub (no connection): the clients
   * may dial anew (HubChannel.redial), so that the link's backoff, not the channel's, decides
   * when the next attempt goes out.
   */
  onUnreachable?: () => void;
}

/** Who the agent is on the hub, from registration. */
export interface LinkIdentity {
  clusterId: string;
  credential: string;
  /** Presented in the TLS handshake when the link is TLS; the bearer credential goes along for hubs that allow it. */
  certificate?: ClientCertificate;
}

type Call = ClientDuplexStream<AgentMessage, HubMessage>;

/** One artifact transfer may take this long before it is cut (and retried). */
const ARTIFACT_DEADLINE_MS = 10 * 60_000;

/**
 * The agent's end of the Connect stream: Hello, TargetSet acks, numbered reports kept until
 * acked and re-sent after a reconnect, heartbeats both ways, reconnect with backoff.
 */
export class FleetLink {
  private readonly outbox: ReportOutbox;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private call: Call | undefined;
  /** When the current stream last carried a message of ours. */
  private lastWrittenAt = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private sessions = 0;
  private identity: LinkIdentity | undefined;
  private switching = false;

  constructor(private readonly options: FleetLinkOptions) {
    this.log = options.logger.child({ module: 'link' });
    this.backoff = new Backoff(options.backoff ?? defaultBackoffOptions(), options.random);
    this.outbox = new ReportOutbox(10_000, (report) =>
      this.log.warn({ seq: report.seq, bundle: report.bundle }, 'outbox full: dropped the oldest unacknowledged report'),
    );
  }

  /** Starts connecting as `identity`. Reports sent before this wait in the outbox. */
  start(identity: LinkIdentity): void {
    if (this.stopped) return;
    this.identity = identity;
    this.loop ??= this.run();
  }

  /**
   * Connects as `identity` from now on (a renewed client certificate): the open stream, if
   * any, ends and the next one opens at once with the new certificate.
   */
  useIdentity(identity: LinkIdentity): void {
    this.identity = identity;
    if (this.call === undefined) return;
    this.switching = true;
    this.call.cancel();
  }

  /** Queues a report; it is sent now if a stream is open, else after the next Hello. */
  send(report: StatusReport): void {
    this.outbox.add(report);
    this.write({ kind: { $case: 'statusReport', value: report } });
  }

  /** Reports still waiting for the hub's ack, oldest first. */
  unacknowledged(): StatusReport[] {
    return this.outbox.pending();
  }

  /**
   * An artifact's gzip stream from the hub (FetchArtifact, on the same channel as Connect,
   * authenticated with the same credential). Fails when the agent has no identity yet or the
   * hub is away; the engine then retries with backoff.
   */
  async *fetchArtifact(digest: string): AsyncIterable<Buffer> {
    const identity = this.identity;
    if (identity === undefined) throw new Error('not registered with the hub yet');
    const call = this.clientFor(identity).fetchArtifact({ digest }, bearerMetadata(identity.credential), {
      deadline: Date.now() + ARTIFACT_DEADLINE_MS,
    });
    try {
      for await (const chunk of call as AsyncIterable<ArtifactChunk>) yield Buffer.from(chunk.data);
    } finally {
      call.cancel();
    }
  }

  get connected(): boolean {
    return this.call !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.call?.cancel();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const startedAt = Date.now();
      const ending = await this.session();
      const lasted = Date.now() - startedAt;
      this.backoff.sessionEnded(lasted);
      if (this.stopped) break;
      if (this.switching) {
        this.switching = false;
        this.log.info('reconnecting with the renewed client certificate');
        continue;
      }
      const rejection =
        ending.kind === 'status' && ending.status.code === GrpcStatus.UNAUTHENTICATED ? credentialRejection(ending.status) : undefined;
      if (rejection !== undefined && this.options.onCredentialRejected) {
        this.log.error(
          { reason: rejection, details: ending.kind === 'status' ? ending.status.details : undefined },
          "the hub rejected this agent's credential for good; registering again",
        );
        try {
          this.identity = await this.options.onCredentialRejected(rejection);
        } catch (error) {
          if (this.stopped) break;
          this.log.error({ err: error }, 'registering again failed');
        }
        continue;
      }
      const hint =
        ending.kind === 'status' && ending.status.code === GrpcStatus.RESOURCE_EXHAUSTED
          ? ending.status.metadata?.get(RETRY_AFTER_METADATA)[0]?.toString()
          : undefined;
      const delay = hintedDelay(hint, this.backoff.next(), this.options.random);
      if (ending.kind === 'status' && ending.status.code === GrpcStatus.UNAVAILABLE && ending.received === 0)
        this.options.onUnreachable?.();
      this.logEnding(ending, lasted, delay);
      await this.sleep(delay);
    }
  }

  /** One Connect call, from Hello until the stream ends; resolves with why it ended. */
  private session(): Promise<SessionEnding> {
    this.sessions += 1;
    const session = this.sessions;
    const identity = this.identity!;
    return new Promise<SessionEnding>((resolve) => {
      const call = this.clientFor(identity).connect(bearerMetadata(identity.credential));
      let received = 0;
      let lastReceivedAt = Date.now();
      let inbox = Promise.resolve();
      let ended = false;
      const finish = (ending: SessionEnding): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        if (this.call === call) this.call = undefined;
        resolve(ending);
      };

      const intervalMs = this.options.heartbeatIntervalMs;
      const deadAfterMs = intervalMs * (this.options.missedHeartbeats ?? 3);
      const heartbeat = setInterval(() => {
        if (Date.now() - lastReceivedAt >= deadAfterMs) {
          call.cancel();
          finish({ kind: 'dead', received });
          return;
        }
        // As the hub does (heartbeatDue): a fleet busy acking and reporting a commit spares it a message per agent.
        if (!heartbeatDue(this.lastWrittenAt, intervalMs)) return;
        this.writeTo(call, { kind: { $case: 'heartbeat', value: { sentAt: new Date().toISOString() } } });
      }, intervalMs);

      call.on('data', (message: HubMessage) => {
        received += 1;
        lastReceivedAt = Date.now();
        // Messages are handled one after another: an ack must follow its TargetSet's storage.
        inbox = inbox
          .then(() => this.handle(call, message))
          .catch((error: unknown) => {
            this.log.error({ err: error }, 'failed to handle a message from the hub; reconnecting');
            call.cancel();
          });
      });
      // 'status' always comes, OK or not; 'error' repeats it and must only be listened to.
      call.on('error', () => {});
      call.on('status', (status: StatusObject) => finish({ kind: 'status', status, received }));

      this.call = call;
      this.writeTo(call, {
        kind: {
          $case: 'hello',
          value: {
            clusterId: identity.clusterId,
            agentVersion: AGENT_VERSION,
            capabilities: [...AGENT_CAPABILITIES],
            targetSetChecksum: this.options.handler.heldTargetSet()?.checksum ?? '',
            lastAckedSeq: this.outbox.lastAckedSeq,
          },
        },
      });
      const pending = this.outbox.pending();
      for (const report of pending) {
        this.writeTo(call, { kind: { $case: 'statusReport', value: report } });
      }
      this.log.debug({ session, resent: pending.length }, 'stream opened, hello sent');
    });
  }

  private clientFor(identity: LinkIdentity): FleetClient {
    return this.options.clientFor?.(identity) ?? this.options.client;
  }

  private async handle(call: Call, message: HubMessage): Promise<void> {
    const kind = message.kind;
    switch (kind?.$case) {
      case 'targetSet': {
        const received = kind.value;
        let targetSet: TargetSet;
        try {
          targetSet = wholeTargetSet(this.options.handler.heldTargetSet(), received);
        } catch (error) {
          if (!(error instanceof TargetSetDeltaError)) throw error;
          // Nothing is taken: the Hello of the next stream names what is held, and the hub answers with the whole TargetSet.
          this.log.warn(
            { revision: received.revision, reason: error.message },
            'a TargetSet delta does not apply to the TargetSet held; asking for the whole one on a new stream',
          );
          call.cancel();
          return;
        }
        this.log.info(
          {
            revision: targetSet.revision,
            checksum: targetSet.checksum,
            targets: targetSet.targets.length,
            ...(received.baseChecksum === '' ? {} : { changed: received.targets.length }),
          },
          'received TargetSet',
        );
        await this.options.handler.takeTargetSet(targetSet);
        this.writeTo(call, {
          kind: { $case: 'targetSetAck', value: { revision: targetSet.revision, checksum: targetSet.checksum } },
        });
        return;
      }
      case 'statusAck':
        this.outbox.ack(kind.value.seq);
        // Several reports stored at once (STATUS_ACKS_CAPABILITY).
        for (const seq of kind.value.moreSeqs) this.outbox.ack(seq);
        return;
      case 'statusReject':
        this.onReject(call, kind.value);
        return;
      case 'heartbeat':
        return;
      case 'command':
        this.log.info({ command: kind.value.id, action: kind.value.action?.$case }, 'received command');
        this.options.handler.runCommand?.(kind.value);
        return;
      default:
        this.log.debug('ignoring an unknown message from the hub');
    }
  }

  /**
   * A report the hub will not store. Invalid or unstorable: sending it again cannot help, so it
   * is dropped (the hub acks it too, for agents that predate StatusReject) and the handler says
   * so in a short report of its own. Rate-limited: sent again after the hub's delay.
   */
  private onReject(call: Call, reject: StatusReject): void {
    const report = this.outbox.get(reject.seq);
    if (reject.reason === RejectReason.REJECT_REASON_RATE_LIMITED) {
      this.log.warn({ seq: reject.seq, retryAfterMs: reject.retryAfterMs }, 'the hub rate-limited a report; sending it again later');
      const timer = setTimeout(
        () => {
          const again = this.outbox.get(reject.seq);
          if (again) this.writeTo(call, { kind: { $case: 'statusReport', value: again } });
        },
        Math.max(reject.retryAfterMs, 100),
      );
      timer.unref();
      return;
    }
    this.log.error(
      { seq: reject.seq, bundle: report?.bundle, reason: RejectReason[reject.reason], detail: reject.detail },
      'the hub refused a report; dropped',
    );
    this.outbox.ack(reject.seq);
    if (report) this.options.handler.reportRefused?.(report, reject.detail);
  }

  private write(message: AgentMessage): void {
    if (this.call) this.writeTo(this.call, message);
  }

  private writeTo(call: Call, message: AgentMessage): void {
    if (this.call !== call || !call.writable) return;
    this.lastWrittenAt = Date.now();
    call.write(message);
  }

  private logEnding(ending: SessionEnding, lastedMs: number, retryInMs: number): void {
    const context = { retryInMs, lastedMs, messagesReceived: ending.received, unacknowledgedReports: this.outbox.size };
    if (ending.kind === 'dead') {
      this.log.warn(context, 'hub stream silent for too long (missed heartbeats); reconnecting');
      return;
    }
    const { code, details } = ending.status;
    if (code === GrpcStatus.UNAUTHENTICATED) {
      // A rejection for good (revoked, rotated, unknown cluster) goes to onCredentialRejected;
      // any other refusal keeps the credential and retries.
      this.log.error(
        { ...context, code: 'UNAUTHENTICATED', details },
        "the hub refused this agent's credential; retrying with backoff. If the cluster was removed from the hub, " +
          'delete the Secret gitfleet-agent in the agent namespace and restart the agent with BOOTSTRAP_TOKEN',
      );
    } else if (code === GrpcStatus.PERMISSION_DENIED) {
      this.log.error({ ...context, code: 'PERMISSION_DENIED', details }, 'the hub refused this session; retrying with backoff');
    } else if (code === GrpcStatus.OK) {
      this.log.info(context, 'hub closed the stream; reconnecting');
    } else {
      this.log.warn({ ...context, code: GrpcStatus[code] ?? code, details }, 'hub stream ended; reconnecting');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

type SessionEnding = { kind: 'status'; status: StatusObject; received: number } | { kind: 'dead'; received: number };
