/**
 * Hub and agent against a real kube-apiserver (no kubelet: a Deployment never becomes
 * Available). What the simulator, whose workloads settle in milliseconds, hid:
 *   - a sync of a bundle with a workload reports when its apply ends, not after a health wait
 *     (it used to report ~30 s late, the wait's bound);
 *   - a fleet commit that leaves a bundle as it was neither syncs nor reports that bundle again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { bundleFor } from '../support/bundles';
import { eventually } from '../support/eventually';
import { hubApi, type ClusterView, type HubApi } from '../support/fleet';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';
import { realClusterSkipReason, sharedRealCluster } from '../support/real-cluster';

const skip = realClusterSkipReason();
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)('hub and agent on a real kube-apiserver', { timeout: 120_000 }, () => {
  const id = randomBytes(3).toString('hex');
  const ns = `gf-fleet-${id}`;
  let db: ThrowawayDatabase;
  let repo: BareRepo;
  let workDir: string;
  let hub: RunningHub;
  let agent: RunningAgent;
  let api: HubApi;

  const WEB = {
    'fleet/web.yaml': bundleFor('web', ns),
    'apps/web/all.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
  };
  const bundles = async () => (await api.get<ClusterView>(`/api/v1/clusters/real-${id}`)).body.bundles;

  beforeAll(async () => {
    const cluster = await sharedRealCluster();
    const identity = await cluster.identity(`fleet-${id}`);
    db = await createThrowawayDatabase('gitfleet_real_fleet');
    repo = await BareRepo.create();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-real-fleet-'));
    await repo.commit(WEB);
    const adminToken = randomBytes(16).toString('hex');
    const bootstrapToken = randomBytes(16).toString('hex');
    hub = await startHub({
      databaseUrl: db.url,
      dataDir: join(workDir, 'hub'),
      fleetRepoUrl: repo.url,
      bootstrapToken,
      adminToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 300,
      heartbeatIntervalMs: 1_000,
      logLevel: 'silent',
    });
    api = hubApi(hub.httpUrl, adminToken);
    agent = await startAgent({
      hubAddress: hub.grpcAddress,
      bootstrapToken,
      clusterName: `real-${id}`,
      clusterLabels: {},
      kubeconfig: identity.kubeconfig,
      namespace: `gf-agent-${id}`,
      cacheDir: join(workDir, 'agent'),
      heartbeatIntervalMs: 1_000,
      logLevel: 'silent',
    });
  }, 150_000);

  afterAll(async () => {
    await agent?.stop();
    await hub?.stop();
    await db?.drop();
    await repo?.remove();
    await rm(workDir, { recursive: true, force: true });
  });

  it('reports a bundle with a Deployment synced as soon as it is applied, the rollout still progressing', async () => {
    // Well within the 30 s the old health wait took: a report that waited could not arrive in time.
    await eventually(
      async () => {
        const [web] = await bundles();
        expect(web).toMatchObject({ bundle: 'web', phase: 'synced', health: 'progressing' });
      },
      { timeoutMs: 20_000 },
    );
  });

  it('neither syncs nor reports a bundle again when a commit adds another next to it', async () => {
    const first = (await bundles())[0].commit;
    const before = new Date();
    const commit = await repo.commit({
      'fleet/extra.yaml': bundleFor('extra', ns),
      'apps/extra/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n`,
    });
    await eventually(
      async () => {
        expect((await bundles()).map((b) => [b.bundle, b.commit, b.phase])).toEqual([
          ['extra', commit, 'synced'],
          ['web', first, 'synced'],
        ]);
      },
      { timeoutMs: 20_000 },
    );
    const reported = await db.query<{ bundle: string }>(`SELECT DISTINCT bundle FROM status_report WHERE received_at >= $1`, [before]);
    expect(reported.map((r) => r.bundle)).toEqual(['extra']);
  });
});
