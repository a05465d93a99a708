import { HealthStatus, ReportReason, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';
import type { DeploymentView } from './deployment-history';

const FILES = {
  'fleet/web.yaml': BUNDLE('web'),
  'fleet/prod.yaml': BUNDLE('prod', '{ matchLabels: { env: prod } }'),
  'apps/web/cm.yaml': CONFIGMAP('web'),
  'apps/prod/cm.yaml': CONFIGMAP('prod'),
};

interface BundleRow {
  bundle: string;
  phase: string;
  health: string;
  lastKnownPhase: string;
  lastKnownHealth: string;
  driftCount: number;
  commit: string | null;
  lastReportAt: string | null;
}

describe('status: reports, batching, history', () => {
  let t: TestHub;
  let agent: TestAgent;
  let commit: string;
  let prod: TestStream;
  let dev: TestStream;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    commit = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    const p = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-prod', name: 'prod-1', labels: { env: 'prod' } });
    const d = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-dev', name: 'dev-1', labels: { env: 'dev' } });
    prod = agent.connect(p.credential);
    prod.hello(p.clusterId);
    dev = agent.connect(d.credential);
    dev.hello(d.clusterId);
    await Promise.all([prod.nth('targetSet'), dev.nth('targetSet')]);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('shows phase, health roll-up, drift count, commit and report time per cluster and bundle', async () => {
    await prod.acked(
      prod.report('web', commit, {
        driftCount: 2,
        health: HealthStatus.HEALTH_STATUS_PROGRESSING,
        phase: SyncPhase.SYNC_PHASE_PROGRESSING,
      }),
    );
    await prod.acked(prod.report('prod', commit, { phase: SyncPhase.SYNC_PHASE_WAITING, health: HealthStatus.HEALTH_STATUS_UNSPECIFIED }));
    const { body } = await t.get<{ connectivity: string; bundles: BundleRow[] }>('/api/v1/clusters/prod-1');
    expect(body.connectivity).toBe('connected');
    expect(body.bundles.map((b) => [b.bundle, b.phase, b.health, b.driftCount, b.commit])).toEqual([
      ['prod', 'waiting', 'unknown', 0, commit],
      ['web', 'rolling-out', 'progressing', 2, commit],
    ]);
    expect(body.bundles[1].lastReportAt).toMatch(/^\d{4}-/);
  });

  it('never lets a cluster set the status of a bundle it was not given (acked, kept out of status and history)', async () => {
    const seq = dev.report('prod', commit);
    await dev.acked(seq);
    const rows = await t.query(`SELECT bs.bundle FROM bundle_status bs JOIN cluster c ON c.id = bs.cluster_id WHERE c.name = 'dev-1'`);
    expect(rows).toEqual([]);
    expect(await t.query(`SELECT id FROM deployment WHERE seq = $1`, [seq])).toEqual([]);
    const { body } = await t.get<{ bundles: BundleRow[] }>('/api/v1/clusters/dev-1');
    expect(body.bundles.map((b) => b.bundle)).toEqual(['web']);
  });

  it('writes reports from many sessions in batches and acks each only once stored', async () => {
    const seqs: [TestStream, string][] = [];
    for (let i = 0; i < 40; i++) {
      const stream = i % 2 === 0 ? prod : dev;
      seqs.push([stream, stream.report('web', commit, { reason: ReportReason.REPORT_REASON_HEALTH, syncStartedAt: '' })]);
    }
    await Promise.all(seqs.map(([stream, seq]) => stream.acked(seq)));
    const rows = await t.query<{ n: number; batches: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT received_at)::int AS batches FROM status_report WHERE seq = ANY($1::numeric[])`,
      [seqs.map(([, seq]) => seq)],
    );
    expect(rows[0].n).toBe(40);
    // One transaction per batch: rows written together share their transaction's now().
    expect(rows[0].batches).toBeLessThan(40);
  });

  it('keeps a deployment history per finished sync, queryable by cluster and bundle in keyset pages', async () => {
    const started = '2026-02-01T10:00:00.000Z';
    const finished = '2026-02-01T10:00:05.000Z';
    await prod.acked(prod.report('web', commit, { syncStartedAt: started, observedAt: finished, summary: { created: 1, configured: 2 } }));
    await prod.acked(prod.report('prod', commit, { phase: SyncPhase.SYNC_PHASE_FAILED, message: 'dry-run failed' }));
    await dev.acked(dev.report('web', commit));
    // A drift-only report concludes no sync: not a deployment.
    await dev.acked(dev.report('web', commit, { reason: ReportReason.REPORT_REASON_DRIFT, syncStartedAt: '', driftCount: 1 }));

    const all = (await t.get<{ items: DeploymentView[]; next: string | null }>('/api/v1/history')).body;
    expect(all.items.map((d) => [d.cluster, d.bundle, d.result])).toEqual([
      ['dev-1', 'web', 'synced'],
      ['prod-1', 'prod', 'failed'],
      ['prod-1', 'web', 'synced'],
    ]);
    expect(all.items[2]).toMatchObject({
      commit,
      startedAt: started,
      finishedAt: finished,
      health: 'healthy',
      summary: { created: 1, configured: 2 },
    });
    expect(all.items[1].message).toBe('dry-run failed');

    const prodOnly = (await t.get<{ items: DeploymentView[] }>('/api/v1/history?cluster=prod-1&bundle=web')).body.items;
    expect(prodOnly.map((d) => [d.cluster, d.bundle])).toEqual([['prod-1', 'web']]);

    const page1 = (await t.get<{ items: DeploymentView[]; next: string | null }>('/api/v1/history?limit=2')).body;
    expect(page1.items).toHaveLength(2);
    const page2 = (await t.get<{ items: DeploymentView[]; next: string | null }>(`/api/v1/history?limit=2&before=${page1.next}`)).body;
    expect([...page1.items, ...page2.items].map((d) => d.id)).toEqual(all.items.map((d) => d.id));
    expect(page2.next).toBeNull();
    expect((await t.get('/api/v1/history?limit=0')).status).toBe(400);
    expect((await t.get('/api/v1/history?before=x')).status).toBe(400);
  });
});

describe('status: connectivity', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 150 });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('shows a silent cluster unreachable within the heartbeat window, its bundles unknown, keeping what was last known', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'quiet', labels: { env: 'prod' } });
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    const commit = (await stream.nth('targetSet')).targets[0].source!.commit;
    await stream.acked(stream.report('web', commit));
    await stream.acked(stream.report('prod', commit));
    const before = (await t.get<{ connectivity: string; bundles: BundleRow[] }>('/api/v1/clusters/quiet')).body;
    expect(before.connectivity).toBe('connected');
    expect(before.bundles.map((b) => [b.phase, b.health])).toEqual([
      ['synced', 'healthy'],
      ['synced', 'healthy'],
    ]);

    // The agent stops talking (no heartbeats); three intervals later it is unreachable.
    const silentSince = Date.now();
    await eventually(async () => {
      const { body } = await t.get<{ connectivity: string; bundles: BundleRow[] }>('/api/v1/clusters/quiet');
      expect(body.connectivity).toBe('unreachable');
      expect(body.bundles.map((b) => [b.phase, b.health, b.lastKnownPhase, b.lastKnownHealth])).toEqual([
        ['unknown', 'unknown', 'synced', 'healthy'],
        ['unknown', 'unknown', 'synced', 'healthy'],
      ]);
    });
    expect(Date.now() - silentSince).toBeLessThan(3_000);
    const bundles = (await t.get<{ items: { name: string; summary: Record<string, number> }[] }>('/api/v1/bundles')).body.items;
    expect(bundles.every((b) => b.summary.unknown === 1 && b.summary.synced === 0)).toBe(true);
  });
});
