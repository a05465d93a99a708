/**
 * The spine of gitfleet on real parts: a fleet commit in a bare Git repo travels through the
 * hub (on the real PostgreSQL server) to two agents, into two simulated clusters, and the
 * result comes back through the hub's REST API. A third "cluster" holding a forged
 * credential is refused and never receives a target.
 */
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { FleetClient, type HubMessage } from '#proto';
import { eventually } from '../support/eventually';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FLEET = {
  'fleet/web.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: apps/web
  namespace: web
  targets:
    - clusterSelector: {}
`,
  'fleet/prod-only.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: prod-only
spec:
  source:
    path: apps/prod-only
  namespace: default
  targets:
    - clusterSelector:
        matchLabels:
          env: prod
`,
  'apps/web/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: web
`,
  'apps/web/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-flags
data:
  beta: "false"
`,
  'apps/prod-only/alerts.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: prod-alerts
data:
  pager: "on"
`,
};

interface ClusterView {
  id: string;
  name: string;
  connected: boolean;
  bundles: {
    bundle: string;
    desiredCommit: string | null;
    commit: string | null;
    phase: string;
    resources?: { kind: string; namespace: string; name: string; action: string; error: string }[];
  }[];
}

/** The hub's ADMIN_TOKEN: the API answers nothing without a token. */
const ADMIN_TOKEN = randomBytes(24).toString('hex');

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as T };
}

function coreApi(cluster: SimCluster): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  return kc.makeApiClient(k8s.CoreV1Api);
}

async function configMapData(cluster: SimCluster, namespace: string, name: string) {
  const cm = await coreApi(cluster).readNamespacedConfigMap({ name, namespace });
  return { data: cm.data, labels: cm.metadata?.labels ?? {} };
}

async function configMapExists(cluster: SimCluster, namespace: string, name: string): Promise<boolean> {
  try {
    await coreApi(cluster).readNamespacedConfigMap({ name, namespace });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

describe('walking skeleton: fleet repo → hub → agents → clusters → status', () => {
  let db: ThrowawayDatabase;
  let repo: BareRepo;
  let hub: RunningHub;
  let workDir: string;
  const clusters: Record<string, SimCluster> = {};
  const agents: RunningAgent[] = [];
  const bootstrapToken = randomBytes(24).toString('hex');
  let firstCommit: string;

  beforeAll(async () => {
    db = await createThrowawayDatabase('gitfleet_e2e');
    repo = await BareRepo.create();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-'));
    firstCommit = await repo.commit(FLEET, 'initial fleet');
    hub = await startHub({
      databaseUrl: db.url,
      dataDir: join(workDir, 'hub'),
      fleetRepoUrl: repo.url,
      bootstrapToken,
      adminToken: ADMIN_TOKEN,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 300,
      heartbeatIntervalMs: 1_000,
      logLevel: 'error',
    });
    for (const [name, labels] of [
      ['alpha', { env: 'prod' }],
      ['beta', { env: 'dev' }],
    ] as const) {
      clusters[name] = await startSimCluster({ name });
      agents.push(
        await startAgent({
          hubAddress: hub.grpcAddress,
          bootstrapToken,
          clusterName: name,
          clusterLabels: { ...labels },
          kubeconfig: clusters[name].kubeconfig,
          cacheDir: join(workDir, `agent-${name}`),
          heartbeatIntervalMs: 1_000,
          logLevel: 'error',
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await hub?.stop();
    await Promise.allSettled(Object.values(clusters).map((c) => c.stop()));
    await db?.drop();
    await repo?.remove();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /**
   * Both clusters connected and every bundle synced at `commit` — or, for a bundle `kept` names,
   * at the commit given there: the commit its files came with, which a later commit that left
   * them alone does not move.
   */
  async function expectSyncedAt(commit: string, kept: Record<string, string> = {}): Promise<Record<string, ClusterView>> {
    return eventually(
      async () => {
        const views: Record<string, ClusterView> = {};
        for (const name of ['alpha', 'beta']) {
          const { status, body } = await getJson<ClusterView>(`${hub.httpUrl}/api/v1/clusters/${name}`);
          expect(status).toBe(200);
          expect(body.connected).toBe(true);
          expect(body.bundles.length).toBeGreaterThan(0);
          for (const b of body.bundles) {
            expect({ bundle: b.bundle, phase: b.phase, commit: b.commit }).toEqual({
              bundle: b.bundle,
              phase: 'synced',
              commit: kept[b.bundle] ?? commit,
            });
          }
          views[name] = body;
        }
        return views;
      },
      { timeoutMs: 30_000 },
    );
  }

  it('applies the first commit to both clusters, each getting only the bundles that select it', async () => {
    const views = await expectSyncedAt(firstCommit);
    expect(views.alpha.bundles.map((b) => b.bundle).sort()).toEqual(['prod-only', 'web']);
    expect(views.beta.bundles.map((b) => b.bundle)).toEqual(['web']);

    for (const name of ['alpha', 'beta']) {
      const cm = await configMapData(clusters[name], 'web', 'web-config');
      expect(cm.data).toEqual({ greeting: 'hello' });
      expect(cm.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle': 'web' });
      expect((await configMapData(clusters[name], 'web', 'web-flags')).data).toEqual({ beta: 'false' });
    }
    expect((await configMapData(clusters.alpha, 'default', 'prod-alerts')).data).toEqual({ pager: 'on' });
    expect(await configMapExists(clusters.beta, 'default', 'prod-alerts')).toBe(false);

    const web = views.alpha.bundles.find((b) => b.bundle === 'web')!;
    expect(web.resources?.map((r) => `${r.kind}/${r.namespace}/${r.name}`).sort()).toEqual([
      'ConfigMap/web/web-config',
      'ConfigMap/web/web-flags',
      'Namespace//web',
    ]);
    expect(web.resources?.every((r) => r.action === 'created' && r.error === '')).toBe(true);
  });

  it('carries a new commit to both clusters and reports them synced at it', async () => {
    const second = await repo.commit(
      {
        'apps/web/config.yaml': FLEET['apps/web/config.yaml'].replace('greeting: hello', 'greeting: bonjour'),
      },
      'change the greeting',
    );
    expect(second).not.toBe(firstCommit);
    // prod-only's files are as they were: it stays at the first commit, with nothing sent.
    const views = await expectSyncedAt(second, { 'prod-only': firstCommit });

    for (const name of ['alpha', 'beta']) {
      expect((await configMapData(clusters[name], 'web', 'web-config')).data).toEqual({ greeting: 'bonjour' });
    }
    const actions = Object.fromEntries(views.beta.bundles[0].resources!.map((r) => [`${r.kind}/${r.name}`, r.action]));
    expect(actions).toEqual({ 'ConfigMap/web-config': 'configured', 'ConfigMap/web-flags': 'unchanged', 'Namespace/web': 'unchanged' });

    const bundles = await getJson<{ items: { name: string; commit: string; summary: { total: number; synced: number } }[] }>(
      `${hub.httpUrl}/api/v1/bundles`,
    );
    expect(bundles.body.items.find((b) => b.name === 'web')).toMatchObject({ commit: second, summary: { total: 2, synced: 2 } });
    expect(bundles.body.items.find((b) => b.name === 'prod-only')).toMatchObject({
      commit: second,
      contentCommit: firstCommit,
      summary: { total: 1, synced: 1 },
    });
  });

  it('refuses a Connect with a wrong credential before sending it anything', async () => {
    const alpha = (await getJson<ClusterView>(`${hub.httpUrl}/api/v1/clusters/alpha`)).body;
    const client = new FleetClient(hub.grpcAddress, grpc.credentials.createInsecure());
    try {
      const metadata = new grpc.Metadata();
      // Alpha's real id with a made-up secret: an impersonation attempt.
      metadata.set('authorization', `Bearer ${alpha.id}.${randomBytes(32).toString('base64url')}`);
      const call = client.connect(metadata);
      const received: HubMessage[] = [];
      const ended = new Promise<grpc.ServiceError>((resolve) => {
        call.on('data', (m: HubMessage) => received.push(m));
        call.on('error', (e: grpc.ServiceError) => resolve(e));
      });
      call.write({
        kind: {
          $case: 'hello',
          value: { clusterId: alpha.id, agentVersion: 'forged', capabilities: [], targetSetChecksum: '', lastAckedSeq: '' },
        },
      });
      const error = await ended;
      expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(received).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('never gives a target to an agent that holds a forged credential', async () => {
    const alpha = (await getJson<ClusterView>(`${hub.httpUrl}/api/v1/clusters/alpha`)).body;
    const mallory = await startSimCluster({ name: 'mallory' });
    clusters.mallory = mallory;
    const kc = new k8s.KubeConfig();
    kc.loadFromString(mallory.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'gitfleet-system' } } });
    await core.createNamespacedSecret({
      namespace: 'gitfleet-system',
      body: {
        metadata: { name: 'gitfleet-agent' },
        stringData: { credential: `${alpha.id}.${randomBytes(32).toString('base64url')}` },
      },
    });
    agents.push(
      await startAgent({
        hubAddress: hub.grpcAddress,
        clusterName: 'mallory',
        clusterLabels: { env: 'prod' },
        kubeconfig: mallory.kubeconfig,
        cacheDir: join(workDir, 'agent-mallory'),
        heartbeatIntervalMs: 1_000,
        logLevel: 'silent',
      }),
    );

    // A new commit reaches the honest clusters; by then mallory has had every chance.
    const third = await repo.commit(
      { 'apps/web/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\ndata:\n  n: "3"\n' },
      'third',
    );
    await expectSyncedAt(third, { 'prod-only': firstCommit });
    expect(await configMapExists(mallory, 'web', 'web-config')).toBe(false);
    expect(await configMapExists(mallory, 'default', 'prod-alerts')).toBe(false);
    const list = await getJson<{ items: { name: string }[] }>(`${hub.httpUrl}/api/v1/clusters`);
    expect(list.body.items.map((c) => c.name).sort()).toEqual(['alpha', 'beta']);
  });
});
