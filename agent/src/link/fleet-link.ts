import { connectivityState, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import type { AgentMessage, ArtifactChunk, FleetClient, HubMessage, StatusReport } from '#proto';
import type { Logger } from '../logger';
import { AGENT_CAPABILITIES, AGENT_VERSION } from '../version';
import { Backoff, defaultBackoffOptions, heartbeatDue, hintedDelay, type BackoffOptions } from '#core';
import type { CredentialRejection } from './credential-rejection';
import { bearerMetadata, type ClientCertificate } from './fleet-client';
import { HubMessages, type ConnectCall, type LinkHandler } from './hub-messages';
import { ReportOutbox } from './outbox';
import { endedUnreachable, logEnding, rejectionOf, retryAfterHint, type SessionEnding } from './session-ending';

/** The handler is given to the link in its options; it is defined beside the messages it answers. */
export type { LinkHandler };

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

/** One artifact transfer may take this long before it is cut (and retried). */
const ARTIFACT_DEADLINE_MS = 10 * 60_000;

/**
 * The agent's end of the Connect stream: Hello, TargetSet acks, numbered reports kept until
 * acked and re-sent after a reconnect, heartbeats both ways, reconnect with backoff.
 */
export class FleetLink {
  private readonly outbox: ReportOutbox;
  private readonly messages: HubMessages;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private call: ConnectCall | undefined;
  /** The channel `call` runs on: whether its connection is up. */
  private callChannel: ChannelInterface | undefined;
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
    this.messages = new HubMessages(options.handler, this.outbox, this.log, (call, message) => this.writeTo(call, message));
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

  /**
   * A stream is open on a connection that is up. A stream still being attempted (the hub away,
   * the link retrying) is not: the agent's readiness said "connected to the hub" during every
   * reconnect attempt to a hub that was gone.
   */
  get connected(): boolean {
    return this.call !== undefined && this.callChannel?.getConnectivityState(false) === connectivityState.READY;
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
      const rejection = rejectionOf(ending);
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
      const delay = hintedDelay(retryAfterHint(ending), this.backoff.next(), this.options.random);
      if (endedUnreachable(ending)) this.options.onUnreachable?.();
      logEnding(this.log, ending, lasted, delay, this.outbox.size);
      await this.sleep(delay);
    }
  }

  /** One Connect call, from Hello until the stream ends; resolves with why it ended. */
  private session(): Promise<SessionEnding> {
    this.sessions += 1;
    const session = this.sessions;
    const identity = this.identity!;
    return new Promise<SessionEnding>((resolve) => {
      const client = this.clientFor(identity);
      const call = client.connect(bearerMetadata(identity.credential));
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
          .then(() => this.messages.handle(call, message))
          .catch((error: unknown) => {
            this.log.error({ err: error }, 'failed to handle a message from the hub; reconnecting');
            call.cancel();
          });
      });
      // 'status' always comes, OK or not; 'error' repeats it and must only be listened to.
      call.on('error', () => {});
      call.on('status', (status: StatusObject) => finish({ kind: 'status', status, received }));

      this.call = call;
      this.callChannel = client.getChannel();
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

  private write(message: AgentMessage): void {
    if (this.call) this.writeTo(this.call, message);
  }

  private writeTo(call: ConnectCall, message: AgentMessage): void {
    if (this.call !== call || !call.writable) return;
    this.lastWrittenAt = Date.now();
    call.write(message);
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
