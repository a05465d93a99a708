/** A cluster is unreachable after this many heartbeat intervals without a word from its agent. */
export const MISSED_HEARTBEATS_LIMIT = 3;

/** Longest time between two writes of "last seen" (shorter when heartbeats are more frequent). */
export function lastSeenFlushMs(heartbeatIntervalMs: number): number {
  return Math.min(5_000, heartbeatIntervalMs);
}

export type Connectivity = 'connected' | 'unreachable';

/** How long a cluster with a session stays "connected" without a word: three intervals and a last-seen flush. */
export function connectivityWindowMs(heartbeatIntervalMs: number): number {
  return MISSED_HEARTBEATS_LIMIT * heartbeatIntervalMs + lastSeenFlushMs(heartbeatIntervalMs);
}

/**
 * Connected only while a session is open (the hub ends a session after three silent
 * intervals, and every session ends with the hub process) and the cluster was heard from
 * recently — the second test also catches sessions held by a hub replica that died.
 */
export function connectivityOf(
  cluster: { connected: boolean; lastSeenAt: Date | null },
  heartbeatIntervalMs: number,
  now = Date.now(),
): Connectivity {
  if (!cluster.connected || cluster.lastSeenAt === null) return 'unreachable';
  return now - cluster.lastSeenAt.getTime() <= connectivityWindowMs(heartbeatIntervalMs) ? 'connected' : 'unreachable';
}
