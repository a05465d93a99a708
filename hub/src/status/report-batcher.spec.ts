import { describe, expect, it } from 'vitest';
import { Batcher } from './report-batcher';

describe('Batcher', () => {
  it('writes up to maxItems at once, and settles each caller with its own result after the write', async () => {
    const writes: number[][] = [];
    const batcher = new Batcher<number, string>(
      async (items) => {
        writes.push(items);
        return items.map((i) => `ok ${i}`);
      },
      { maxItems: 3, maxWaitMs: 1_000 },
    );
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => batcher.submit(i)));
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5', 'ok 6']);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('writes a partial batch after maxWaitMs', async () => {
    const started = Date.now();
    const batcher = new Batcher<number, number>(async (items) => items, { maxItems: 100, maxWaitMs: 40 });
    expect(await batcher.submit(7)).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('fails every caller of a failed batch, and later batches still run', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (fail) throw new Error('database down');
        return items;
      },
      { maxItems: 2, maxWaitMs: 5 },
    );
    const first = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.submit(3)).toBe(3);
  });

  it('lets one batch fill while the previous one is being written', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(
      async (items) => {
        writes.push(items);
        if (writes.length === 1) await gate;
        return items;
      },
      { maxItems: 100, maxWaitMs: 1 },
    );
    const first = batcher.submit(1);
    await new Promise((r) => setTimeout(r, 20));
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });
});
