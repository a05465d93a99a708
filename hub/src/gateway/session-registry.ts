import { status as GrpcStatus } from '@grpc/grpc-js';
import { MISSED_HEARTBEATS_LIMIT } from '../clusters/connectivity';
import type { AgentSession } from './agent-session';

/** Sessions heartbeaten per turn of the event loop. */
const HEARTBEAT_SLICE = 500;

/**
 * The open sessions of this hub, at most one per cluster: a new session for a cluster
 * replaces the old one. One timer for all sessions sends heartbeats and closes the silent.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, AgentSession>();
  private timer: NodeJS.Timeout | undefined;

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
    this.timer = setInterval(() => void this.tick(), this.heartbeatIntervalMs);
    this.timer.unref();
  }

  /**
   * Heartbeats every session and ends the silent ones, HEARTBEAT_SLICE sessions per turn of the
   * event loop: 10,000 sessions never stall acks and reports for the whole loop at once.
   */
  async tick(now = Date.now()): Promise<void> {
    const deadline = now - MISSED_HEARTBEATS_LIMIT * this.heartbeatIntervalMs;
    const sessions = [...this.sessions.values()];
    for (let i = 0; i < sessions.length; i += HEARTBEAT_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const session of sessions.slice(i, i + HEARTBEAT_SLICE)) {
        if (!session.isOpen) continue;
        if (session.lastHeardAt < deadline) session.end(GrpcStatus.UNAVAILABLE, 'no heartbeat from the agent');
        else session.heartbeat();
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
