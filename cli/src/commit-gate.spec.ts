import { describe, expect, it } from 'vitest';
import type { CommitProgress } from './api';
import { renderCommitProgress } from './commit-gate';
import { painter } from './render/colour';

const SHA = 'a'.repeat(40);

const progress = (unlisted: number): CommitProgress => ({
  commit: SHA,
  for: 'synced',
  state: 'progressing',
  done: false,
  message: '9,997 of 10,000 targeted clusters synced at aaaaaaa',
  rejected: null,
  bundles: [
    {
      bundle: 'web',
      pin: null,
      rollout: null,
      counts: { clusters: 10_000, reached: 9_997, waiting: 2, failed: 0, unreachable: 1 },
      clusters: [
        {
          cluster: 'eu-7',
          state: 'unreachable',
          condition: { tone: 'unknown', text: 'unknown' },
          commit: null,
          message: 'the cluster is unreachable',
        },
        { cluster: 'us-2', state: 'waiting', condition: { tone: 'waiting', text: 'pending' }, commit: null, message: 'no report yet' },
      ],
      unlisted,
    },
  ],
  counts: { clusters: 10_000, reached: 9_997, waiting: 2, failed: 0, unreachable: 1 },
});

describe('renderCommitProgress', () => {
  it('lists what the hub listed and says how many it left out, with the counts of all', () => {
    const text = renderCommitProgress(progress(9_998), painter(false));
    expect(text.split('\n')).toEqual([
      'Commit aaaaaaa (synced): 9,997 of 10,000 targeted clusters synced at aaaaaaa',
      expect.stringMatching(/^BUNDLE +CLUSTER +PROGRESS/),
      expect.stringMatching(/^web +eu-7 +unreachable +unknown +- +the cluster is unreachable$/),
      expect.stringMatching(/^web +us-2 +waiting +pending +- +no report yet$/),
      '… and 9998 more not listed (of all 10000: 9997 reached, 2 waiting, 0 failed, 1 unreachable)',
      '',
    ]);
  });

  it('says nothing of a limit when every cluster is listed', () => {
    expect(renderCommitProgress(progress(0), painter(false))).not.toContain('not listed');
  });
});
