import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher';

class DataError extends Error {
  code = '22021';
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
});
