import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecurringJob } from './recurring-job';

afterEach(() => vi.useRealTimers());

describe('RecurringJob', () => {
  it('runs first after its delay, then each interval after a run ends, a failed run included, until stopped', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const failures: unknown[] = [];
    let fail = true;
    const job = new RecurringJob(
      async () => {
        runs.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (fail) {
          fail = false;
          throw new Error('database away');
        }
      },
      { firstAfterMs: 100, everyMs: 1_000, failed: (error) => failures.push(error) },
    );
    const start = Date.now();
    job.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((t) => t - start)).toEqual([100]);
    // The next run comes an interval after the first one ended (at 110), though it failed.
    await vi.advanceTimersByTimeAsync(1_009);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((t) => t - start)).toEqual([100, 1_110]);
    expect(failures).toEqual([new Error('database away')]);

    // Stopped while a run is under way: stop waits for it, and no run starts after.
    await vi.advanceTimersByTimeAsync(1_010);
    expect(runs).toHaveLength(3);
    const stopped = job.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopped;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(3);
  });
});
