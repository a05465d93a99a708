import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import type { CurrentTargetSet } from '../placement/placement.service';
import { ARTIFACT_CHUNK_BYTES, ArtifactServer, ByteBudget, type ArtifactCall } from './artifact-server';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A FetchArtifact call whose writes complete when the test says (as a socket takes them). */
class FakeFetch extends EventEmitter {
  readonly request = { digest: DIGEST };
  cancelled = false;
  destroyed = false;
  ended = false;
  readonly received: Buffer[] = [];
  /** Writes handed to the call and not yet written to its connection. */
  readonly unwritten: (() => void)[] = [];

  write(chunk: { data: Buffer }, written: () => void): boolean {
    this.received.push(Buffer.from(chunk.data));
    this.unwritten.push(written);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  /** The connection takes everything handed to it so far. */
  flush(): void {
    for (const written of this.unwritten.splice(0)) written();
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

function server(artifact: Buffer, limits: { bytesInFlight: number; stallMs?: number }) {
  const targetSet = {
    clusterId: 'c-1',
    revision: '1',
    checksum: 'x',
    targets: [{ bundle: 'app', artifact: { digest: DIGEST, size: '0', compressedSize: '0' } }],
  } as unknown as CurrentTargetSet;
  return new ArtifactServer(
    {
      authenticate: () => Promise.resolve({ cluster: { id: 'c-1', name: 'one', credentialHash: 'h' } }),
      currentTargetSet: () => Promise.resolve(targetSet),
      read: () => Promise.resolve(artifact),
      audit: () => undefined,
      log: createLogger('silent'),
    },
    limits,
  );
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
const unwrittenBytes = (calls: FakeFetch[]) =>
  calls.reduce((sum, c) => sum + c.received.slice(c.received.length - c.unwritten.length).reduce((n, b) => n + b.length, 0), 0);

describe('ArtifactServer: the bytes it holds for agents', () => {
  it('has one chunk per fetch and at most its budget out at once, and serves every fetch whole', async () => {
    const artifact = Buffer.alloc(ARTIFACT_CHUNK_BYTES * 3 + 100, 7);
    const hub = server(artifact, { bytesInFlight: 2 * ARTIFACT_CHUNK_BYTES });
    const calls = [new FakeFetch(), new FakeFetch(), new FakeFetch()];
    const served = calls.map((call) => hub.serve(call as unknown as ArtifactCall));
    let most = 0;
    for (let round = 0; round < 20 && !calls.every((c) => c.ended); round++) {
      await settle();
      most = Math.max(most, unwrittenBytes(calls));
      for (const call of calls) expect(call.unwritten.length).toBeLessThanOrEqual(1);
      // The connections take what they were given, one fetch at a time.
      calls.find((c) => c.unwritten.length > 0)?.flush();
    }
    await Promise.all(served);
    expect(most).toBe(2 * ARTIFACT_CHUNK_BYTES);
    for (const call of calls) {
      expect(call.ended).toBe(true);
      expect(Buffer.concat(call.received).equals(artifact)).toBe(true);
    }
  });

  it('gives back the budget of an agent that stops reading, and of one that went away', async () => {
    const artifact = Buffer.alloc(ARTIFACT_CHUNK_BYTES * 2, 1);
    const hub = server(artifact, { bytesInFlight: ARTIFACT_CHUNK_BYTES, stallMs: 30 });
    const stalled = new FakeFetch();
    const gone = new FakeFetch();
    const reading = new FakeFetch();
    const fetches = [stalled, gone, reading].map((call) => hub.serve(call as unknown as ArtifactCall));
    await settle();
    // The budget is one chunk: the first fetch has it, the others wait.
    expect([stalled, gone, reading].map((c) => c.received.length)).toEqual([1, 0, 0]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settle();
    // The stalled fetch's chunk stopped counting: the next fetch got the budget, and the stalled
    // one gets nothing more until its chunk is taken.
    expect(gone.received.length).toBe(1);
    expect(stalled.received.length).toBe(1);
    gone.cancel();
    await settle();
    expect(reading.received.length).toBe(1);
    while (!reading.ended) {
      reading.flush();
      await settle();
    }
    expect(Buffer.concat(reading.received).equals(artifact)).toBe(true);
    expect(gone.received.length).toBe(1);
    expect(gone.ended).toBe(false);
    stalled.flush();
    await settle();
    stalled.flush();
    await Promise.all(fetches);
    expect(stalled.ended).toBe(true);
  });
});

describe('ByteBudget', () => {
  it('lets requests through in the order they came, once they fit, and a too-large one alone', async () => {
    const budget = new ByteBudget(10);
    const order: string[] = [];
    await budget.take(6);
    const a = budget.take(6).then(() => order.push('a'));
    const b = budget.take(2).then(() => order.push('b'));
    await settle();
    // b would fit, but a came first.
    expect(order).toEqual([]);
    budget.give(6);
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    expect(budget.inUse).toBe(8);
    const huge = budget.take(50).then(() => order.push('huge'));
    budget.give(8);
    await huge;
    expect(budget.inUse).toBe(50);
  });
});
