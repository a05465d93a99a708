/**
 * The engine against a real kube-apiserver v1.24 with its controller manager (no kubelet:
 * Pods stay Pending). What kube-sim cannot prove: that every built-in kind lands, then stays
 * idle for minutes with no drift reported and no write while real controllers and other field
 * managers do their work; that drift is healed and pruning deletes; that health is truthful
 * without a kubelet.
 *
 * GITFLEET_REAL_IDLE_SECONDS sets the idle period (default 120).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthStatus } from '#proto';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../../../test/support/real-cluster';
import { allKindsBundle, type AllKindsBundle } from '../testing/all-kinds';
import { actionsOf, EngineHarness } from '../testing/engine-harness';
import { until } from '../testing/fake-hub';
import type { Target } from '#proto';

const skip = realClusterSkipReason();
if (skip) console.warn(skip);
const IDLE_SECONDS = Number(process.env.GITFLEET_REAL_IDLE_SECONDS ?? 120);

describe.skipIf(skip !== undefined)('the engine against a real kube-apiserver', () => {
  const id = randomBytes(3).toString('hex');
  const bundle = `kinds-${id}`;
  const stall = `stall-${id}`;
  let cluster: RealCluster;
  let agentUser: string;
  let h: EngineHarness;
  let kinds: AllKindsBundle;
  let commit: string;

  const stallFiles = {
    [`apps/${stall}/deployment.yaml`]: `apiVersion: v1
kind: Namespace
metadata:
  name: gf-${id}-stall
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  namespace: gf-${id}-stall
spec:
  progressDeadlineSeconds: 10
  selector:
    matchLabels: { app: stuck }
  template:
    metadata:
      labels: { app: stuck }
    spec:
      containers:
        - name: main
          image: nginx:1.27
`,
  };

  const targets = (at: string): Target[] => [
    h.target(at, bundle, { defaultNamespace: kinds.namespace, syncPolicy: { prune: true, selfHeal: true } }),
    h.target(at, stall, { defaultNamespace: `gf-${id}-stall`, syncPolicy: { prune: true, selfHeal: true } }),
  ];

  beforeAll(async () => {
    cluster = await sharedRealCluster();
    const agent = await cluster.identity(`engine-${id}`);
    agentUser = agent.user;
    h = await EngineHarness.start({
      cluster: { kubeconfig: agent.kubeconfig, agentNamespace: `gf-${id}-agent` },
      // The backstop resync runs several times while idle: it must write nothing either.
      engine: { resyncIntervalMs: 30_000 },
    });
    kinds = allKindsBundle(bundle, id);
    commit = await h.repo.commit({ ...kinds.files, ...stallFiles });
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('applies every kind: definitions first, the custom resource with its schema defaults', async () => {
    await h.push(...targets(commit));
    const result = h.finals(bundle)[0];
    expect(result.message).toBe('');
    expect(result.phase).toBe('synced');
    const actions = actionsOf(result);
    expect(Object.keys(actions)).toHaveLength(31);
    expect(new Set(Object.values(actions))).toEqual(new Set(['created']));
    const order = result.changes.map((c) => c.ref.kind);
    expect(order.indexOf('CustomResourceDefinition')).toBe(0);
    expect(order.indexOf('Namespace')).toBeLessThan(order.indexOf('ConfigMap'));
    expect(order.indexOf('Widget')).toBe(order.length - 1);
    const widget = await h.live(`${kinds.group}/v1`, 'Widget', 'sprocket', kinds.namespace);
    expect(widget?.['spec']).toEqual({ mode: 'slow', size: 3, tags: {} });
  }, 60_000);

  it(
    `stays idle for ${IDLE_SECONDS} s — no drift reported, no write — while controllers and other managers work`,
    async () => {
      const since = new Date();
      const reportsBefore = h.results.length;
      // Other managers: a controller writing the custom resource's status, a tool adding an
      // annotation with server-side apply (fields the bundle does not set are not drift).
      await cluster.request(
        'PATCH',
        `/apis/${kinds.group}/v1/namespaces/${kinds.namespace}/widgets/sprocket/status`,
        { status: { ready: true } },
        'application/merge-patch+json',
      );
      await cluster.request(
        'PATCH',
        `/api/v1/namespaces/${kinds.namespace}/configmaps/settings?fieldManager=team-tool`,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', annotations: { 'team.example/owner': 'payments' } } },
        'application/apply-patch+yaml',
      );
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
      await h.engine.idle();

      const during = h.results.slice(reportsBefore).filter((r) => r.bundle === bundle);
      expect(during.filter((r) => r.reason === 'drift')).toEqual([]);
      expect(
        during.flatMap((r) => r.changes.filter((c) => c.driftDiff !== undefined).map((c) => `${c.ref.kind}/${c.ref.name}: ${c.driftDiff}`)),
      ).toEqual([]);
      // The resyncs ran (forced syncs: a list per kind and a dry-run per object) and found everything unchanged.
      const resyncs = during.filter((r) => r.phase === 'synced' && (r.reason ?? 'sync') === 'sync');
      expect(resyncs.length).toBeGreaterThanOrEqual(Math.floor(IDLE_SECONDS / 30) - 1);
      for (const resync of resyncs) expect(new Set(Object.values(actionsOf(resync)))).toEqual(new Set(['unchanged']));
      const writes = await cluster.writes(agentUser, since);
      expect(writes.map((w) => `${w.verb} ${w.requestURI}`)).toEqual([]);
    },
    (IDLE_SECONDS + 120) * 1000,
  );

  it('is truthful without a kubelet: Pods Pending → Progressing, then Degraded once the progress deadline passes', async () => {
    const synced = h.finals(stall)[0];
    expect(synced.phase).toBe('synced');
    const stuck = (r: (typeof h.results)[number]) => r.changes.find((c) => c.ref.kind === 'Deployment')?.health;
    expect(stuck(synced)?.status).toBe(HealthStatus.HEALTH_STATUS_PROGRESSING);
    await until(() => h.reports(stall, 'health').some((r) => stuck(r)?.status === HealthStatus.HEALTH_STATUS_DEGRADED), 60_000);
    const degraded = h.reports(stall, 'health').find((r) => stuck(r)?.status === HealthStatus.HEALTH_STATUS_DEGRADED)!;
    expect(stuck(degraded)?.message).toMatch(/ProgressDeadlineExceeded|progress deadline/i);
    expect(degraded.phase).toBe('synced');
  }, 90_000);

  it('reports drift of a field the bundle sets and heals it; recreates an object deleted behind its back', async () => {
    const since = new Date();
    await cluster.request(
      'PATCH',
      `/api/v1/namespaces/${kinds.namespace}/configmaps/settings`,
      { data: { greeting: 'hacked' } },
      'application/merge-patch+json',
    );
    await until(() => h.reports(bundle, 'drift').some((r) => r.changes.some((c) => c.driftDiff?.includes('hacked'))), 20_000);
    await until(
      async () => ((await h.live('v1', 'ConfigMap', 'settings', kinds.namespace))?.['data'] as Record<string, string>).greeting === 'hello',
      20_000,
    );
    // The other manager's annotation is still there: healing touches only what the bundle sets.
    const healed = await h.live('v1', 'ConfigMap', 'settings', kinds.namespace);
    expect((healed?.['metadata'] as { annotations?: Record<string, string> }).annotations?.['team.example/owner']).toBe('payments');

    await cluster.request('DELETE', `/api/v1/namespaces/${kinds.namespace}/configmaps/empty`);
    await until(async () => (await h.live('v1', 'ConfigMap', 'empty', kinds.namespace)) !== undefined, 20_000);
    await until(
      () =>
        !h
          .reports(bundle, 'drift')
          .at(-1)!
          .changes.some((c) => c.driftDiff !== undefined),
      20_000,
    );
    const writes = (await cluster.writes(agentUser, since)).map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.name}`);
    expect(writes.sort()).toEqual(['patch configmaps/empty', 'patch configmaps/settings']);
  }, 90_000);

  it('prunes what left Git: a removed file deletes its objects, nothing else is written', async () => {
    const since = new Date();
    const next = await h.repo.commit({ [`apps/${bundle}/04-services.yaml`]: null });
    await h.push(...targets(next));
    const result = h.finals(bundle).at(-1)!;
    expect(result.phase).toBe('synced');
    const deleted = Object.entries(actionsOf(result))
      .filter(([, action]) => action === 'deleted')
      .map(([ref]) => ref)
      .sort();
    expect(deleted).toEqual([
      `Ingress/${kinds.namespace}/web`,
      `Service/${kinds.namespace}/db`,
      `Service/${kinds.namespace}/upstream`,
      `Service/${kinds.namespace}/web`,
      `Service/${kinds.namespace}/web-nodeport`,
    ]);
    for (const name of ['web', 'db', 'upstream', 'web-nodeport'])
      expect(await h.live('v1', 'Service', name, kinds.namespace)).toBeUndefined();
    const writes = (await cluster.writes(agentUser, since)).map((w) => `${w.verb} ${w.objectRef?.resource}`);
    // Five deletes and the inventory; every other object unchanged.
    expect(writes.filter((w) => w.startsWith('delete')).sort()).toEqual(['delete ingresses', ...Array(4).fill('delete services')]);
    expect(writes.filter((w) => !w.startsWith('delete'))).toEqual(['patch configmaps']);
  }, 90_000);
});
