import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { AgentSession } from './agent-session';
import { HEARTBEAT_SLOTS, SessionRegistry, heartbeatSlot } from './session-registry';

const INTERVAL = 10_000;

/** What the registry reads and calls on a session, recorded. */
class StandInSession {
  readonly heartbeatSlot: number;
  heartbeats = 0;
  ended: GrpcStatus | undefined;
  constructor(
    readonly cluster: { id: string },
    public lastHeardAt: number,
    public lastSentAt: number,
  ) {
    this.heartbeatSlot = heartbeatSlot(cluster.id);
  }
  get isOpen(): boolean {
    return this.ended === undefined;
  }
  heartbeat(): void {
    this.heartbeats++;
  }
  end(code: GrpcStatus): void {
    this.ended = code;
  }
}

function registryOf(sessions: StandInSession[]): SessionRegistry {
  const registry = new SessionRegistry(INTERVAL);
  for (const s of sessions) registry.add(s as unknown as AgentSession);
  return registry;
}

/** One interval's rounds, as the timer runs them (a round every INTERVAL / HEARTBEAT_SLOTS). */
async function oneInterval(registry: SessionRegistry, start: number): Promise<void> {
  for (let round = 0; round < HEARTBEAT_SLOTS; round++) await registry.tick(start + (round * INTERVAL) / HEARTBEAT_SLOTS);
}

describe('session registry heartbeats', () => {
  it('visits every session once per interval, the writes spread over its rounds', async () => {
    const now = 1_000_000;
    const sessions = Array.from({ length: 2_000 }, () => new StandInSession({ id: randomUUID() }, now, now - INTERVAL));
    const registry = registryOf(sessions);
    const perRound: number[] = [];
    for (let round = 0; round < HEARTBEAT_SLOTS; round++) {
      const before = sessions.reduce((n, s) => n + s.heartbeats, 0);
      await registry.tick(now + round);
      perRound.push(sessions.reduce((n, s) => n + s.heartbeats, 0) - before);
    }
    expect(sessions.every((s) => s.heartbeats === 1)).toBe(true);
    // No round carries much more than its share (2,000 / 10 = 200).
    expect(Math.max(...perRound)).toBeLessThan(300);
    expect(Math.min(...perRound)).toBeGreaterThan(100);
  });

  it('writes no heartbeat to a stream that carried something in the last half interval', async () => {
    const now = 1_000_000;
    // When oneInterval's round visits a session of this slot.
    const visit = (session: StandInSession) => now + (session.heartbeatSlot * INTERVAL) / HEARTBEAT_SLOTS;
    const busy = new StandInSession({ id: randomUUID() }, now, 0);
    busy.lastSentAt = visit(busy) - INTERVAL / 4;
    const quiet = new StandInSession({ id: randomUUID() }, now, 0);
    quiet.lastSentAt = visit(quiet) - INTERVAL / 2;
    const registry = registryOf([busy, quiet]);
    await oneInterval(registry, now);
    expect(busy.heartbeats).toBe(0);
    expect(quiet.heartbeats).toBe(1);
    // A stream that stays quiet is heartbeaten in the next interval: the agent hears from the
    // hub at least every 1.5 intervals.
    await oneInterval(registry, now + INTERVAL);
    expect(busy.heartbeats).toBe(1);
  });

  it('ends a session whose agent has been silent for three intervals, and only that one', async () => {
    const now = 1_000_000;
    const silent = new StandInSession({ id: randomUUID() }, now - 3 * INTERVAL - 1, now);
    const alive = new StandInSession({ id: randomUUID() }, now - INTERVAL, now);
    const registry = registryOf([silent, alive]);
    await oneInterval(registry, now);
    expect(silent.ended).toBe(GrpcStatus.UNAVAILABLE);
    expect(alive.ended).toBeUndefined();
  });

  it('gives a cluster the same slot every time', () => {
    const id = randomUUID();
    expect(heartbeatSlot(id)).toBe(heartbeatSlot(id));
    expect(heartbeatSlot(id)).toBeGreaterThanOrEqual(0);
    expect(heartbeatSlot(id)).toBeLessThan(HEARTBEAT_SLOTS);
  });
});
