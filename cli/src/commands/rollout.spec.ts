import { describe, expect, it } from 'vitest';
import type { Rollout } from '../api';
import { painter } from '../render/colour';
import { renderRollout } from './rollout';

const NOW = Date.parse('2026-01-02T12:00:00.000Z');

const rollout: Rollout = {
  bundle: 'web',
  revision: 'r'.repeat(64),
  commit: '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d',
  state: 'halted',
  paused: false,
  halt: {
    reason: 'failure',
    cluster: 'e2',
    resource: 'Deployment/web/web',
    message: 'cluster e2 is degraded (Deployment/web/web) at 1a2b3c4d5e6f',
  },
  startedAt: '2026-01-02T11:57:00.000Z',
  updatedAt: '2026-01-02T11:59:30.000Z',
  partitions: [
    {
      name: 'canary',
      state: 'done',
      maxUnavailable: 1,
      counts: { waiting: 0, updating: 0, done: 1, failed: 0 },
      clusters: [{ name: 'c1', state: 'done' }],
      unlisted: 0,
    },
    {
      name: 'early',
      state: 'halted',
      maxUnavailable: 1,
      counts: { waiting: 0, updating: 0, done: 1, failed: 1 },
      clusters: [
        { name: 'e2', state: 'failed' },
        { name: 'e1', state: 'done' },
      ],
      unlisted: 0,
    },
    {
      name: 'late',
      state: 'pending',
      maxUnavailable: 2,
      counts: { waiting: 3, updating: 0, done: 0, failed: 0 },
      clusters: [
        { name: 'l1', state: 'waiting' },
        { name: 'l2', state: 'waiting' },
        { name: 'l3', state: 'waiting' },
      ],
      unlisted: 0,
    },
  ],
};

describe('renderRollout', () => {
  it('shows each partition with a progress bar, its clusters marked, and the cause of a halt', () => {
    expect(renderRollout(rollout, painter(false), NOW)).toBe(
      [
        'Rollout of web at 1a2b3c4: halted, started 3m ago, updated 30s ago',
        'PARTITION  STATE    PROGRESS          MAX UNAVAILABLE  CLUSTERS',
        'canary     done     [##########] 1/1                1  c1✓',
        'early      halted   [#####.....] 1/2                1  e2✗ e1✓',
        'late       pending  [..........] 0/3                2  l1 l2 l3',
        'Halted: cluster e2 is degraded (Deployment/web/web) at 1a2b3c4d5e6f',
        '',
      ].join('\n'),
    );
  });

  it('says when a progressing rollout is paused', () => {
    expect(renderRollout({ ...rollout, state: 'paused', paused: true, halt: null }, painter(false), NOW)).toMatch(
      /^Rollout of web at 1a2b3c4: paused, /,
    );
  });

  it('draws progress from the counts, and says how many clusters the hub left out', () => {
    const large: Rollout = {
      ...rollout,
      state: 'progressing',
      halt: null,
      partitions: [
        {
          name: 'auto-1',
          state: 'progressing',
          maxUnavailable: 2,
          counts: { waiting: 1_200, updating: 2, done: 1_298, failed: 0 },
          clusters: [
            { name: 'a0007', state: 'updating' },
            { name: 'a0012', state: 'updating' },
          ],
          unlisted: 2_498,
        },
        {
          name: 'auto-2',
          state: 'pending',
          maxUnavailable: 2,
          counts: { waiting: 2_500, updating: 0, done: 0, failed: 0 },
          clusters: [],
          unlisted: 2_500,
        },
      ],
    };
    expect(renderRollout(large, painter(false), NOW).split('\n').slice(1)).toEqual([
      'PARTITION  STATE        PROGRESS                MAX UNAVAILABLE  CLUSTERS',
      'auto-1     progressing  [#####.....] 1298/2500                2  a0007… a0012… +2498 more',
      'auto-2     pending      [..........] 0/2500                   2  +2500 more',
      '… 4998 more clusters not listed: the hub lists failed, updating and waiting ones first, and counts all',
      '',
    ]);
  });
});
