import { status as GrpcStatus } from '@grpc/grpc-js';
import { heartbeatDue } from '#core';
import { MISSED_HEARTBEATS_LIMIT } from '../clusters/connectivity';
import type { AgentSession } from './agent-session';

/** Sessions visited per turn of the event loop. */
const HEARTBEAT_SLICE = 500;

/**
 * Rounds per heartbeat interval. Each round visits the sessions of one slot, so every session is
 * visited once per interval and the heartbeat writes spread evenly over it: at 10,000 agents one
 * burst of 10,000 socket writes held the event loop for about a second of every ten (on a
 * machine where a loopback write costs ~70 µs), delaying whatever a commit was doing then.
 */
export const HEARTBEAT_SLOTS = 10;

/** The slot of a session: a string hash of the cluster id, stable for the session's life. */
export function heartbeatSlot(clusterId: string): number {
  let hash = 0;
  for (let i = 0; i < clusterId.length; i++) hash = (hash * 31 + clusterId.charCodeAt(i)) | 0;
  return (hash >>> 0) % HEARTBEAT_SLOTS;
}

/**
 * The open sessions of this hub, at most one per cluster: a new session for a cluster
 * replaces the old one. One timer for all sessions sends heartbeats and closes the silent.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, AgentSession>();
  private timer: NodeJS.Timeout | undefined;
  private round = 0;

  constructor(private readonly heartbeatIntervalMs: number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Clusters with a session here. */
  clusterIds(): string[] {
    return [...this.sessions.keys()];
  }

  get(clusterId: string): AgentSession | undefined {
    return this.sessions.get(clusterId);
  }

  add(session: AgentSession): void {
    const previous = this.sessions.get(session.cluster.id);
    this.sessions.set(session.cluster.id, session);
    previous?.end(GrpcStatus.ABORTED, 'replaced by a newer session of the same cluster');
  }

  /** True when `session` was the cluster's current one (so the cluster is now disconnected). */
  remove(session: AgentSession): boolean {
    if (this.sessions.get(session.cluster.id) !== session) return false;
    this.sessions.delete(session.cluster.id);
    return true;
  }

  startHeartbeats(): void {
    this.timer = setInterval(() => void this.tick(), this.heartbeatIntervalMs / HEARTBEAT_SLOTS);
    this.timer.unref();
  }

  /**
   * One round: visits the sessions of the next slot, ends those whose agent has been silent
   * for MISSED_HEARTBEATS_LIMIT intervals, and heartbeats those this hub sent nothing for half
   * an interval. A stream that just carried a TargetSet or acks needs no heartbeat: the agent
   * counts any message as a sign of life, so after a fleet commit the heartbeats of that
   * interval are mostly not written at all. An agent hears from the hub at least every 1.5
   * intervals, well inside its own limit of MISSED_HEARTBEATS_LIMIT. HEARTBEAT_SLICE sessions
   * per turn of the event loop, so a round never stalls acks and reports for long.
   */
  async tick(now = Date.now()): Promise<void> {
    const slot = this.round++ % HEARTBEAT_SLOTS;
    const deadline = now - MISSED_HEARTBEATS_LIMIT * this.heartbeatIntervalMs;
    const sessions = [...this.sessions.values()];
    for (let i = 0; i < sessions.length; i += HEARTBEAT_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const session of sessions.slice(i, i + HEARTBEAT_SLICE)) {
        if (!session.isOpen || session.heartbeatSlot !== slot) continue;
        if (session.lastHeardAt < deadline) session.end(GrpcStatus.UNAVAILABLE, 'no heartbeat from the agent');
        else if (heartbeatDue(session.lastSentAt, this.heartbeatIntervalMs, now)) session.heartbeat();
      }
    }
  }

  /** Ends every session and waits until each has finished what it was storing. */
  async closeAll(details: string): Promise<void> {
    clearInterval(this.timer);
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.end(GrpcStatus.UNAVAILABLE, details);
    await Promise.all(sessions.map((s) => s.drained()));
  }
}
