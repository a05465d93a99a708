/**
 * The bundle endpoints of the REST API over a large fleet (issue 16: lists served from indexed
 * queries and summaries, memory bounded while serving). BENCH_CLUSTERS clusters (10,000 by
 * default) are written straight into a database of their own and placed by a hub in this
 * process: four bundles on every cluster and one (`edge`) on a tenth of them, each placement
 * with a current status (mostly synced and healthy, some rolling out, some failed and degraded,
 * some never reported), a twentieth of the clusters unreachable. Then, for each endpoint, a
 * fresh hub process (the built hub, as in production) on that database answers it BENCH_RUNS
 * times; it prints the time per answer (median and slowest), the size of the answer, and the
 * hub's RSS before and at its peak while serving (sampled every 20 ms).
 *
 *   npm run build:bench && node --expose-gc dist/test/bench/bundle-reads.js
 *     BENCH_CLUSTERS=10000  BENCH_RUNS=5  BENCH_ONLY=<part of a reading's description>
 *     BENCH_PROFILE_DIR=<dir>: a CPU profile of each hub process there
 *
 * Endpoints the hub does not serve (404) are reported as such, so that the same script measures
 * the code before and after the bundle clusters became a paged list of their own.
 *
 * FINDINGS (10,000 clusters, 41,000 placements, ~38,950 statuses; two runs each, the old build
 * and the new one back to back, on the 2-core machine shared with other work, load 2.5-5.3):
 *   - Before: every call read every cluster, TargetSet and status row and built every bundle's
 *     list of clusters. GET /api/v1/bundles 1.31/1.36 s (median of 5), a 6.2 MB answer, the
 *     hub's RSS from ~137 MB to a peak of 406/410 MB; /bundles/app-1 1.01/1.29 s (1.5 MB) and
 *     /bundles/edge 0.95/1.07 s with the same peak, since the whole fleet was read for one bundle;
 *     a token scoped to a tenth 1.03/1.17 s, peak 371-376 MB.
 *   - After: the counts are one statement grouped in PostgreSQL (a few rows per bundle).
 *     GET /api/v1/bundles 0.28/0.40 s, a 4 KB answer, RSS unchanged (peak 137-138 MB);
 *     /bundles/app-1 0.09/0.26 s, /bundles/edge 0.06/0.14 s; scoped (the fleet walked 2,000
 *     clusters at a time) 0.35/0.38 s, peak 165-168 MB. The first page of 50 of a bundle's
 *     clusters 20-33 ms, peak +1-3 MB; all 10,000 of app-1 in 20 pages of 500 1.19/1.62 s,
 *     peak +16-28 MB; its failed clusters (one page: the whole fleet read 500 at a time)
 *     1.08/1.43 s. GET /api/v1/summary, unchanged, for scale: 1.17-1.90 s, peak 300-347 MB.
 *
 * SECOND ROUND, GET /api/v1/summary counted in PostgreSQL as the bundle list is (one run per
 * build, `BENCH_ONLY=summary`, another machine, load 1.2-1.7), median of 5, before → after:
 * unscoped 746 → 120 ms (RSS peak +184 MB → none), groupBy=group 744 → 161 ms (+225 MB → +1),
 * scoped to a tenth 696 → 162 ms (+169 MB → +32: the fleet walked 2,000 clusters at a time).
 * Then the cluster list's filters checked on the cluster rows in PostgreSQL (`BENCH_ONLY=clusters?`):
 * name=c-0099 717 → 24 ms (RSS peak +149 MB → +8), a name nothing has 783 → 8 ms, state=revoked
 * (none) 803 → 5 ms, label=group=g3 95 → 52 ms, connectivity=unreachable 149 → 53 ms (first 50).
 * The whole list, unfiltered, in pages of 500 (`BENCH_ONLY="clusters, every"`): 1,032 ms before,
 * 920–965 ms after (no filter to check; 5 bundles per cluster make it slower than the scale bench's).
 * A bundle's clusters by phase, the phase's necessary facts checked in PostgreSQL (reachable, and
 * the reported phases it can come from; `BENCH_ONLY=phase=failed`): every page 690–725 → 24 ms.
 * The cluster list by phase the same way (`BENCH_ONLY=clusters?phase`), ~1,900 clusters with a
 * failed bundle, every page: 870 → 325 ms, RSS peak +156 → +35 MB.
 *
 * THIRD ROUND, the whole cluster list (`BENCH_ONLY="clusters, every"`, a slow 2-core machine,
 * load 2.1–2.7, six runs before and three after, alternated): the hub's profile put postgres-date
 * first (two timestamps of every status parsed into Dates, only to be written back as text) and
 * TypeORM's find second (500 ids expanded into 500 named parameters, an entity built per row).
 * A page's statuses are now one statement with the ids as one array and the time written by
 * PostgreSQL as the answer shows it (isoTimeSql): medians 1,784–2,351 ms (1.93 s in the three
 * runs alternated with the after ones) → 1,518–1,757 ms.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHub } from '../../hub/src/hub';
import { PlacementService } from '../../hub/src/placement/placement.service';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';
import { startHubProcess, type HubProcess } from './hub-process';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Only the readings whose description contains this text. */
const ONLY = process.env.BENCH_ONLY ?? '';
/** A directory: each hub process writes a CPU profile there (node --cpu-prof). */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

const EDGE = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: edge
spec:
  source:
    path: apps/edge
  namespace: edge
  targets:
    - clusterSelector:
        matchLabels: { group: g0 }
`;
const GROUP = `apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: g1
spec:
  selector:
    matchLabels: { group: g1 }
`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

interface Reading {
  /** What a client asks, in one or more requests (all pages of a list). */
  what: string;
  read(get: (path: string) => Promise<{ status: number; body: string }>): Promise<{ bytes: number; requests: number } | 'not served'>;
}

/** One request; 'not served' when the hub answers 404 (an endpoint the measured code lacks). */
const one =
  (path: string): Reading['read'] =>
  async (get) => {
    const { status, body } = await get(path);
    return status === 404 ? 'not served' : { bytes: body.length, requests: 1 };
  };

/** Every page of a list, 500 at a time. */
const allPages =
  (path: string): Reading['read'] =>
  async (get) => {
    let bytes = 0;
    let requests = 0;
    let cursor: string | null = null;
    do {
      const { status, body } = await get(`${path}${path.includes('?') ? '&' : '?'}limit=500${cursor === null ? '' : `&cursor=${cursor}`}`);
      if (status === 404) return 'not served';
      bytes += body.length;
      requests++;
      cursor = (JSON.parse(body) as { next: string | null }).next;
    } while (cursor !== null);
    return { bytes, requests };
  };

const READINGS: (Reading & { scoped?: boolean })[] = [
  { what: 'GET /api/v1/bundles', read: one('/api/v1/bundles') },
  { what: 'GET /api/v1/bundles (token scoped to a tenth)', read: one('/api/v1/bundles'), scoped: true },
  { what: 'GET /api/v1/bundles/app-1', read: one('/api/v1/bundles/app-1') },
  { what: 'GET /api/v1/bundles/edge', read: one('/api/v1/bundles/edge') },
  { what: 'GET /api/v1/bundles/app-1/clusters (first 50)', read: one('/api/v1/bundles/app-1/clusters') },
  { what: 'GET /api/v1/bundles/edge/clusters (first 50)', read: one('/api/v1/bundles/edge/clusters') },
  { what: 'GET /api/v1/bundles/app-1/clusters, every page of 500', read: allPages('/api/v1/bundles/app-1/clusters') },
  { what: 'GET /api/v1/bundles/app-1/clusters?phase=failed, every page', read: allPages('/api/v1/bundles/app-1/clusters?phase=failed') },
  { what: 'GET /api/v1/clusters, every page of 500', read: allPages('/api/v1/clusters') },
  { what: 'GET /api/v1/clusters?name=c-0099 (10 matches)', read: one('/api/v1/clusters?name=c-0099') },
  { what: 'GET /api/v1/clusters?name=nomatch', read: one('/api/v1/clusters?name=nomatch') },
  { what: 'GET /api/v1/clusters?label=group=g3 (first 50)', read: one('/api/v1/clusters?label=group%3Dg3') },
  { what: 'GET /api/v1/clusters?connectivity=unreachable (first 50)', read: one('/api/v1/clusters?connectivity=unreachable') },
  { what: 'GET /api/v1/clusters?phase=failed, every page', read: allPages('/api/v1/clusters?phase=failed') },
  { what: 'GET /api/v1/clusters?state=revoked (none)', read: one('/api/v1/clusters?state=revoked') },
  { what: 'GET /api/v1/summary', read: one('/api/v1/summary') },
  { what: 'GET /api/v1/summary?groupBy=group', read: one('/api/v1/summary?groupBy=group') },
  { what: 'GET /api/v1/summary (token scoped to a tenth)', read: one('/api/v1/summary'), scoped: true },
];

async function main(): Promise<void> {
  const db = await createThrowawayDatabase('gitfleet_bench_bundles');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-bundles-'));
  const files: Record<string, string> = { 'fleet/edge.yaml': EDGE, 'fleet/groups.yaml': GROUP, 'apps/edge/cm.yaml': configMap('edge') };
  for (let i = 1; i <= 4; i++) {
    files[`fleet/app-${i}.yaml`] = bundleFor(`app-${i}`, `app-${i}`);
    files[`apps/app-${i}/cm.yaml`] = configMap(`app-${i}`);
  }
  await repo.commit(files);
  const token = randomBytes(16).toString('hex');
  try {
    await seed(db, repo.url, token, join(work, 'seed'));
    const placements = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bundle_status`);
    console.log(`bundle reads: ${CLUSTERS} clusters, 5 bundles, ${placements[0].n} current statuses, ${RUNS} runs each (load ${load()})`);
    console.log(
      `  ${'what'.padEnd(66)} ${'median ms'.padStart(9)} ${'max ms'.padStart(8)} ${'KB'.padStart(8)} ${'reqs'.padStart(5)}  RSS MB before → peak`,
    );
    for (const reading of READINGS.filter((r) => r.what.includes(ONLY))) {
      const hub = await startHubProcess(
        {
          DATABASE_URL: db.url,
          HUB_DATA_DIR: join(work, 'hub'),
          FLEET_REPO_URL: repo.url,
          FLEET_POLL_INTERVAL: '600',
          BOOTSTRAP_TOKEN: token,
          ADMIN_TOKEN: token,
          LOG_LEVEL: 'warn',
        },
        PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`],
      );
      try {
        await settled(hub);
        const bearer = reading.scoped === true ? await scopedToken(hub, token) : token;
        const get = async (path: string) => {
          const response = await fetch(new URL(path, hub.httpUrl), { headers: { authorization: `Bearer ${bearer}` } });
          const body = await response.text();
          if (response.status !== 200 && response.status !== 404) throw new Error(`GET ${path} answered ${response.status}: ${body}`);
          return { status: response.status, body };
        };
        const before = await hub.rss();
        let peak = before;
        const sampler = setInterval(() => void hub.rss().then((rss) => (peak = Math.max(peak, rss))), 20);
        const times: number[] = [];
        let answer: Awaited<ReturnType<Reading['read']>> = 'not served';
        for (let run = 0; run < RUNS; run++) {
          const from = performance.now();
          answer = await reading.read(get);
          times.push(performance.now() - from);
          if (answer === 'not served') break;
        }
        clearInterval(sampler);
        peak = Math.max(peak, await hub.rss());
        if (answer === 'not served') {
          console.log(`  ${reading.what.padEnd(66)} not served`);
          continue;
        }
        times.sort((a, b) => a - b);
        console.log(
          `  ${reading.what.padEnd(66)} ${times[Math.floor(times.length / 2)].toFixed(0).padStart(9)} ${times[times.length - 1].toFixed(0).padStart(8)} ` +
            `${(answer.bytes / 1024).toFixed(0).padStart(8)} ${String(answer.requests).padStart(5)}  ${mb(before)} → ${mb(peak)}   (load ${load()})`,
        );
      } finally {
        await hub.stop();
      }
    }
  } finally {
    await db.drop();
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The fleet, written by a hub in this process: clusters as rows, their TargetSets placed by
 * the hub itself, statuses as rows derived from the TargetSets. Connected clusters have a
 * last-seen time a day ahead, so that they stay connected however long the run takes.
 */
async function seed(
  db: Awaited<ReturnType<typeof createThrowawayDatabase>>,
  repoUrl: string,
  token: string,
  dataDir: string,
): Promise<void> {
  const { hub, app } = await launchHub({
    databaseUrl: db.url,
    dataDir,
    fleetRepoUrl: repoUrl,
    bootstrapToken: token,
    httpPort: 0,
    grpcPort: 0,
    fleetPollIntervalMs: 600_000,
    logLevel: 'warn',
  });
  try {
    await db.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, last_seen_at, state, state_changed_at)
       SELECT gen_random_uuid(), 'c-' || lpad(n::text, 6, '0'), 'uid-' || n, jsonb_build_object('group', 'g' || (n % 10)), 'x', 'bench',
              now(), n % 20 <> 0, CASE WHEN n % 20 <> 0 THEN now() + interval '1 day' END, 'active', now()
       FROM generate_series(1, $1::int) AS n`,
      [CLUSTERS],
    );
    await app.get(PlacementService).replaceAll();
    // Per placement, by a hash of cluster and bundle: 5 % never reported, 5 % failed and
    // degraded, 10 % rolling out, the rest synced and healthy.
    await db.query(
      `INSERT INTO bundle_status (cluster_id, bundle, commit, phase, message, resources, last_seq, observed_at, updated_at, health, drift_count, reason)
       SELECT cluster_id, bundle, commit,
              CASE WHEN h < 20 THEN 'failed' WHEN h < 40 THEN 'progressing' ELSE 'synced' END,
              '', '[]', 1, now(), now(),
              CASE WHEN h < 20 THEN 'degraded' WHEN h < 40 THEN 'progressing' ELSE 'healthy' END, 0, 'sync'
       FROM (SELECT tt.cluster_id, tt.bundle, b.commit, abs(hashtext(tt.cluster_id::text || tt.bundle)) % 200 AS h
             FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id) AS placed
       WHERE h >= 10`,
    );
  } finally {
    await hub.stop();
  }
}

/** Until the hub's start-up work (placing the fleet at its commit) is done: its CPU time still for a second. */
async function settled(hub: HubProcess): Promise<void> {
  let cpu = await hub.cpuMs();
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await hub.cpuMs();
    if (now - cpu <= 20) return;
    cpu = now;
  }
}

async function scopedToken(hub: HubProcess, adminToken: string): Promise<string> {
  const response = await fetch(new URL('/api/v1/api-tokens', hub.httpUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `g1-${randomBytes(4).toString('hex')}`, role: 'viewer', scope: { clusterGroups: ['g1'] } }),
  });
  if (response.status !== 201) throw new Error(`creating a scoped token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const load = () => loadavg()[0].toFixed(1);

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
