/**
 * Progressive rollout and rollback on real parts. A bundle rolls out across three named
 * partitions (one cluster each). A commit whose Deployment image fails to pull on the middle
 * cluster only (a per-target override value substituted into the image) halts the rollout:
 * the API names the cluster and the resource, the last partition keeps the old commit in its
 * cluster. A fixing commit lets it finish. Then a pin rolls every cluster back to the first
 * commit's content at once, and unpinning brings them forward again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { readConfigMap, readDeployment, sleep, startFleet, type ClusterView, type Fleet, type RolloutView } from '../support/fleet';

const CLUSTERS = [
  { name: 'r1', labels: { stage: 'canary' } },
  { name: 'r2', labels: { stage: 'early' } },
  { name: 'r3', labels: { stage: 'late' } },
];

const bundle = (brokenVariant: string) => `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: apps/web
  namespace: default
  targets:
    - name: the-early-one
      clusterSelector:
        matchLabels: { stage: early }
      overrides:
        values: { variant: ${brokenVariant} }
    - name: everyone-else
      clusterSelector: {}
      overrides:
        values: { variant: ok }
  syncPolicy:
    prune: true
  rollout:
    partitions:
      - name: canary
        clusterSelector:
          matchLabels: { stage: canary }
      - name: early
        clusterSelector:
          matchLabels: { stage: early }
      - name: late
        clusterSelector:
          matchLabels: { stage: late }
    maxUnavailable: 1
    pauseOnFailure: true
`;

const app = (version: string, image: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-version
data:
  version: ${version}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  progressDeadlineSeconds: 60
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: "${image}"
`;

describe('fleet: staged rollout across three partitions, halt, fix, pin and unpin', { timeout: 90_000 }, () => {
  let fleet: Fleet;
  let c1: string; // v1 everywhere
  let c2: string; // v2; the image fails to pull on r2
  let c3: string; // v2, fixed on r2

  const rollout = async () => {
    const { status, body } = await fleet.api.get<RolloutView>('/api/v1/rollouts/web');
    expect(status).toBe(200);
    return body;
  };
  const webOf = async (cluster: string) => {
    const { body } = await fleet.api.get<ClusterView>(`/api/v1/clusters/${cluster}`);
    return body.bundles.find((b) => b.bundle === 'web');
  };
  /** What the cluster itself holds: the ConfigMap's version and the Deployment's image. */
  const onCluster = async (cluster: string) => {
    const c = fleet.cluster(cluster);
    const cm = await readConfigMap(c, 'default', 'web-version');
    const dep = await readDeployment(c, 'default', 'web');
    return { version: cm?.data?.version, image: dep?.spec?.template.spec?.containers[0]?.image };
  };
  const expectSyncedHealthy = async (cluster: string, commit: string) => {
    const web = await webOf(cluster);
    expect({ cluster, phase: web?.phase, health: web?.health, commit: web?.commit }).toEqual({
      cluster,
      phase: 'synced',
      health: 'healthy',
      commit,
    });
  };

  beforeAll(async () => {
    fleet = await startFleet({
      files: { 'fleet/web.yaml': bundle('ok'), 'apps/web/app.yaml': app('v1', 'example.test/web:v1') },
      clusters: CLUSTERS,
      hub: { rolloutTickIntervalMs: 500 },
    });
    c1 = fleet.firstCommit;
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('rolls the first commit out to all three partitions', async () => {
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) await expectSyncedHealthy(name, c1);
        expect((await rollout()).state).toBe('done');
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    for (const { name } of CLUSTERS) {
      expect(await onCluster(name)).toEqual({ version: 'v1', image: 'example.test/web:v1' });
    }
  });

  it('halts when the middle partition turns unhealthy, naming cluster and resource; the last partition keeps the old commit', async () => {
    c2 = await fleet.repo.commit(
      { 'fleet/web.yaml': bundle('fail-pull'), 'apps/web/app.yaml': app('v2', 'example.test/web:v2-${variant}') },
      'v2 (broken image on the early cluster)',
    );

    const halted = await eventually(
      async () => {
        const r = await rollout();
        expect(r.commit).toBe(c2);
        expect(r.state).toBe('halted');
        expect(r.halt).toMatchObject({ reason: 'failure', cluster: 'r2', resource: 'Deployment/default/web' });
        return r;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(halted.halt!.message).toContain('r2');
    expect(Object.fromEntries(halted.partitions.map((p) => [p.name, p.state]))).toEqual({
      canary: 'done',
      early: 'halted',
      late: 'pending',
    });

    // The canary has v2, the early cluster has the broken v2, the late one still v1.
    await expectSyncedHealthy('r1', c2);
    expect(await onCluster('r1')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
    expect(await onCluster('r2')).toEqual({ version: 'v2', image: 'example.test/web:v2-fail-pull' });
    const r2 = await webOf('r2');
    expect(r2).toMatchObject({ commit: c2, health: 'degraded' });

    // Several ticks later nothing has moved on: the late partition holds the first commit.
    await sleep(2_000);
    expect((await rollout()).state).toBe('halted');
    expect(await onCluster('r3')).toEqual({ version: 'v1', image: 'example.test/web:v1' });
    const r3 = await webOf('r3');
    expect(r3?.commit).toBe(c1);
    expect(r3?.desiredCommit).toBe(c1);
    expect(r3?.health).toBe('healthy');
    // Not reached by the halted rollout: shown as paused, not as pending or synced at the new commit.
    expect(r3).toMatchObject({ phase: 'paused', rollout: 'paused' });

    const { body: bundles } = await fleet.api.get<{ items: { name: string; rollout: string }[] }>('/api/v1/bundles');
    expect(bundles.items.find((b) => b.name === 'web')?.rollout).toBe('halted');
  });

  it('a pin during the halt rolls every cluster back at once; unpinning does not let the halted rollout skip the broken partition', async () => {
    const before = await rollout();
    expect(before.state).toBe('halted');
    expect((await fleet.api.post('/api/v1/bundles/web/pin', { commit: c1 })).status).toBe(200);
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) {
          await expectSyncedHealthy(name, c1);
          expect(await onCluster(name)).toEqual({ version: 'v1', image: 'example.test/web:v1' });
        }
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect((await fleet.api.delete('/api/v1/bundles/web/pin')).status).toBe(204);
    // The admitted clusters get the rollout's commit back, r2 breaks again and the rollout halts
    // on it again; the late cluster keeps the pinned target.
    await eventually(
      async () => {
        const r = await rollout();
        expect(r.state).toBe('halted');
        expect(r.halt).toMatchObject({ cluster: 'r2', resource: 'Deployment/default/web' });
        expect(await onCluster('r1')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
        expect(await onCluster('r2')).toEqual({ version: 'v2', image: 'example.test/web:v2-fail-pull' });
        expect((await webOf('r2'))?.health).toBe('degraded');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await sleep(1_500);
    expect(await onCluster('r3')).toEqual({ version: 'v1', image: 'example.test/web:v1' });
    expect((await webOf('r3'))?.commit).toBe(c1);
    // The same rollout goes on (docs/api.md: the clusters it admitted get it back at once), not a new one.
    const after = await rollout();
    expect({ revision: after.revision, startedAt: after.startedAt }).toEqual({ revision: before.revision, startedAt: before.startedAt });
  });

  it('resumes after a fixing commit and completes on every partition', async () => {
    c3 = await fleet.repo.commit({ 'fleet/web.yaml': bundle('fixed') }, 'fix the early cluster');
    await eventually(
      async () => {
        const r = await rollout();
        expect(r.commit).toBe(c3);
        expect(r.state).toBe('done');
        expect(r.halt).toBeNull();
        for (const { name } of CLUSTERS) await expectSyncedHealthy(name, c3);
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(await onCluster('r1')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
    expect(await onCluster('r2')).toEqual({ version: 'v2', image: 'example.test/web:v2-fixed' });
    expect(await onCluster('r3')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
  });

  it('keeps a paused rollout paused across a pin and an unpin', async () => {
    const paused = await fleet.api.post<RolloutView>('/api/v1/rollouts/web/pause');
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);

    expect((await fleet.api.post('/api/v1/bundles/web/pin', { commit: c1 })).status).toBe(200);
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) await expectSyncedHealthy(name, c1);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect((await fleet.api.delete('/api/v1/bundles/web/pin')).status).toBe(204);

    // docs/api.md: a pause "stays paused across new revisions until resumed"; the clusters the
    // revision had admitted (all three) get it back at once.
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) await expectSyncedHealthy(name, c3);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const after = await rollout();
    expect({ paused: after.paused, state: after.state }).toEqual({ paused: true, state: 'paused' });

    expect((await fleet.api.post('/api/v1/rollouts/web/resume')).status).toBe(200);
    await eventually(async () => expect(await rollout()).toMatchObject({ paused: false, state: 'done' }), { timeoutMs: 20_000 });
  });

  it('rolls every cluster back to the first commit by pin, and forward again by unpin', async () => {
    const pin = await fleet.api.post<{ bundle: string; commit: string }>('/api/v1/bundles/web/pin', { commit: c1 });
    expect(pin.status).toBe(200);
    expect(pin.body).toMatchObject({ bundle: 'web', commit: c1 });
    expect((await fleet.api.get<{ items: { bundle: string; commit: string }[] }>('/api/v1/pins')).body.items).toEqual([
      expect.objectContaining({ bundle: 'web', commit: c1 }),
    ]);

    await eventually(
      async () => {
        for (const { name } of CLUSTERS) {
          await expectSyncedHealthy(name, c1);
          expect(await onCluster(name)).toEqual({ version: 'v1', image: 'example.test/web:v1' });
        }
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );

    expect((await fleet.api.delete('/api/v1/bundles/web/pin')).status).toBe(204);
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) await expectSyncedHealthy(name, c3);
        expect(await onCluster('r1')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
        expect(await onCluster('r2')).toEqual({ version: 'v2', image: 'example.test/web:v2-fixed' });
        expect(await onCluster('r3')).toEqual({ version: 'v2', image: 'example.test/web:v2-ok' });
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect((await fleet.api.delete('/api/v1/bundles/web/pin')).status).toBe(404);
  });
});
