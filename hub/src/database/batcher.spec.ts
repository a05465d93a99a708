import { describe, expect, it } from 'vitest';
import { Batcher, type BatchOptions } from './batcher';

class DataError extends Error {
  code = '22021';
}

/** A batcher whose writes are logged and held until released, one release per write in order; each item is stored as `stored <item>`. */
function heldWrites(options: BatchOptions): { batcher: Batcher<string, string>; log: string[]; releases: (() => void)[] } {
  const log: string[] = [];
  const releases: (() => void)[] = [];
  const batcher = new Batcher<string, string>((items) => {
    log.push(`write ${items.join(',')}`);
    return new Promise((resolve) => releases.push(() => resolve(items.map((i) => `stored ${i}`))));
  }, options);
  return { batcher, log, releases };
}

describe('Batcher', () => {
  it('writes a failed batch item by item when an item may be to blame: the poisoned one fails alone', async () => {
    const writes: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        writes.push(items);
        if (items.includes('poison')) throw new DataError('invalid byte sequence for encoding "UTF8": 0x00');
        return items.map((i) => `stored ${i}`);
      },
      { maxItems: 10, maxWaitMs: 5, blamesAnItem: (error) => error instanceof DataError },
    );
    const results = await Promise.allSettled(['a', 'poison', 'b'].map((item) => batcher.submit(item)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'stored a',
      'invalid byte sequence for encoding "UTF8": 0x00',
      'stored b',
    ]);
    expect(writes).toEqual([['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it('fails the whole batch at once when the writer itself failed (a lost connection)', async () => {
    let calls = 0;
    const batcher = new Batcher<string, string>(
      async () => {
        calls++;
        throw new Error('Connection terminated');
      },
      { maxItems: 10, maxWaitMs: 5, blamesAnItem: (error) => error instanceof DataError },
    );
    const results = await Promise.allSettled(['a', 'b'].map((item) => batcher.submit(item)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });

  it('sends the next batch to the database before the callers of the written one hear: their follow-up overlaps the write', async () => {
    const { batcher, log, releases } = heldWrites({ maxItems: 2, maxWaitMs: 1, callersAfterNextWrite: true });
    const first = ['a', 'b'].map((item) => batcher.submit(item).then((r) => void log.push(`heard ${r}`)));
    // 'c' arrives while the first batch is in the database: it waits for that write (one at a time).
    const second = batcher.submit('c').then((r) => void log.push(`heard ${r}`));
    expect(log).toEqual(['write a,b']);
    releases[0]();
    await Promise.all(first);
    expect(log).toEqual(['write a,b', 'write c', 'heard stored a', 'heard stored b']);
    releases[1]();
    await second;
    expect(log.at(-1)).toBe('heard stored c');
    await batcher.drain();
  });

  it('by default lets the callers of a written batch hear in the same turn of the loop', async () => {
    const { batcher, log, releases } = heldWrites({ maxItems: 1, maxWaitMs: 1 });
    const first = batcher.submit('a').then(() => void log.push('heard a'));
    const second = batcher.submit('b');
    releases[0]();
    setImmediate(() => log.push('next turn'));
    await first;
    await new Promise(setImmediate);
    expect(log.indexOf('heard a')).toBeLessThan(log.indexOf('next turn'));
    expect(log).toContain('write b');
    releases[1]();
    await second;
  });

  it('drain waits for the batches that filled while it waited', async () => {
    const written: string[] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        written.push(...items);
        return items;
      },
      { maxItems: 1, maxWaitMs: 1 },
    );
    const all = ['a', 'b', 'c'].map((item) => batcher.submit(item));
    await batcher.drain();
    expect(written).toEqual(['a', 'b', 'c']);
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c']);
  });
});
