import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, defaultBackoffOptions, hintedDelay } from './backoff';

const options = defaultBackoffOptions();

describe('backoff', () => {
  it('follows the protocol ladder: 500 ms doubling up to a 30 s cap', () => {
    const ceilings = Array.from({ length: 9 }, (_, n) => backoffCeiling(n, options));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('never overflows after a very long outage', () => {
    expect(backoffCeiling(100_000, options)).toBe(30_000);
  });

  it('uses full jitter: a wait is uniform between zero and the ceiling', () => {
    const low = new Backoff(options, () => 0);
    const high = new Backoff(options, () => 0.999999);
    expect([low.next(), low.next(), low.next()]).toEqual([0, 0, 0]);
    expect([high.next(), high.next(), high.next()]).toEqual([499, 999, 1999]);
  });

  it('resets only after a session that lasted long enough', () => {
    const backoff = new Backoff(options, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.sessionEnded(29_999);
    expect(backoff.next()).toBe(2000); // 0.5 × 4000: the ladder went on
    backoff.sessionEnded(30_000);
    expect(backoff.next()).toBe(250);
  });

  it('draws equal jitter (half fixed, half random) or none at all when asked', () => {
    const equal = new Backoff({ ...options, jitter: 'equal' }, () => 0);
    const equalHigh = new Backoff({ ...options, jitter: 'equal' }, () => 1);
    const none = new Backoff({ ...options, jitter: 'none' }, () => 0);
    expect([equal.next(), equal.next()]).toEqual([250, 500]);
    expect([equalHigh.next(), equalHigh.next()]).toEqual([500, 1000]);
    expect([none.next(), none.next(), none.next()]).toEqual([500, 1000, 2000]);
  });

  it("waits at least a busy hub's retry hint, plus up to the hint again at random, never less than the backoff", () => {
    expect(hintedDelay('1000', 10, () => 0)).toBe(1000);
    expect(hintedDelay('1000', 10, () => 0.5)).toBe(1500);
    expect(hintedDelay('1000', 5000, () => 0.5)).toBe(5000);
    // A hint that is not a number of ms is ignored; a huge one is capped at a minute (+ jitter).
    expect(hintedDelay('soon', 10, () => 0.5)).toBe(10);
    expect(hintedDelay(undefined, 10, () => 0.5)).toBe(10);
    expect(hintedDelay('999999999', 10, () => 0)).toBe(60_000);
  });
});
