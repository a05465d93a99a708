import { HealthStatus, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitProgress } from '../api-contract';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';

describe('GET /api/v1/commits/:commit: has a pushed commit reached the clusters?', () => {
  let t: TestHub;
  let agent: TestAgent;
  let fleet: FleetRepoService;
  let first: string;
  const streams = new Map<string, TestStream>();

  const progress = async (commit: string, query = '') => {
    const { status, body } = await t.get<CommitProgress>(`/api/v1/commits/${commit}${query}`);
    expect(status).toBe(200);
    // Exactly the contract's shape.
    return CommitProgress.parse(body);
  };
  const states = (p: CommitProgress) =>
    Object.fromEntries(p.bundles.flatMap((b) => b.clusters.map((c) => [`${b.bundle}/${c.cluster}`, c.state])));
  const report = (cluster: string, bundle: string, commit: string, fields: Parameters<TestStream['report']>[2] = {}) => {
    const stream = streams.get(cluster)!;
    return stream.acked(stream.report(bundle, commit, fields));
  };

  beforeAll(async () => {
    t = await startTestHub(
      {
        'fleet/web.yaml': BUNDLE('web'),
        'fleet/prod.yaml': BUNDLE('prod', '{ matchLabels: { env: prod } }'),
        'apps/web/cm.yaml': CONFIGMAP('web'),
        'apps/prod/cm.yaml': CONFIGMAP('prod'),
      },
      { heartbeatIntervalMs: 60_000, fleetPollIntervalMs: 600_000 },
    );
    fleet = t.app.get(FleetRepoService);
    first = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    for (const [name, env] of [
      ['alpha', 'prod'],
      ['beta', 'dev'],
    ]) {
      const c = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, labels: { env } });
      const stream = agent.connect(c.credential);
      stream.hello(c.clusterId);
      await stream.nth('targetSet');
      streams.set(name, stream);
    }
    // Registered, never connected: unreachable.
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-gamma', name: 'gamma', labels: { env: 'dev' } });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('never counts an unreachable cluster as reached; a cluster no bundle targets is not waited for', async () => {
    await report('alpha', 'web', first);
    await report('alpha', 'prod', first);
    await report('beta', 'web', first);
    const p = await progress(first);
    expect(p).toMatchObject({ commit: first, for: 'synced', state: 'progressing', done: false, rejected: null });
    expect(states(p)).toEqual({ 'prod/alpha': 'reached', 'web/alpha': 'reached', 'web/beta': 'reached', 'web/gamma': 'unreachable' });
    expect(p.counts).toEqual({ clusters: 4, reached: 3, waiting: 0, failed: 0, unreachable: 1 });
    // A limit lists what is not there first and counts the rest, per bundle and in all.
    const one = await progress(first, '?limit=1');
    expect(one.counts).toEqual(p.counts);
    expect(one.bundles.map((b) => [b.bundle, b.clusters.map((c) => c.cluster), b.unlisted, b.counts.clusters])).toEqual([
      ['prod', [], 1, 1],
      ['web', ['gamma'], 2, 3],
    ]);
    expect((await t.get(`/api/v1/commits/${first}?limit=0`)).body).toMatchObject({ message: 'limit must be an integer from 1 to 500' });

    expect((await t.request('POST', '/api/v1/clusters/gamma/revoke')).status).toBe(200);
    expect(await progress(first)).toMatchObject({
      state: 'reached',
      done: true,
      message: `${first.slice(0, 7)} is synced on all 3 targeted clusters`,
    });
  });

  it('waits for a commit the hub has not fetched yet, then for every cluster to report it', async () => {
    const next = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-2') }, 'web 2');
    expect(await progress(next)).toMatchObject({
      state: 'unseen',
      done: false,
      bundles: [],
      message: expect.stringContaining(`serves default at ${first.slice(0, 7)}`),
    });
    await fleet.syncNow();
    const p = await progress(next);
    expect(p.state).toBe('progressing');
    expect(p.bundles.find((b) => b.bundle === 'web')?.clusters.find((c) => c.cluster === 'beta')).toMatchObject({
      state: 'waiting',
      commit: first,
      message: `at ${first.slice(0, 7)}`,
    });

    // The commit left prod as it was: prod keeps the commit its targets named, which alpha reported.
    expect(p.bundles.find((b) => b.bundle === 'prod')?.clusters).toEqual([
      { cluster: 'alpha', state: 'reached', condition: { tone: 'ok', text: 'synced' }, commit: first, message: '' },
    ]);
    expect((await t.get<{ contentCommit: string; commit: string }>('/api/v1/bundles/prod')).body).toMatchObject({
      commit: next,
      contentCommit: first,
    });
    await report('alpha', 'web', next, { health: HealthStatus.HEALTH_STATUS_PROGRESSING });
    await report('beta', 'web', next);
    expect((await progress(next)).state).toBe('reached');
    // Applied is not healthy: alpha's web is still progressing.
    const healthy = await progress(next, '?for=healthy');
    expect(healthy).toMatchObject({ for: 'healthy', state: 'progressing', done: false });
    expect(states(healthy)['web/alpha']).toBe('waiting');
    await report('alpha', 'web', next);
    expect((await progress(next, '?for=healthy')).state).toBe('reached');
    // A short commit is completed; a named bundle narrows what is waited for.
    expect((await progress(next.slice(0, 8), '?bundle=prod')).bundles.map((b) => b.bundle)).toEqual(['prod']);
    expect((await progress(next.slice(0, 8))).commit).toBe(next);
  });

  it('ends at once, failed, when a cluster fails at the commit, with its message', async () => {
    const bad = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-3') }, 'web 3');
    await fleet.syncNow();
    await report('beta', 'web', bad, {
      phase: SyncPhase.SYNC_PHASE_FAILED,
      health: HealthStatus.HEALTH_STATUS_DEGRADED,
      message: 'dry-run failed',
    });
    const p = await progress(bad);
    expect(p).toMatchObject({ state: 'failed', done: true, message: `${bad.slice(0, 7)} failed: web on beta` });
    expect(p.bundles.find((b) => b.bundle === 'web')?.clusters.find((c) => c.cluster === 'beta')?.message).toBe(
      `failed at ${bad.slice(0, 7)}: dry-run failed`,
    );
  });

  it('says rejected (with the errors) for a refused commit, superseded for one the fleet moved on from', async () => {
    const before = (await fleet.current())!.commits.default;
    const refused = await t.repo.commit({ 'fleet/web.yaml': 'kind: [\n' }, 'broken');
    await fleet.syncNow();
    const r = await progress(refused);
    expect(r).toMatchObject({
      state: 'rejected',
      done: true,
      rejected: { repo: 'default', errors: [expect.objectContaining({ file: 'fleet/web.yaml' })] },
    });

    const fixed = await t.repo.commit({ 'fleet/web.yaml': BUNDLE('web') }, 'fixed');
    await fleet.syncNow();
    expect(await progress(before)).toMatchObject({ state: 'superseded', done: true });
    // The fix puts web's fleet file back as it was at the commit that failed on beta: web is
    // exactly as it was there, so the answer is that failure, at the commit web is unchanged since.
    expect(await progress(fixed)).toMatchObject({ state: 'failed', message: `${fixed.slice(0, 7)} failed: web on beta` });
    expect((await progress(fixed)).bundles.find((b) => b.bundle === 'web')?.clusters.find((c) => c.cluster === 'beta')?.message).toBe(
      `failed at ${before.slice(0, 7)}: dry-run failed`,
    );
    expect(await progress(fixed, '?bundle=nope')).toMatchObject({ state: 'untraceable', done: true, message: 'no bundle named nope' });
  });

  it('refuses what is not a commit', async () => {
    expect(await t.get('/api/v1/commits/HEAD')).toEqual({
      status: 400,
      body: { code: 'invalid_argument', message: 'commit must be 7 to 40 lowercase hex digits' },
    });
    expect((await t.get(`/api/v1/commits/${first}?for=soon`)).body).toMatchObject({ message: 'for must be one of synced, healthy' });
  });
});
