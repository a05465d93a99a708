import { describe, expect, it } from 'vitest';
import { connectivityOf } from './connectivity';

describe('connectivityOf', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  it('is connected only with an open session heard from within three intervals (plus one last-seen flush)', () => {
    expect(connectivityOf({ connected: true, lastSeenAt: new Date(now - 1_000) }, 1_000, now)).toBe('connected');
    expect(connectivityOf({ connected: true, lastSeenAt: new Date(now - 4_000) }, 1_000, now)).toBe('connected');
    expect(connectivityOf({ connected: true, lastSeenAt: new Date(now - 4_001) }, 1_000, now)).toBe('unreachable');
    expect(connectivityOf({ connected: false, lastSeenAt: new Date(now) }, 1_000, now)).toBe('unreachable');
    expect(connectivityOf({ connected: true, lastSeenAt: null }, 1_000, now)).toBe('unreachable');
  });
});
