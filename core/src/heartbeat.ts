/**
 * Whether a stream is owed a heartbeat (docs/protocol.md): only when it carried nothing of ours
 * for half an interval. Hub and agent both follow it, so each hears from the other at least every
 * 1.5 of the other's intervals, inside the limit of three after which a silent stream is closed.
 */
export function heartbeatDue(lastWrittenAt: number, intervalMs: number, now = Date.now()): boolean {
  return now - lastWrittenAt >= intervalMs / 2;
}
