import { describe, expect, it } from 'vitest';
import { conditionOf, type ClusterBundleView } from '../api-contract';
import { CommitTally, commitProgress, commitScope, completeCommit, type CommitFacts, type TargetedCluster } from './commit-progress';

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
    { name: 'web', sourceCommit: X, targetCommit: X, pin: null, rollout: null },
    { name: 'api', sourceCommit: Y, targetCommit: Y, pin: null, rollout: null },
  ],
  rejectedIn: null,
  acceptedIn: null,
  serving: [{ repo: 'default', commit: X }],
  ...fields,
});

const cluster = (name: string, r: ClusterBundleView | undefined = row(X), reachable = true): TargetedCluster => ({
  clusterId: `id-${name}`,
  name,
  reachable,
  row: r,
});

/** The answer as the controller makes it: scope, then the clusters of web counted in this order. */
const progressOf = (
  f: CommitFacts,
  clusters: TargetedCluster[] = [cluster('a'), cluster('b', row(Y, 'pending', 'healthy'))],
  limit = 100,
  messages = new Map<string, string>(),
) => {
  const scoped = commitScope(f);
  if ('answer' in scoped) return scoped.answer;
  const tally = new CommitTally(scoped.waitFor, f.for, limit);
  const web = scoped.waitFor.findIndex((b) => b.name === 'web');
  if (web >= 0) for (const c of clusters) tally.add(web, c);
  return commitProgress(f, tally.result(messages));
};

describe('commitProgress', () => {
  it('waits for the bundles at the commit only, on the clusters they target', () => {
    const p = progressOf(facts());
    expect(p).toMatchObject({ state: 'progressing', done: false, counts: { clusters: 2, reached: 1, waiting: 1 } });
    expect(p.bundles.map((b) => b.bundle)).toEqual(['web']);
    expect(p.bundles[0]).toMatchObject({ counts: { clusters: 2, reached: 1, waiting: 1 }, unlisted: 0 });
    expect(p.bundles[0].clusters.map((c) => [c.cluster, c.state, c.message])).toEqual([
      ['b', 'waiting', 'at bbbbbbb'],
      ['a', 'reached', ''],
    ]);
  });

  it('answers not done while the hub is taking in a fleet commit, whatever it would conclude otherwise', () => {
    expect(progressOf(facts({ settling: true, acceptedIn: { repo: 'default', current: true }, bundles: [] }))).toMatchObject({
      state: 'unseen',
      done: false,
    });
  });

  it('says when a named bundle does not take its source from the commit', () => {
    expect(progressOf(facts({ named: ['api'] }))).toMatchObject({
      state: 'untraceable',
      done: true,
      message: 'bundle api takes its source from bbbbbbb, not from aaaaaaa',
    });
  });

  it("holds a bundle the commit left alone to the earlier commit its targets name, not to the commit's", () => {
    const kept = facts();
    kept.bundles[0] = { ...kept.bundles[0], targetCommit: Y };
    const p = progressOf(kept, [
      cluster('there', row(Y, 'synced', 'healthy', Y)),
      cluster('moved', row(X, 'synced', 'healthy', Y)),
      cluster('bad', row(Y, 'failed', 'degraded', Y)),
    ]);
    expect(p.bundles[0].clusters.map((c) => [c.cluster, c.state, c.message])).toEqual([
      ['bad', 'failed', 'failed at bbbbbbb'],
      ['moved', 'waiting', 'at aaaaaaa'],
      ['there', 'reached', ''],
    ]);
    expect(p.message).toBe('aaaaaaa failed: web on bad');
  });

  it('counts a pinned bundle as waiting, saying why', () => {
    const pinned = facts();
    pinned.bundles[0] = { ...pinned.bundles[0], pin: Y };
    expect(progressOf(pinned, [cluster('a', row(Y, 'synced', 'healthy', Y))]).bundles[0].clusters[0]).toMatchObject({
      state: 'waiting',
      message: 'at bbbbbbb; the bundle is pinned to bbbbbbb',
    });
  });

  it('counts every cluster but lists at most the limit: failed first, then unreachable, waiting, reached', () => {
    const clusters = [
      ...Array.from({ length: 50 }, (_, i) => cluster(`ok-${i}`)),
      cluster('slow', row(Y, 'pending', 'healthy')),
      cluster('gone', row(X), false),
      cluster('bad-1', row(X, 'failed', 'degraded')),
      cluster('bad-2', row(X, 'failed', 'degraded')),
    ];
    const p = progressOf(facts(), clusters, 3, new Map([['id-bad-1/web', 'dry-run failed']]));
    expect(p.counts).toEqual({ clusters: 54, reached: 50, waiting: 1, failed: 2, unreachable: 1 });
    expect(p.bundles[0]).toMatchObject({ counts: p.counts, unlisted: 51 });
    expect(p.bundles[0].clusters.map((c) => [c.cluster, c.state, c.message])).toEqual([
      ['bad-1', 'failed', 'failed at aaaaaaa: dry-run failed'],
      ['bad-2', 'failed', 'failed at aaaaaaa'],
      ['gone', 'unreachable', 'the cluster is unreachable'],
    ]);
    expect(p).toMatchObject({ state: 'failed', message: 'aaaaaaa failed: web on bad-1, web on bad-2' });
    // Room for all: every cluster is listed, in the same order.
    const all = progressOf(facts(), clusters, 500);
    expect(all.bundles[0].unlisted).toBe(0);
    expect(all.bundles[0].clusters.slice(0, 5).map((c) => c.cluster)).toEqual(['bad-1', 'bad-2', 'gone', 'slow', 'ok-0']);
  });

  it('quotes the agents of the listed failures only, and names ten failed clusters in its message', () => {
    const failed = Array.from({ length: 25 }, (_, i) => cluster(`bad-${String(i).padStart(2, '0')}`, row(X, 'failed', 'degraded')));
    const f = facts();
    const scoped = commitScope(f);
    if ('answer' in scoped) throw new Error('expected bundles to wait for');
    const tally = new CommitTally(scoped.waitFor, 'synced', 4);
    for (const c of failed) tally.add(0, c);
    expect(tally.failuresToQuote()).toEqual(
      ['bad-00', 'bad-01', 'bad-02', 'bad-03'].map((n) => ({ clusterId: `id-${n}`, bundle: 'web', commit: X })),
    );
    const p = commitProgress(f, tally.result(new Map()));
    expect(p.message).toBe(
      `aaaaaaa failed: ${Array.from({ length: 10 }, (_, i) => `web on bad-${String(i).padStart(2, '0')}`).join(', ')} and on 15 more`,
    );
    expect(p.bundles[0]).toMatchObject({ unlisted: 21, counts: { clusters: 25, failed: 25 } });
  });

  it('with for=healthy, does not quote an agent for a cluster that is synced but degraded', () => {
    const scoped = commitScope(facts({ for: 'healthy' }));
    if ('answer' in scoped) throw new Error('expected bundles to wait for');
    const tally = new CommitTally(scoped.waitFor, 'healthy', 10);
    tally.add(0, cluster('sick', row(X, 'synced', 'degraded')));
    expect(tally.failuresToQuote()).toEqual([]);
    expect(commitProgress(facts({ for: 'healthy' }), tally.result(new Map())).bundles[0].clusters[0]).toMatchObject({
      state: 'failed',
      message: 'synced at aaaaaaa but degraded',
    });
  });

  it('completes a short commit when exactly one known commit starts with it', () => {
    expect(completeCommit('aaaaaaa', [X, Y])).toBe(X);
    expect(completeCommit('ccccccc', [X, Y])).toBe('ccccccc');
    expect(completeCommit('aaaaaaa', [X, `${'a'.repeat(39)}b`])).toEqual({ ambiguous: [X, `${'a'.repeat(39)}b`] });
  });
});
