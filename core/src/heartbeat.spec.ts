import { describe, expect, it } from 'vitest';
import { heartbeatDue } from './heartbeat';

describe('heartbeatDue', () => {
  it('is owed only to a stream that carried nothing for half an interval', () => {
    expect(heartbeatDue(10_000, 10_000, 14_999)).toBe(false);
    expect(heartbeatDue(10_000, 10_000, 15_000)).toBe(true);
    expect(heartbeatDue(0, 10_000, 60_000)).toBe(true);
  });
});
