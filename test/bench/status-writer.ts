/**
 * The hub's status write path saturated (issue 16): what it stores per second when reports
 * arrive faster than it can write them. The scale bench cannot show this — there the rate is
 * set by how fast its fake agents report. Here a hub runs in this process on the real
 * PostgreSQL (a database of its own); BENCH_CLUSTERS clusters are written straight into the
 * database and placed (one bundle each, so their reports become current statuses); then
 * BENCH_REPORTS reports are handed to StatusService.store as the gateway hands them, all at
 * once and in rounds: every cluster reports each round, phases alternating so that each
 * round changes every status and fleet events are derived. It prints, with the load average:
 *
 *   rows/s stored     reports acknowledged (their batch committed) per second
 *   ack latency       submit → acknowledged, p50 / p99
 *   fleet events/s    events derived from those reports and stored
 *   batches           how many, and rows per batch
 *   hub CPU and RSS   of this process (the generator's share is a few percent)
 *   PostgreSQL CPU    of all its processes while the reports were written (the machine's: run
 *                     nothing else against the server)
 *
 *   npm run build:bench && node --expose-gc dist/test/bench/status-writer.js
 *     BENCH_CLUSTERS=10000  BENCH_REPORTS=100000  BENCH_ROUNDS_IN_FLIGHT=2
 *     BENCH_BUNDLES=1: bundles placed on every cluster; each round reports the next bundle of
 *     each cluster (a fleet's clusters run tens of bundles, so their TargetSets are larger)
 *     BENCH_RESOURCES=0: resources listed in each report, with a change-set summary when above
 *     0 (an agent lists every object of the bundle; 0 measures the statement's smallest input)
 *
 * FINDINGS (`BENCH_CLUSTERS=10000 BENCH_REPORTS=100000`, 190,000 fleet events derived):
 *   - Before: 12,074 rows/s, ack p50/p99 1,226/1,717 ms, 70 µs of hub CPU per report, 500 rows
 *     per batch, one batch at a time (load 1.6). The CPU profile: pg escaping the 14 array
 *     parameters element by element (arrayString/escapeElement, ~8 %), every fleet event parsed
 *     back (RETURNING *), GC; and the hub a quarter idle while each batch ran in PostgreSQL.
 *   - Changed, in order: batches of up to 2,000 (17,686 rows/s, load 1.8); each batch one JSON
 *     parameter (json_to_recordset), fleet events returning only their ids and time (16,816-
 *     17,185 rows/s at load 2.7-3.0, 64-66 µs per report); two writer lanes partitioned by
 *     cluster, so one lane prepares while the other's statement runs: 24,617 and 24,999 rows/s,
 *     ack p50/p99 507-546/829-833 ms, 20,514-21,410 fleet events/s, peak RSS 411-445 MB (load 1.8).
 *   - Re-measured on a busier machine: 18,681 rows/s, 73 µs per report (load 1.6). Profile: GC
 *     16 %, and 7 % in FleetEventsService forgetting its oldest delivered id through the Set's
 *     iteration order, which walks every deleted entry not yet compacted (~6 µs per event; a
 *     ring of slots now); the `before` read of each batch a round trip with two 2,000-element
 *     arrays escaped in JavaScript. That read is now part of the batch's statement (same
 *     snapshot, so it sees exactly what the upsert replaces), its rows matched in the hub — a
 *     join in SQL was planned as 2,000 × 2,000 loops over CTEs (3 s a batch). After both:
 *     24,926 and 24,623 rows/s, 50-51 µs per report, ack p50/p99 465-471/1,281-1,362 ms,
 *     22,293-23,086 fleet events/s, peak RSS 416-453 MB (load 1.5).
 *   - On a Firecracker VM, three runs each: the history tables' foreign keys to cluster (two
 *     lookups and row locks on the cluster per report) dropped, migration 1736600000000:
 *     20,984-22,631 -> 23,153-23,940 rows/s, PostgreSQL's CPU per run (the sum of its processes'
 *     /proc times, setup included) 9.92-10.55 -> 9.34-9.70 s (load 1.9-2.2).
 *   - A slow 2-core machine (load 1.9-2.7), the batch as an array literal per column instead of one
 *     JSON document (pg-arrays.ts), three alternated pairs: 20,407/22,519/19,845 ->
 *     23,697/18,733/19,746 rows/s, PostgreSQL's CPU per report 87/78/83 -> 66/80/79 µs: within
 *     the spread: these reports carry no resources and no summary, the input the change reads
 *     faster (docs/scale-rounds.md, eighteenth round: 43 % of the statement with ten resources).
 *     BENCH_BUNDLES=30 (3,124 bytes of targets a cluster): 17,471 rows/s, 17,641 with one bundle.
 *   - Reports as agents send them, ten resources and a summary each (`BENCH_RESOURCES=10
 *     BENCH_REPORTS=60000`), three alternated pairs against d80e245: 4,355/4,440/4,812 ->
 *     7,268/8,273/9,214 rows/s, PostgreSQL's CPU per report 331/330/290 -> 180/153/135 µs, ack
 *     p50 2,837/2,878/2,685 -> 1,667/1,500/1,244 ms, hub CPU per report 131/128/114 ->
 *     130/114/112 µs (load 2.1-3.0). Still under half the rows/s of reports without resources:
 *     the resources are parsed into jsonb (42 µs a report of ten: docs/scale-rounds.md,
 *     eighteenth round) and stored three times (history, current status, what the cluster runs).
 *   - Those three copies are each over the size PostgreSQL compresses at (2.4 KB of jsonb for
 *     ten resources), each compressed with pglz. With lz4 (migration 1736800000000), on a
 *     2-core machine between the two above, three alternated pairs of `BENCH_RESOURCES=10
 *     BENCH_REPORTS=60000`: 12,188/11,500/11,825 -> 12,684/13,358/13,162 rows/s, PostgreSQL's
 *     CPU per report 116/120/116 -> 108/104/104 µs; `BENCH_RESOURCES=30 BENCH_REPORTS=30000`,
 *     two pairs: 5,412/5,620 -> 6,541/6,837 rows/s, 233/237 -> 181/181 µs (load 1.9-2.6).
 *     Reports without resources, the same machine: 31,204 rows/s, 49 µs of PostgreSQL's.
 *   - The batch's answer as one row of three JSON arrays (the reports stored, those now current,
 *     the statuses before) where it was three rows a report, and each report's key built once
 *     (`BENCH_REPORTS=60000`, three alternated pairs, load 0.6-1.5): hub CPU per report
 *     46/48/48 -> 39/39/42 µs, 34,240/32,758/32,208 -> 37,032/36,369/33,984 rows/s,
 *     PostgreSQL's CPU per report 45/47/49 -> 47/47/51 µs. The eighteenth round tried the JSON
 *     answer alone on a slower machine and measured no gain (docs/scale-rounds.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHub } from '../../hub/src/hub';
import { PlacementService } from '../../hub/src/placement/placement.service';
import { StatusEvents } from '../../hub/src/events/status-events.service';
import { StatusService } from '../../hub/src/status/status.service';
import type { ReceivedReport } from '../../hub/src/status/report';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';
import { machineCpu } from './proc-stats';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 10_000);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 100_000);
/** Rounds submitted before the oldest must be acknowledged: reports keep arriving while batches are written. */
const ROUNDS_IN_FLIGHT = Number(process.env.BENCH_ROUNDS_IN_FLIGHT ?? 2);
const BUNDLES = Number(process.env.BENCH_BUNDLES ?? 1);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 0);
const bundleName = (b: number) => (BUNDLES === 1 ? 'app' : `app-${String(b).padStart(2, '0')}`);

const load = () => loadavg()[0].toFixed(1);

async function main(): Promise<void> {
  const db = await createThrowawayDatabase('gitfleet_bench_status');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-status-'));
  const files: Record<string, string> = {};
  for (let b = 0; b < BUNDLES; b++) {
    const name = bundleName(b);
    files[`fleet/${name}.yaml`] = bundleFor(name, name);
    files[`apps/${name}/cm.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${name}\n`;
  }
  await repo.commit(files);
  const token = randomBytes(16).toString('hex');
  const { hub, app } = await launchHub({
    databaseUrl: db.url,
    dataDir: join(work, 'hub'),
    fleetRepoUrl: repo.url,
    bootstrapToken: token,
    httpPort: 0,
    grpcPort: 0,
    fleetPollIntervalMs: 600_000,
    logLevel: 'warn',
  });
  try {
    await db.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state, state_changed_at)
       SELECT gen_random_uuid(), 'c-' || lpad(n::text, 6, '0'), 'uid-' || n, '{}', 'x', 'bench', now(), true, 'active', now()
       FROM generate_series(1, $1::int) AS n`,
      [CLUSTERS],
    );
    await app.get(PlacementService).replaceAll();
    const placed = await db.query<{ id: string; revision: string; commit: string }>(
      `SELECT DISTINCT ON (t.cluster_id) t.cluster_id::text AS id, t.revision::text AS revision, b.commit
       FROM target_set t JOIN target_set_target tt ON tt.cluster_id = t.cluster_id JOIN target_body b ON b.id = tt.body_id
       ORDER BY t.cluster_id, tt.bundle COLLATE "C"`,
    );
    if (placed.length !== CLUSTERS) throw new Error(`${placed.length} of ${CLUSTERS} clusters were placed`);
    const [{ bytes }] = await db.query<{ bytes: number }>(
      `SELECT avg(bytes)::int AS bytes FROM (SELECT sum(pg_column_size(tt.*)) AS bytes FROM target_set_target tt GROUP BY cluster_id) AS c`,
    );
    const status = app.get(StatusService);
    const events = app.get(StatusEvents);
    const eventsBefore = await count(db, 'fleet_event');

    const rounds = Math.ceil(REPORTS / CLUSTERS);
    const latencies: number[] = [];
    let seq = BigInt(Date.now()) * 1000n;
    const round = (n: number): Promise<void>[] =>
      placed.slice(0, Math.min(CLUSTERS, REPORTS - n * CLUSTERS)).map((cluster) => {
        // Each round the next bundle; its phase flips each time it comes round again, so every
        // report changes its status and derives fleet events.
        const flip = Math.floor(n / BUNDLES) % 2 === 0;
        const bundle = bundleName(n % BUNDLES);
        const report: ReceivedReport = {
          seq: String(++seq),
          bundle,
          commit: cluster.commit,
          phase: flip ? 'synced' : 'failed',
          message: flip ? '' : `round ${n}: apply failed: ConfigMap ${bundle}/${bundle}: the server refused it`,
          resources: Array.from({ length: RESOURCES }, (_, r) => ({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            namespace: bundle,
            name: `${bundle}-${r}`,
            action: 'unchanged' as const,
            error: '',
            health: 'healthy' as const,
            healthMessage: '',
            drifted: false,
            driftDiff: '',
          })),
          observedAt: new Date(),
          targetSetRevision: cluster.revision,
          health: flip ? 'healthy' : 'degraded',
          summary: RESOURCES === 0 ? null : { created: 0, configured: 0, unchanged: RESOURCES, deleted: 0, skipped: 0, failed: 0 },
          driftCount: 0,
          syncStartedAt: null,
          reason: 'sync',
        };
        const submitted = performance.now();
        return status.store(cluster.id, report).then(() => void latencies.push(performance.now() - submitted));
      });

    const cpuBefore = process.cpuUsage();
    const machineBefore = await machineCpu();
    const from = performance.now();
    const inFlight: Promise<void>[][] = [];
    let peakRss = process.memoryUsage().rss;
    for (let n = 0; n < rounds; n++) {
      inFlight.push(round(n));
      if (inFlight.length >= ROUNDS_IN_FLIGHT) await Promise.all(inFlight.shift()!);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    for (const pending of inFlight) await Promise.all(pending);
    const stored = performance.now() - from;
    await events.settled();
    const withEvents = performance.now() - from;
    const cpu = process.cpuUsage(cpuBefore);
    const machine = await machineCpu();
    const eventCount = (await count(db, 'fleet_event')) - eventsBefore;
    const rows = await count(db, 'status_report');
    const batches = await db.query<{ n: number }>(`SELECT count(DISTINCT xmin::text)::int AS n FROM status_report`);

    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(0);
    console.log(
      `status writer: ${CLUSTERS} clusters × ${BUNDLES} bundle(s), ${latencies.length} reports of ${RESOURCES} resource(s) in ${rounds} rounds, ${ROUNDS_IN_FLIGHT} rounds in flight`,
    );
    console.log(`  TargetSet targets stored (bytes)    ${String(bytes).padStart(8)}`);
    console.log(`  rows/s stored (acknowledged)        ${((latencies.length * 1000) / stored).toFixed(0).padStart(8)}   (load ${load()})`);
    console.log(`  ack latency p50 / p99 (ms)          ${`${pct(50)} / ${pct(99)}`.padStart(8)}`);
    console.log(`  fleet events stored                 ${String(eventCount).padStart(8)}`);
    console.log(`  fleet events/s (until all stored)   ${((eventCount * 1000) / withEvents).toFixed(0).padStart(8)}`);
    console.log(`  history rows                        ${String(rows).padStart(8)}`);
    console.log(
      `  batches (transactions)              ${String(batches[0].n).padStart(8)}   ${(rows / batches[0].n).toFixed(0)} rows each`,
    );
    console.log(`  hub CPU per report (µs)             ${((cpu.user + cpu.system) / latencies.length).toFixed(0).padStart(8)}`);
    console.log(
      `  PostgreSQL CPU per report (µs)      ${(((machine.postgresMs - machineBefore.postgresMs) * 1000) / latencies.length).toFixed(0).padStart(8)}`,
    );
    console.log(`  peak RSS (MB)                       ${(peakRss / 1024 / 1024).toFixed(0).padStart(8)}`);
    if (rows !== latencies.length) throw new Error(`${latencies.length} reports acknowledged but ${rows} rows in status_report`);
  } finally {
    await hub.stop();
    await db.drop();
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  }
}

async function count(db: { query<T>(sql: string): Promise<T[]> }, table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
