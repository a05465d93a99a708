import { ResourceAction, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const SHA256 = expect.stringMatching(/^[0-9a-f]{64}$/);

describe('admin: the REST API', () => {
  let t: TestHub;
  let agent: TestAgent;
  let commit: string;
  let alpha: { clusterId: string; credential: string };
  let beta: { clusterId: string; credential: string };
  let alphaStream: TestStream;

  beforeAll(async () => {
    t = await startTestHub({
      'fleet/web.yaml': BUNDLE('web'),
      'fleet/prod.yaml': BUNDLE('prod', '{ matchLabels: { env: prod } }'),
      'apps/web/cm.yaml': CONFIGMAP('web'),
      'apps/prod/cm.yaml': CONFIGMAP('prod'),
    });
    commit = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    alpha = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-a', name: 'alpha', labels: { env: 'prod' } });
    beta = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-b', name: 'beta', labels: { env: 'dev' } });

    alphaStream = agent.connect(alpha.credential);
    alphaStream.hello(alpha.clusterId);
    const targetSet = await alphaStream.nth('targetSet');
    alphaStream.send({ $case: 'targetSetAck', value: { revision: targetSet.revision, checksum: targetSet.checksum } });
    alphaStream.send({
      $case: 'statusReport',
      value: {
        seq: '100',
        bundle: 'web',
        commit,
        phase: SyncPhase.SYNC_PHASE_SYNCED,
        message: '',
        resources: [
          { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' }, action: ResourceAction.RESOURCE_ACTION_CREATED, error: '' },
        ],
        observedAt: '2026-01-02T03:04:05.000Z',
        targetSetRevision: targetSet.revision,
      },
    });
    alphaStream.send({
      $case: 'statusReport',
      value: {
        seq: '101',
        bundle: 'prod',
        commit,
        phase: SyncPhase.SYNC_PHASE_FAILED,
        message: 'dry-run failed',
        resources: [
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'prod' },
            action: ResourceAction.RESOURCE_ACTION_FAILED,
            error: 'ConfigMap/prod/prod dry-run failed (Invalid): data: bad',
          },
        ],
        observedAt: '2026-01-02T03:04:06.000Z',
        targetSetRevision: targetSet.revision,
      },
    });
    await alphaStream.nth('statusAck', 2);
    await eventually(async () => {
      const rows = await t.query<{ acked_revision: string | null }>(`SELECT acked_revision::text FROM target_set WHERE cluster_id = $1`, [alpha.clusterId]);
      expect(rows[0].acked_revision).toBe('1');
    });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('GET /api/v1/clusters lists every cluster with its TargetSet and per-bundle phase', async () => {
    const { status, body } = await t.get('/api/v1/clusters');
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        {
          id: alpha.clusterId,
          name: 'alpha',
          labels: { env: 'prod' },
          connected: true,
          lastSeenAt: ISO,
          targetSet: { revision: '1', checksum: SHA256, ackedRevision: '1' },
          bundles: [
            { bundle: 'prod', desiredCommit: commit, commit, phase: 'failed' },
            { bundle: 'web', desiredCommit: commit, commit, phase: 'synced' },
          ],
        },
        {
          id: beta.clusterId,
          name: 'beta',
          labels: { env: 'dev' },
          connected: false,
          lastSeenAt: null,
          targetSet: { revision: '1', checksum: SHA256, ackedRevision: null },
          bundles: [{ bundle: 'web', desiredCommit: commit, commit: null, phase: 'unknown' }],
        },
      ],
    });
  });

  it('GET /api/v1/clusters/:name shows messages and per-resource results', async () => {
    const { status, body } = await t.get('/api/v1/clusters/alpha');
    expect(status).toBe(200);
    expect(body).toEqual({
      id: alpha.clusterId,
      name: 'alpha',
      labels: { env: 'prod' },
      connected: true,
      lastSeenAt: ISO,
      registeredAt: ISO,
      targetSet: { revision: '1', checksum: SHA256, ackedRevision: '1' },
      bundles: [
        {
          bundle: 'prod',
          desiredCommit: commit,
          commit,
          phase: 'failed',
          lastKnownPhase: 'failed',
          message: 'dry-run failed',
          observedAt: '2026-01-02T03:04:06.000Z',
          resources: [
            { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'prod', action: 'failed', error: 'ConfigMap/prod/prod dry-run failed (Invalid): data: bad' },
          ],
        },
        {
          bundle: 'web',
          desiredCommit: commit,
          commit,
          phase: 'synced',
          lastKnownPhase: 'synced',
          message: '',
          observedAt: '2026-01-02T03:04:05.000Z',
          resources: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: 'created', error: '' }],
        },
      ],
    });
  });

  it('answers an unknown cluster name with 404 and a JSON error', async () => {
    const { status, body } = await t.get('/api/v1/clusters/nobody');
    expect(status).toBe(404);
    expect(body).toEqual({ code: 'cluster_not_found', message: 'no cluster named "nobody"' });
    const route = await t.get('/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body).toMatchObject({ code: 'not_found', message: expect.any(String) });
  });

  it('GET /api/v1/bundles summarises every bundle across the clusters it targets', async () => {
    const { status, body } = await t.get('/api/v1/bundles');
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        {
          name: 'prod',
          path: 'apps/prod',
          commit,
          clusters: [{ cluster: 'alpha', phase: 'failed', commit }],
          summary: { total: 1, synced: 0, failed: 1, pending: 0, progressing: 0, unknown: 0 },
        },
        {
          name: 'web',
          path: 'apps/web',
          commit,
          clusters: [
            { cluster: 'alpha', phase: 'synced', commit },
            { cluster: 'beta', phase: 'unknown', commit: null },
          ],
          summary: { total: 2, synced: 1, failed: 0, pending: 0, progressing: 0, unknown: 1 },
        },
      ],
    });
  });

  it('GET /api/v1/fleet shows the source and the commit being served', async () => {
    const { status, body } = await t.get('/api/v1/fleet');
    expect(status).toBe(200);
    expect(body).toEqual({ url: t.repo.url, branch: 'main', path: 'fleet', commit, fetchedAt: ISO, error: null });
  });

  it('shows bundles of a new commit as pending until the cluster reports it', async () => {
    const next = await t.repo.commit({ 'apps/web/extra.yaml': CONFIGMAP('extra') }, 'next');
    await t.app.get(FleetRepoService).syncNow();
    const { body } = await t.get<{ bundles: { bundle: string; desiredCommit: string; commit: string; phase: string }[] }>('/api/v1/clusters/alpha');
    expect(body.bundles.map((b) => [b.bundle, b.desiredCommit, b.commit, b.phase])).toEqual([
      ['prod', next, commit, 'pending'],
      ['web', next, commit, 'pending'],
    ]);
  });

  it('shows a disconnected cluster as unknown, never synced, keeping the last known phase', async () => {
    alphaStream.close();
    await eventually(async () => {
      const { body } = await t.get<{ connected: boolean; bundles: { phase: string; lastKnownPhase: string }[] }>('/api/v1/clusters/alpha');
      expect(body.connected).toBe(false);
      expect(body.bundles.map((b) => [b.phase, b.lastKnownPhase])).toEqual([
        ['unknown', 'pending'],
        ['unknown', 'pending'],
      ]);
    });
  });

  it('answers /healthz and /readyz while up, and /readyz with 503 once the database is gone', async () => {
    expect(await t.get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await t.get('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    await t.db.drop();
    const { status, body } = await t.get('/readyz');
    expect(status).toBe(503);
    expect(body).toMatchObject({ code: 'not_ready', message: expect.stringContaining('database unreachable') });
    expect((await t.get('/healthz')).status).toBe(200);
  });
});
