/**
 * Fleet fan-out: how long a fleet commit takes to reach every cluster. Starts a hub on the
 * real PostgreSQL (or embedded with BENCH_EMBEDDED=1), N simulated clusters with their
 * agents in this process, waits for the first commit to land everywhere, then commits a
 * change and measures commit → every cluster synced at it, a few times.
 *
 *   node dist/test/bench/fleet-fanout.js          (BENCH_CLUSTERS=20 BENCH_ROUNDS=3)
 *
 * BENCH_HUB_REPLICAS=<n> (real PostgreSQL only) starts n hubs on one database and spreads the
 * agents across them; only the first polls the fleet repo, so the agents on the others get
 * each new TargetSet through the replicas' session signals.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';
import { commitReached, fetchClusters, isFleetSynced } from '../../scripts/status-table';
import { bundleFor } from '../support/bundles';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POLL_MS = 200;
const REPLICAS = Number(process.env.BENCH_HUB_REPLICAS ?? 1);

const bundle = bundleFor('app', 'app');
const manifests = (round: number) => `apiVersion: v1
kind: Namespace
metadata:
  name: app
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  round: "${round}"
`;

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-fanout-'));
  const db = process.env.BENCH_EMBEDDED === '1' ? undefined : await createThrowawayDatabase('gitfleet_bench');
  const repo = await BareRepo.create({ root: join(work, 'repo') });
  await repo.commit({ 'fleet/app.yaml': bundle, 'apps/app/app.yaml': manifests(0) }, 'round 0');
  const token = randomBytes(24).toString('hex');
  if (REPLICAS > 1 && db === undefined) throw new Error('BENCH_HUB_REPLICAS needs the real PostgreSQL (not BENCH_EMBEDDED)');
  const hubs: RunningHub[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    hubs.push(
      await startHub({
        ...(db ? { databaseUrl: db.url } : {}),
        dataDir: join(work, `hub-${i}`),
        fleetRepoUrl: repo.url,
        bootstrapToken: token,
        adminToken: token,
        httpPort: 0,
        grpcPort: 0,
        fleetPollIntervalMs: i === 0 ? POLL_MS : 600_000,
        logLevel: 'error',
      }),
    );
  }
  const hub = hubs[0];
  const clusters: SimCluster[] = [];
  const agents: RunningAgent[] = [];
  try {
    const started = Date.now();
    for (let i = 0; i < CLUSTERS; i++) {
      const cluster = await startSimCluster({ name: `c${i}` });
      clusters.push(cluster);
      agents.push(
        await startAgent({
          hubAddress: hubs[i % REPLICAS].grpcAddress,
          bootstrapToken: token,
          clusterName: `c${i}`,
          clusterLabels: { index: String(i) },
          kubeconfig: cluster.kubeconfig,
          cacheDir: join(work, `agent-${i}`),
          logLevel: 'error',
        }),
      );
    }
    /** Every cluster connected and synced, and the commit reached on all of them (the hub's commit gate). */
    const fleetAt = async (commit: string) =>
      isFleetSynced(await fetchClusters(hub.httpUrl, token), CLUSTERS) && (await commitReached(hub.httpUrl, token, commit));
    let head = await repo.head();
    await waitUntil(async () => await fleetAt(head), 120_000, 'first sync');
    console.log(
      `fleet-fanout: ${CLUSTERS} clusters registered and synced from cold start in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const latencies: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const t0 = Date.now();
      head = await repo.commit({ 'apps/app/app.yaml': manifests(round) }, `round ${round}`);
      await waitUntil(async () => await fleetAt(head), 60_000, `round ${round}`);
      latencies.push(Date.now() - t0);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `fleet-fanout: commit → all ${CLUSTERS} clusters synced: median ${sorted[Math.floor(sorted.length / 2)]} ms, ` +
        `max ${sorted[sorted.length - 1]} ms over ${ROUNDS} commits (poll interval ${POLL_MS} ms, no webhook` +
        `${REPLICAS > 1 ? `; ${REPLICAS} hub replicas, agents spread across them, only the first polling` : ''})`,
    );
  } finally {
    await Promise.allSettled(agents.map((a) => a.stop()));
    for (const h of hubs) await h.stop();
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await db?.drop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`fleet-fanout failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
