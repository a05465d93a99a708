import { describe, expect, it } from 'vitest';
import { conditionOf, type ClusterBundleView } from '../api-contract';
import { commitProgress, completeCommit, type CommitFacts } from './commit-progress';

const X = 'a'.repeat(40);
const Y = 'b'.repeat(40);

const row = (
  commit: string | null,
  phase: ClusterBundleView['phase'] = 'synced',
  health: ClusterBundleView['health'] = 'healthy',
  desired = X,
) => ({
  bundle: 'web',
  desiredCommit: desired,
  commit,
  phase,
  health,
  condition: conditionOf(phase, health),
  driftCount: 0,
  lastReportAt: null,
  rollout: null,
});

const facts = (fields: Partial<CommitFacts> = {}): CommitFacts => ({
  commit: X,
  for: 'synced',
  settling: false,
  named: undefined,
  bundles: [
    {
      name: 'web',
      sourceCommit: X,
      pin: null,
      rollout: null,
      clusters: [
        { name: 'a', reachable: true, row: row(X), message: '' },
        { name: 'b', reachable: true, row: row(Y, 'pending', 'healthy'), message: '' },
      ],
    },
    { name: 'api', sourceCommit: Y, pin: null, rollout: null, clusters: [] },
  ],
  rejectedIn: null,
  acceptedIn: null,
  serving: [{ repo: 'default', commit: X }],
  ...fields,
});

describe('commitProgress', () => {
  it('waits for the bundles at the commit only, on the clusters they target', () => {
    const p = commitProgress(facts());
    expect(p).toMatchObject({ state: 'progressing', done: false, counts: { clusters: 2, reached: 1, waiting: 1 } });
    expect(p.bundles.map((b) => b.bundle)).toEqual(['web']);
    expect(p.bundles[0].clusters[1]).toMatchObject({ state: 'waiting', message: `at bbbbbbb` });
  });

  it('answers not done while the hub is taking in a fleet commit, whatever it would conclude otherwise', () => {
    expect(commitProgress(facts({ settling: true, acceptedIn: { repo: 'default', current: true }, bundles: [] }))).toMatchObject({
      state: 'unseen',
      done: false,
    });
  });

  it('says when a named bundle does not take its source from the commit', () => {
    expect(commitProgress(facts({ named: ['api'] }))).toMatchObject({
      state: 'untraceable',
      done: true,
      message: 'bundle api takes its source from bbbbbbb, not from aaaaaaa',
    });
  });

  it('counts a pinned bundle as waiting, saying why', () => {
    const pinned = facts();
    pinned.bundles[0] = {
      ...pinned.bundles[0],
      pin: Y,
      clusters: [{ name: 'a', reachable: true, row: row(Y, 'synced', 'healthy', Y), message: '' }],
    };
    expect(commitProgress(pinned).bundles[0].clusters[0]).toMatchObject({
      state: 'waiting',
      message: 'at bbbbbbb; the bundle is pinned to bbbbbbb',
    });
  });

  it('completes a short commit when exactly one known commit starts with it', () => {
    expect(completeCommit('aaaaaaa', [X, Y])).toBe(X);
    expect(completeCommit('ccccccc', [X, Y])).toBe('ccccccc');
    expect(completeCommit('aaaaaaa', [X, `${'a'.repeat(39)}b`])).toEqual({ ambiguous: [X, `${'a'.repeat(39)}b`] });
  });
});
