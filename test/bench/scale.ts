/**
 * Many clusters on one hub (issue 16): the hub in its own process on the real PostgreSQL (a
 * database of its own), N fake agents (fake-agents/, a connection each, several processes)
 * that register, connect, ack TargetSets and report. Per fleet size and run it prints the
 * issue's figures, each with the machine's load (1-minute loadavg) when it was taken:
 *
 *   register + connect + first report acked, all   — cold start of the whole fleet
 *   steady RSS                                      — the hub, a few seconds after
 *   commit → all TargetSets received                — from the bench's fleet commit (its git commit
 *                                                     and push included: a line of its own says how long)
 *   commit → all StatusReports acked and persisted  — acks at the agents, rows in bundle_status
 *   fleet events finished                           — one sync.succeeded per cluster in fleet_event
 *   status rows/s while writing                     — reports / (last persisted − first TargetSet)
 *   whole cluster list via GET /api/v1/clusters     — every page at the largest page size
 *   dashboard fleet data                            — what the dashboard's fleet view loads
 *   commit gate via GET /api/v1/commits/:commit     — what a pipeline polls after its push (three
 *                                                     in a row, each timed; the read side's
 *                                                     three reads are profile phases of their own)
 *   all agents restarted → all in sync again        — every agent reconnects, Hello with the
 *                                                     checksum it holds, reports again, all acked
 *
 *   npm run build:bench && node dist/test/bench/scale.js
 *     BENCH_SIZES=1000,5000,10000 (or BENCH_AGENTS=1000)  BENCH_RUNS=1  BENCH_PROCESSES=4
 *     BENCH_HUB_NODE_ARGS="<node options>" for the hub processes, after the chart's own
 *     (hub-process.ts shippedNodeArgs: --max-semi-space-size=64; =16 measures V8's default)
 *     BENCH_HUB_LOG=<file>: the hubs' output (log lines, --trace-gc) appended there;
 *     BENCH_HUB_LOG_LEVEL=<level> (warn)
 *     BENCH_AGENT_CLIENT=h2 (default) or grpc-js: what the fake agents speak gitfleet.v1 with
 *     (fake-agents/agent-clients.ts; grpc-js is the real agent's library, at twice the CPU)
 *     BENCH_STATUS_ACKS=single: the fake agents do not announce status-acks/v1, so the hub acks
 *     each report with a message of its own, as for agents that predate it
 *     BENCH_REGISTER_CONCURRENCY=250: registrations in flight per generator process (25 before
 *     registration was batched: that measured the generator, ~100 in flight, not the hub)
 *     GRPC_MAX_HANDSHAKES=<n> is passed to the hub (admission control; its default otherwise)
 *     BENCH_HUB_REPLICAS=<n>: n hubs on the one database, agents spread across them (the first
 *     polls the fleet repository and is profiled); RSS and CPU figures are their sums, and each
 *     commit also prints when the agents of each replica all had their TargetSets (the first
 *     replica, which the webhook reaches and which places, then the others, which hear by signal)
 *     BENCH_PROFILE=1: the hub runs with --cpu-prof/--heap-prof; the profiles (written when it
 *     exits) land in test-output/scale-profile-<size>-<run>/, and the top functions by self time
 *     are printed per phase from a CPU profile taken over that phase alone (inspector-free:
 *     the profile's samples carry timestamps, which are cut at the phase boundaries).
 *
 * BENCH_PROFILE=1 also preloads count-queries.ts: the SQL statements the hub sent in each phase.
 * BENCH_CPU_PROFILE=<dir>: each generator process writes a CPU profile there as it exits.
 *
 * BENCH_TRIGGER=webhook (the default): a signed push webhook right after each commit, the hub
 *   polling every 60 s. BENCH_TRIGGER=poll: no webhook, the hub polls every 0.2 s ("commit →"
 *   figures then include up to 0.2 s of poll delay). The first three rounds below polled; the
 *   fourth found that polling five times a second (no deployment does: the default is 15 s)
 *   forks the whole hub process for git that often and was half the hub's CPU in a storm.
 * BENCH_COMMITS=<n>: fleet commits measured per run, a few seconds apart (1).
 * BENCH_BUNDLES=<n>: bundles on every cluster (1); each commit changes the first one's files only.
 * BENCH_PHASES=read,storm: the phases after the commits; empty for cold start and commits only;
 *   `resync` (not by default): every agent reports its unchanged status again, as on a periodic
 *   resync, and the hub's CPU is counted until 5 s after the last ack. BENCH_RESYNC_SECONDS=<s>
 *   spreads the reports over that long (default 0: all at once), as resyncs of a fleet fall.
 * BENCH_ROLLOUT=<autoPartitionSize>/<maxUnavailable> (e.g. 25%/25%): the bench's bundle has a
 *   progressive rollout with those settings, so each commit goes out partition by partition and
 *   wave by wave; the commit figures then span the whole rollout (with BENCH_PROFILE=1, the
 *   phase's statements count the steps: one `INSERT INTO rollout` each).
 *
 * Every round of measurement — what each machine showed, what was changed, what was tried and
 * not kept, with the commands — is in docs/scale-rounds.md; docs/scaling.md has the figures now.
 */
import { printRun, printTable, type Figure } from './figures';
import { printProfile } from './phase-profile';
import { listenOverflows } from './proc-stats';
import { coldStart, steadyRss } from './scale/cold-start';
import { commits } from './scale/commits';
import { readSide } from './scale/read-side';
import { resync } from './scale/resync';
import { noteValue } from './scale/run-figures';
import { startRun, stopRun } from './scale/run-setup';
import { BUNDLES, PHASES, PROCESSES, PROFILE, REPLICAS, RUNS, SIZES } from './scale/settings';
import { storm } from './scale/storm';

/** One run at one fleet size: its phases in order, and whatever it started stopped however they end. */
async function measure(size: number, runNumber: number): Promise<Figure[]> {
  const run = await startRun(size, runNumber);
  try {
    const overflowsBefore = await listenOverflows();
    const fleet = await coldStart(run);
    await steadyRss(run);
    await commits(run, fleet);
    if (PHASES.has('read')) await readSide(run);
    if (PHASES.has('resync')) await resync(run, fleet);
    if (PHASES.has('storm')) await storm(run, fleet);
    noteValue(run, '  listen queue overflows (whole run, machine-wide)', String((await listenOverflows()) - overflowsBefore));
  } finally {
    await stopRun(run);
  }
  if (PROFILE) await printProfile(run.profileDir, run.spawnedAt, run.phases.list, size);
  return run.figures;
}

async function main(): Promise<void> {
  console.log(
    `scale: ${SIZES.join(', ')} fake agents × ${RUNS} run(s), ${BUNDLES} bundle(s) a cluster, ${PROCESSES} generator processes, ${REPLICAS} hub replica(s) on PostgreSQL`,
  );
  const results = new Map<number, Figure[][]>();
  for (const size of SIZES) {
    for (let run = 1; run <= RUNS; run++) {
      const figures = await measure(size, run);
      results.set(size, [...(results.get(size) ?? []), figures]);
      printRun(`${size} agents, run ${run}`, figures);
    }
  }
  printTable(SIZES, results);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
