import { HealthStatus, ResourceAction, SyncPhase } from '#proto';
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
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' },
            action: ResourceAction.RESOURCE_ACTION_CREATED,
            error: '',
          },
        ],
        observedAt: '2026-01-02T03:04:05.000Z',
        targetSetRevision: targetSet.revision,
        health: HealthStatus.HEALTH_STATUS_HEALTHY,
        driftCount: 1,
        summary: { created: 1 },
        syncStartedAt: '2026-01-02T03:04:00.000Z',
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
            health: HealthStatus.HEALTH_STATUS_DEGRADED,
          },
        ],
        observedAt: '2026-01-02T03:04:06.000Z',
        targetSetRevision: targetSet.revision,
        health: HealthStatus.HEALTH_STATUS_DEGRADED,
        summary: { failed: 1 },
      },
    });
    await alphaStream.nth('statusAck', 2);
    await eventually(async () => {
      const rows = await t.query<{ acked_revision: string | null }>(`SELECT acked_revision::text FROM target_set WHERE cluster_id = $1`, [
        alpha.clusterId,
      ]);
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
          state: 'active',
          connectivity: 'connected',
          connected: true,
          lastSeenAt: ISO,
          targetSet: { revision: '1', checksum: SHA256, ackedRevision: '1' },
          bundles: [
            {
              bundle: 'prod',
              desiredCommit: commit,
              commit,
              phase: 'failed',
              health: 'degraded',
              condition: { tone: 'bad', text: 'failed · degraded' },
              driftCount: 0,
              lastReportAt: '2026-01-02T03:04:06.000Z',
              rollout: null,
            },
            {
              bundle: 'web',
              desiredCommit: commit,
              commit,
              phase: 'synced',
              health: 'healthy',
              condition: { tone: 'ok', text: 'synced' },
              driftCount: 1,
              lastReportAt: '2026-01-02T03:04:05.000Z',
              rollout: null,
            },
          ],
        },
        {
          id: beta.clusterId,
          name: 'beta',
          labels: { env: 'dev' },
          state: 'active',
          connectivity: 'unreachable',
          connected: false,
          lastSeenAt: null,
          targetSet: { revision: '1', checksum: SHA256, ackedRevision: null },
          bundles: [
            {
              bundle: 'web',
              desiredCommit: commit,
              commit: null,
              phase: 'unknown',
              health: 'unknown',
              condition: { tone: 'unknown', text: 'unknown' },
              driftCount: 0,
              lastReportAt: null,
              rollout: null,
            },
          ],
        },
      ],
      next: null,
    });
  });

  it('GET /api/v1/clusters/:name shows messages, change-set summary and per-resource results', async () => {
    const { status, body } = await t.get('/api/v1/clusters/alpha');
    expect(status).toBe(200);
    expect(body).toEqual({
      id: alpha.clusterId,
      name: 'alpha',
      labels: { env: 'prod' },
      state: 'active',
      connectivity: 'connected',
      connected: true,
      lastSeenAt: ISO,
      registeredAt: ISO,
      stateChangedAt: ISO,
      clientCertificate: null, // registered without a CSR
      targetSet: { revision: '1', checksum: SHA256, ackedRevision: '1' },
      bundles: [
        {
          bundle: 'prod',
          desiredCommit: commit,
          commit,
          phase: 'failed',
          health: 'degraded',
          condition: { tone: 'bad', text: 'failed · degraded' },
          driftCount: 0,
          lastReportAt: '2026-01-02T03:04:06.000Z',
          rollout: null,
          lastApplied: null,
          lastKnownPhase: 'failed',
          lastKnownHealth: 'degraded',
          message: 'dry-run failed',
          observedAt: '2026-01-02T03:04:06.000Z',
          syncStartedAt: null,
          summary: { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 1 },
          resources: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              namespace: 'prod',
              name: 'prod',
              action: 'failed',
              error: 'ConfigMap/prod/prod dry-run failed (Invalid): data: bad',
              health: 'degraded',
              healthMessage: '',
              drifted: false,
              driftDiff: '',
            },
          ],
        },
        {
          bundle: 'web',
          desiredCommit: commit,
          commit,
          phase: 'synced',
          health: 'healthy',
          condition: { tone: 'ok', text: 'synced' },
          driftCount: 1,
          lastReportAt: '2026-01-02T03:04:05.000Z',
          rollout: null,
          lastApplied: {
            commit,
            at: '2026-01-02T03:04:05.000Z',
            summary: { created: 1, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 },
            resources: [
              {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                namespace: 'web',
                name: 'web',
                action: 'created',
                error: '',
                health: 'unspecified',
                healthMessage: '',
                drifted: false,
                driftDiff: '',
              },
            ],
          },
          lastKnownPhase: 'synced',
          lastKnownHealth: 'healthy',
          message: '',
          observedAt: '2026-01-02T03:04:05.000Z',
          syncStartedAt: '2026-01-02T03:04:00.000Z',
          summary: { created: 1, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 },
          resources: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              namespace: 'web',
              name: 'web',
              action: 'created',
              error: '',
              health: 'unspecified',
              healthMessage: '',
              drifted: false,
              driftDiff: '',
            },
          ],
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
    const { status, body } = await t.get<{ items: unknown[] }>('/api/v1/bundles');
    expect(status).toBe(200);
    const none = { pending: 0, 'rolling-out': 0, synced: 0, failed: 0, paused: 0, suspended: 0, waiting: 0, unknown: 0 };
    expect(body).toEqual({
      items: [
        {
          name: 'prod',
          path: 'apps/prod',
          commit,
          contentCommit: commit,
          pin: null,
          rollout: null,
          summary: { ...none, total: 1, failed: 1 },
          placements: [{ phase: 'failed', health: 'degraded', condition: { tone: 'bad', text: 'failed · degraded' }, clusters: 1 }],
        },
        {
          name: 'web',
          path: 'apps/web',
          commit,
          contentCommit: commit,
          pin: null,
          rollout: null,
          summary: { ...none, total: 2, synced: 1, unknown: 1 },
          placements: [
            { phase: 'synced', health: 'healthy', condition: { tone: 'ok', text: 'synced' }, clusters: 1 },
            { phase: 'unknown', health: 'unknown', condition: { tone: 'unknown', text: 'unknown' }, clusters: 1 },
          ],
        },
      ],
      next: null,
    });
    expect(await t.get('/api/v1/bundles/web')).toEqual({ status: 200, body: body.items[1] });
  });

  it('GET /api/v1/bundles/:name/clusters lists the clusters a bundle is placed on, with phase, health and commit', async () => {
    expect(await t.get('/api/v1/bundles/web/clusters')).toEqual({
      status: 200,
      body: {
        items: [
          { cluster: 'alpha', phase: 'synced', health: 'healthy', condition: { tone: 'ok', text: 'synced' }, commit },
          { cluster: 'beta', phase: 'unknown', health: 'unknown', condition: { tone: 'unknown', text: 'unknown' }, commit: null },
        ],
        next: null,
      },
    });
    const first = await t.get<{ items: { cluster: string }[]; next: string }>('/api/v1/bundles/web/clusters?limit=1');
    expect(first.body.items.map((c) => c.cluster)).toEqual(['alpha']);
    const second = await t.get<{ items: { cluster: string }[]; next: string | null }>(
      `/api/v1/bundles/web/clusters?limit=1&cursor=${first.body.next}`,
    );
    expect(second.body).toMatchObject({ items: [{ cluster: 'beta' }], next: null });
    expect((await t.get('/api/v1/bundles/prod/clusters?phase=synced')).body).toEqual({ items: [], next: null });
    expect(await t.get('/api/v1/bundles/nothing/clusters')).toEqual({
      status: 404,
      body: { code: 'bundle_not_found', message: 'no bundle named "nothing"' },
    });
  });

  it('shows a bundle whose files a new commit changed as pending until the cluster reports it, and one it left alone as it was', async () => {
    const next = await t.repo.commit({ 'apps/web/extra.yaml': CONFIGMAP('extra') }, 'next');
    await t.app.get(FleetRepoService).syncNow();
    const { body } = await t.get<{ bundles: { bundle: string; desiredCommit: string; commit: string; phase: string }[] }>(
      '/api/v1/clusters/alpha',
    );
    expect(body.bundles.map((b) => [b.bundle, b.desiredCommit, b.commit, b.phase])).toEqual([
      ['prod', commit, commit, 'failed'],
      ['web', next, commit, 'pending'],
    ]);
    expect((await t.get('/api/v1/bundles/prod')).body).toMatchObject({ commit: next, contentCommit: commit });
  });

  it('shows a disconnected cluster as unknown, never synced, keeping the last known phase', async () => {
    alphaStream.close();
    await eventually(async () => {
      const { body } = await t.get<{ connected: boolean; bundles: { phase: string; lastKnownPhase: string }[] }>('/api/v1/clusters/alpha');
      expect(body.connected).toBe(false);
      expect(body.bundles.map((b) => [b.phase, b.lastKnownPhase])).toEqual([
        ['unknown', 'failed'],
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
