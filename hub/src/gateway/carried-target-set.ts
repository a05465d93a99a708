import type { Hello } from '#proto';
import { POLICY_CAPABILITY, TARGET_SET_DELTAS_CAPABILITY } from '#core';
import type { AuthenticatedCluster } from '../clusters/clusters.service';
import type { Logger } from '../logging/logger';
import type { CurrentTargetSet } from '../placement/placement.service';
import { encodeTargetSet, type OutgoingHubMessage } from './hub-message-encoding';
import { targetSetFor, type HeldByAgent } from './target-set-delta';

/** What the TargetSet of a stream needs from its session (AgentSession). */
export interface TargetSetStream {
  readonly cluster: AuthenticatedCluster;
  readonly log: Logger;
  /** Whether no TargetSet change was announced since the authentication read (cluster.targetSet). */
  authenticationReadIsCurrent(): boolean;
  send(message: OutgoingHubMessage): void;
}

/**
 * What one agent stream has carried of its cluster's TargetSet, and what to send it next: the
 * revision (revisions only go up), the TargetSet the agent holds (on which a delta is built),
 * the agent's capabilities. Apart from AgentSession, which keeps the stream itself (the order
 * messages are handled in, reports): this is the part of the protocol that decides what
 * TargetSet, whole or delta, the agent gets.
 */
export class CarriedTargetSet {
  /** Whether the agent checks Target.policy (an agent that predates bundle policies ignores them). */
  private enforcesPolicy = true;
  private policyWarned = false;
  /** Highest TargetSet revision sent on this stream (revisions only go up). */
  private sentRevision = -1n;
  /** With TARGET_SET_DELTAS_CAPABILITY: the TargetSet the agent holds (sent, or named by Hello), on which a delta is built. */
  private held: HeldByAgent | undefined;
  private takesDeltas = false;

  constructor(private readonly stream: TargetSetStream) {}

  /** The highest TargetSet revision this stream has carried (or the agent held at hello); -1 before any. */
  get revision(): bigint {
    return this.sentRevision;
  }

  /** Takes the capabilities the agent's Hello names. */
  greeted(hello: Hello): void {
    this.enforcesPolicy = hello.capabilities.includes(POLICY_CAPABILITY);
    this.takesDeltas = hello.capabilities.includes(TARGET_SET_DELTAS_CAPABILITY);
  }

  /**
   * True when nothing needs sending and nothing needs reading: no TargetSet change was announced
   * since the authentication read, and that read found none or the one the agent holds — the
   * usual reconnect, which then costs no second statement. A change announced meanwhile was
   * either seen by the read or comes through push()/refresh() once Hello is received.
   */
  holdsWhatAuthenticationRead(hello: Hello): boolean {
    const read = this.stream.cluster.targetSet;
    if (read === undefined || !this.stream.authenticationReadIsCurrent()) return false;
    if (read === null) return true;
    if (read.checksum !== hello.targetSetChecksum) return false;
    if (BigInt(read.revision) > this.sentRevision) this.holds(BigInt(read.revision), read.checksum);
    return true;
  }

  /** At Hello: sends the current TargetSet unless the agent holds it already (named by its checksum) or it is not newer. */
  answerHello(current: CurrentTargetSet, hello: Hello): void {
    if (BigInt(current.revision) <= this.sentRevision) return;
    if (current.checksum === hello.targetSetChecksum) {
      this.holds(BigInt(current.revision), current.checksum);
      return;
    }
    this.send(current);
  }

  /** Sends a TargetSet: whole, or a delta on what the agent holds. */
  send(targetSet: CurrentTargetSet): void {
    const log = this.stream.log;
    const outgoing = targetSetFor(targetSet, this.held);
    this.holds(BigInt(targetSet.revision), targetSet.checksum);
    this.stream.send(encodeTargetSet(outgoing));
    // Debug: a fleet commit would log a line per cluster; placement logs the commit's revisions once.
    if (log.isLevelEnabled('debug'))
      log.debug({ revision: targetSet.revision, bundles: targetSet.targets.map((t) => t.bundle) }, 'TargetSet sent');
    if (!this.enforcesPolicy && !this.policyWarned && targetSet.targets.some((t) => t.policy !== undefined)) {
      this.policyWarned = true;
      log.warn(
        { bundles: targetSet.targets.filter((t) => t.policy !== undefined).map((t) => t.bundle) },
        'this agent predates bundle policies: the policies of its targets are not enforced on its cluster (upgrade it)',
      );
    }
  }

  /** The agent holds this revision (its content: the checksum), sent on this stream or named by its Hello. */
  private holds(revision: bigint, checksum: string): void {
    this.sentRevision = revision;
    this.held = this.takesDeltas ? { revision, checksum } : undefined;
  }
}
