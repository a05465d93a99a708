/**
 * A commit that changes one of 20 bundles: what it costs on the clusters. A hub (real
 * PostgreSQL), 5 simulated clusters with real agents, 20 bundles of one ConfigMap each. Once
 * everything is synced, a commit changes bundle app-7 only (and a file no bundle uses); the
 * run prints, per cluster, which bundles synced (a sync begins with a PROGRESSING report) and
 * reported anything at all, how many writes the cluster's API server took (its store revision
 * moves on every write), and how many bundles kept their earlier commit (all but the one).
 *
 *   npm run build:bench && node dist/test/bench/one-bundle-commit.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { loadKubeConfig, ObjectClient } from '../../agent/src/kube/object-client';
import { commitReached, fetchClusters, isFleetSynced } from '../../scripts/status-table';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';

const CLUSTERS = 5;
const BUNDLES = 20;
const CHANGED = 'app-7';

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-one-bundle-'));
  const db = await createThrowawayDatabase('gitfleet_bench_one_bundle');
  const repo = await BareRepo.create({ root: join(work, 'repo') });
  const files: Record<string, string> = {};
  for (let i = 0; i < BUNDLES; i++) {
    files[`fleet/app-${i}.yaml`] = bundleFor(`app-${i}`, 'default');
    files[`apps/app-${i}/cm.yaml`] = configMap(`app-${i}`, 'one');
  }
  await repo.commit(files);
  const token = randomBytes(24).toString('hex');
  let hub: RunningHub | undefined;
  const clusters: SimCluster[] = [];
  const agents: RunningAgent[] = [];
  try {
    hub = await startHub({
      databaseUrl: db.url,
      dataDir: join(work, 'hub'),
      fleetRepoUrl: repo.url,
      bootstrapToken: token,
      adminToken: token,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 200,
      logLevel: 'error',
    });
    for (let i = 0; i < CLUSTERS; i++) {
      const cluster = await startSimCluster({ name: `c${i}` });
      clusters.push(cluster);
      agents.push(
        await startAgent({
          hubAddress: hub.grpcAddress,
          bootstrapToken: token,
          clusterName: `c${i}`,
          clusterLabels: {},
          kubeconfig: cluster.kubeconfig,
          cacheDir: join(work, `agent-${i}`),
          logLevel: 'error',
        }),
      );
    }
    const synced = async (commit: string) => {
      const views = await fetchClusters(hub!.httpUrl, token);
      return (
        isFleetSynced(views, CLUSTERS) &&
        views.every((c) => c.bundles.length === BUNDLES) &&
        (await commitReached(hub!.httpUrl, token, commit))
      );
    };
    const first = await repo.head();
    await waitUntil(() => synced(first), 120_000, 'the first sync');
    // Quiet: the simulators' controllers have settled.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const clients = clusters.map((c) => ObjectClient.fromKubeConfig(loadKubeConfig(c.kubeconfig)));
    const revisionOf = async (client: ObjectClient) => Number((await client.listAll('v1', 'Namespace', '')).resourceVersion);
    const before = await Promise.all(clients.map(revisionOf));
    const since = new Date();
    const startedAt = Date.now();
    const commit = await repo.commit({ [`apps/${CHANGED}/cm.yaml`]: configMap(CHANGED, 'two'), 'docs/README.md': 'not a bundle\n' });
    await waitUntil(() => synced(commit), 60_000, 'the commit on every cluster');
    const took = Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await Promise.all(clients.map(revisionOf));
    const rows = await db.query<{ name: string; bundle: string; phase: string }>(
      `SELECT c.name, r.bundle, r.phase FROM status_report r JOIN cluster c ON c.id = r.cluster_id
       WHERE r.received_at >= $1 ORDER BY c.name, r.bundle`,
      [since],
    );
    const kept = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bundle WHERE spec -> 'source' ->> 'contentCommit' <> $1`, [
      commit,
    ]);
    console.log(
      `one of ${BUNDLES} bundles changed (${CHANGED}), ${CLUSTERS} clusters: the commit reached every cluster in ${took} ms; ` +
        `${kept[0].n} bundles keep their earlier commit (expected ${BUNDLES - 1})`,
    );
    for (const [i, cluster] of clusters.entries()) {
      const ofCluster = rows.filter((r) => r.name === cluster.name);
      const syncedBundles = [...new Set(ofCluster.filter((r) => r.phase === 'progressing').map((r) => r.bundle))];
      const reported = [...new Set(ofCluster.map((r) => r.bundle))];
      console.log(
        `  ${cluster.name}: bundles synced ${JSON.stringify(syncedBundles)}, reported ${JSON.stringify(reported)} (expected ["${CHANGED}"] both), API writes ${after[i] - before[i]} (expected 2: ${CHANGED}'s ConfigMap and the stored TargetSet)`,
      );
    }
    for (const client of clients) client.close();
  } finally {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await hub?.stop();
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
