import type { ClientDuplexStream } from '@grpc/grpc-js';
import {
  RejectReason,
  type AgentMessage,
  type Command,
  type HubMessage,
  type StatusReject,
  type StatusReport,
  type TargetSet,
} from '#proto';
import type { Logger } from '../logger';
import { TargetSetDeltaError, wholeTargetSet } from '#core';
import type { ReportOutbox } from './outbox';

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

/** The Connect stream of one session, as the agent sees it. */
export type ConnectCall = ClientDuplexStream<AgentMessage, HubMessage>;

/**
 * What the agent does with each message the hub sends on a Connect stream: a TargetSet (whole,
 * or a delta on the one held) is taken and acked, acks and rejects settle the outbox, commands
 * go to the handler. Kept apart from FleetLink, which owns the stream's life (Hello, heartbeats,
 * reconnects): this is the protocol's meaning, that is its transport.
 */
export class HubMessages {
  /**
   * @param writeTo writes on `call` while it is still the link's open stream (else drops the
   *   message), so that an answer never lands on a newer stream than its question came on.
   */
  constructor(
    private readonly handler: LinkHandler,
    private readonly outbox: ReportOutbox,
    private readonly log: Logger,
    private readonly writeTo: (call: ConnectCall, message: AgentMessage) => void,
  ) {}

  async handle(call: ConnectCall, message: HubMessage): Promise<void> {
    const kind = message.kind;
    switch (kind?.$case) {
      case 'targetSet': {
        const received = kind.value;
        let targetSet: TargetSet;
        try {
          targetSet = wholeTargetSet(this.handler.heldTargetSet(), received);
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
        await this.handler.takeTargetSet(targetSet);
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
        this.handler.runCommand?.(kind.value);
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
  private onReject(call: ConnectCall, reject: StatusReject): void {
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
    if (report) this.handler.reportRefused?.(report, reject.detail);
  }
}
