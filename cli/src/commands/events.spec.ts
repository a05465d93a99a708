import { describe, expect, it } from 'vitest';
import { painter } from '../render/colour';
import { eventLine, sinceOf } from './events';

describe('eventLine', () => {
  it('reads like a log line: time, type, cluster/bundle@commit, message', () => {
    const line = eventLine(
      {
        id: '7',
        type: 'sync.failed',
        at: '2026-01-02T03:04:05.000Z',
        severity: 'error',
        cluster: 'prod-eu-1',
        bundle: 'web',
        commit: '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d',
        message: 'dry-run failed',
        details: {},
      },
      painter(false),
    );
    expect(line).toBe('2026-01-02T03:04:05.000Z  sync.failed          prod-eu-1/web@1a2b3c4  dry-run failed');
  });

  it('shows "-" for an event about neither a cluster nor a bundle, and colours by severity', () => {
    const line = eventLine(
      {
        id: '8',
        type: 'fleet.commit.rejected',
        at: '2026-01-02T03:04:05.000Z',
        severity: 'error',
        cluster: null,
        bundle: null,
        commit: null,
        message: 'bad yaml',
        details: {},
      },
      painter(true),
    );
    expect(line).toContain('\u001b[31mfleet.commit.rejected\u001b[39m  -  bad yaml');
  });
});

describe('sinceOf', () => {
  const now = Date.parse('2026-01-02T12:00:00.000Z');

  it('counts a duration back from now, and takes an ISO time as is', () => {
    expect(sinceOf('10m', now)).toBe('2026-01-02T11:50:00.000Z');
    expect(sinceOf('2026-01-01T00:00:00Z', now)).toBe('2026-01-01T00:00:00.000Z');
    expect(sinceOf(undefined, now)).toBeUndefined();
  });

  it('refuses anything else as a usage error', () => {
    expect(() => sinceOf('yesterday', now)).toThrow('--since must be a duration (10m, 2h) or an ISO time, got "yesterday"');
  });
});
