/**
 * Many clusters on one hub (issue 16): the hub in its own process on the real PostgreSQL (a
 * database of its own), N fake agents (fake-agents/, a connection each, several processes)
 * that register, connect, ack TargetSets and report. Per fleet size and run it prints the
 * issue's figures, each with the machine's load (1-minute loadavg) when it was taken:
 *
 *   register + connect + first report acked, all   — cold start of the whole fleet
 *   steady RSS                                      — the hub, a few seconds after
 *   commit → all TargetSets received                — from the push of a fleet commit
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
 *     polls the fleet repository and is profiled); RSS and CPU figures are their sums
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
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';
import { FakeFleet, type AgentCondition, type AgentTimes, type FakeAgentSpec } from './fake-agents/fake-fleet';
import { printRun, printTable, type Figure } from './figures';
import { commitGate, dashboardFleetData, listAll, pushWebhook, rolloutOf } from './hub-http';
import { replicasTogether, startHubProcess, type HubProcess } from './hub-process';
import { Phases, printProfile, profilingOptions } from './phase-profile';
import { cpuSplit, listenOverflows, machineCpu, type CpuSnapshot, type Syscalls } from './proc-stats';

const SIZES = (process.env.BENCH_SIZES ?? process.env.BENCH_AGENTS ?? '1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** More Node options for the hub processes (BENCH_HUB_NODE_ARGS, space-separated), after the chart's (shippedNodeArgs). */
const HUB_NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
/** Registrations in flight per generator process: a fleet coming up together registers at once. */
const REGISTER_CONCURRENCY = Number(process.env.BENCH_REGISTER_CONCURRENCY ?? 250);
/** Hub replicas on the one database, the agents spread across them (RSS and CPU are their sums). */
const REPLICAS = Number(process.env.BENCH_HUB_REPLICAS ?? 1);
const LIMIT = 20 * 60_000;
/** Fleet commits measured per run, a few seconds apart. */
const COMMITS = Number(process.env.BENCH_COMMITS ?? 1);
/**
 * How the hub learns of a commit: `poll` (the fleet repository polled every 0.2 s, as the issue
 * measured) or `webhook` (a signed GitHub push notification sent right after the commit, polling
 * every 60 s behind it — how a hub meant to react in seconds is set up).
 */
const TRIGGER = process.env.BENCH_TRIGGER ?? 'webhook';
if (TRIGGER !== 'poll' && TRIGGER !== 'webhook') throw new Error(`BENCH_TRIGGER must be poll or webhook, not ${TRIGGER}`);
/** Phases after the cold start and the commits: `read` (list and dashboard), `resync` (unchanged reports again), `storm` (all agents restart). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'read,storm').split(',').filter((p) => p !== ''));

/** The resync phase's reports spread over this many seconds. */
const RESYNC_SECONDS = Number(process.env.BENCH_RESYNC_SECONDS ?? 0);

/** `<autoPartitionSize>/<maxUnavailable>`: the bundle rolls out progressively (see the header). */
const ROLLOUT = process.env.BENCH_ROLLOUT?.split('/');
if (ROLLOUT !== undefined && ROLLOUT.length !== 2)
  throw new Error('BENCH_ROLLOUT must be <autoPartitionSize>/<maxUnavailable>, e.g. 25%/25%');

const BUNDLE =
  bundleFor('app', 'app') +
  (ROLLOUT === undefined
    ? ''
    : `  rollout:\n    autoPartitionSize: "${ROLLOUT[0]}"\n    maxUnavailable: "${ROLLOUT[1]}"\n    pauseOnFailure: false\n`);
const manifests = (round: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app\ndata:\n  round: "${round}"\n`;

/**
 * Bundles on every cluster (BENCH_BUNDLES, 1): `app`, which every commit changes, and
 * `app-2` … `app-<n>`, which no commit after the first touches, as a fleet's add-ons sit
 * beside the one bundle a commit is about. Those keep their first commit (neither their spec nor
 * their files change), so a commit's reports and events are `app`'s; every bundle's status is
 * still counted.
 */
const BUNDLES = Number(process.env.BENCH_BUNDLES ?? 1);
if (!Number.isInteger(BUNDLES) || BUNDLES < 1) throw new Error(`BENCH_BUNDLES must be a whole number of at least 1, not ${BUNDLES}`);
/** The fleet repository's first commit: every bundle and its manifests. */
function firstCommitFiles(): Record<string, string> {
  const files: Record<string, string> = { 'fleet/app.yaml': BUNDLE, 'apps/app/app.yaml': manifests(0) };
  for (let i = 2; i <= BUNDLES; i++) {
    files[`fleet/app-${i}.yaml`] = bundleFor(`app-${i}`, 'app');
    files[`apps/app-${i}/app.yaml`] = manifests(0).replace('name: settings', `name: settings-${i}`);
  }
  return files;
}

/**
 * What the phases of one run share: the processes and the database measured, the fleet
 * repository, the figures noted so far and the profile's phase marks.
 */
interface Run {
  size: number;
  /** Every hub's bootstrap, admin and webhook token. */
  token: string;
  repo: BareRepo;
  /** The commit every agent is to be synced to: the fleet repository's last. */
  head: string;
  db: ThrowawayDatabase;
  /** Where the hubs keep their data. */
  work: string;
  /** Every hub (BENCH_HUB_REPLICAS), the agents spread across them. */
  hubs: HubProcess[];
  /** The first hub: it follows the fleet repository, takes the webhooks, serves the reads and is the one profiled. */
  hub: HubProcess;
  /** The hubs' CPU time, RSS and system calls, summed. */
  hubsTogether: Pick<HubProcess, 'cpuMs' | 'rss' | 'syscalls'>;
  pg: Client;
  /** The agents, once the cold start has started them. */
  fleet: FakeFleet | undefined;
  phases: Phases;
  profileDir: string;
  /** When the hubs were spawned, which is where the first one's CPU profile starts. */
  spawnedAt: number;
  figures: Figure[];
}

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

/** The fleet repository with its first commit, the hubs on a database of their own, and start-up's phase mark. */
async function startRun(size: number, runNumber: number): Promise<Run> {
  const db = await createThrowawayDatabase('gitfleet_bench_scale');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-scale-'));
  const profileDir = resolve('test-output', `scale-profile-${size}-${runNumber}`);
  if (PROFILE) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }
  const head = await repo.commit(firstCommitFiles());
  const token = randomBytes(16).toString('hex');
  const profiling = profilingOptions(profileDir);
  const spawnedAt = Date.now();
  const startReplica = (index: number) =>
    startHubProcess(
      {
        DATABASE_URL: db.url,
        HUB_DATA_DIR: join(work, `hub-${index}`),
        FLEET_REPO_URL: repo.url,
        // The first replica follows the fleet repository; the others hear of its TargetSets by signal.
        FLEET_POLL_INTERVAL: index === 0 && TRIGGER === 'poll' ? '0.2' : index === 0 ? '60' : '600',
        WEBHOOK_SECRET: token,
        BOOTSTRAP_TOKEN: token,
        ADMIN_TOKEN: token,
        HEARTBEAT_INTERVAL: '10',
        LOG_LEVEL: process.env.BENCH_HUB_LOG_LEVEL ?? 'warn',
        ...(process.env.GRPC_MAX_HANDSHAKES ? { GRPC_MAX_HANDSHAKES: process.env.GRPC_MAX_HANDSHAKES } : {}),
        ...(PROFILE && index === 0 ? profiling.env : {}),
      },
      [...HUB_NODE_ARGS, ...(PROFILE && index === 0 ? profiling.execArgv : [])],
    );
  const hubs = [await startReplica(0)];
  for (let i = 1; i < REPLICAS; i++) hubs.push(await startReplica(i));
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const phases = new Phases(PROFILE ? hubs[0].child : undefined);
  await phases.begin();
  return {
    size,
    token,
    repo,
    head,
    db,
    work,
    hubs,
    hub: hubs[0],
    hubsTogether: replicasTogether(hubs),
    pg,
    fleet: undefined,
    phases,
    profileDir,
    spawnedAt,
    figures: [],
  };
}

/** Everything a run started, stopped and removed, whether or not its phases got through. */
async function stopRun(run: Run): Promise<void> {
  await run.fleet?.stop();
  await run.pg.end();
  for (const h of run.hubs) await h.stop();
  await run.db.drop().catch(() => undefined);
  await run.repo.remove();
  await rm(run.work, { recursive: true, force: true });
}

/** Cold start: every agent registers, connects, gets its TargetSet and has its report acked. */
async function coldStart(run: Run): Promise<FakeFleet> {
  const { size, hubs } = run;
  const specs: FakeAgentSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `fake-${String(i).padStart(5, '0')}`,
    hubAddress: hubs[i % hubs.length].grpcAddress,
    bootstrapToken: run.token,
    labels: { group: `g${i % 10}`, index: String(i) },
  }));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtColdStart = await cpuNow(run);
  const from = Date.now();
  const fleet = await FakeFleet.start(specs, {
    hubAddress: run.hub.grpcAddress,
    heartbeatMs: 10_000,
    fetchArtifacts: false,
    registerConcurrency: REGISTER_CONCURRENCY,
    processes: PROCESSES,
  });
  run.fleet = fleet;
  const agents = await fleet.until(synced(run.head), LIMIT, `${size} agents to register and have their first report acked`, 500);
  const registered = agents.map((a) => a.registeredAt!);
  note(run, 'register + connect + first report acked, all (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  noteValue(run, '  registrations/s', ((size * 1000) / (max(registered) - Math.min(...registered) || 1)).toFixed(0));
  noteAckSpread(run, agents, from);
  noteValue(run, '  failed stream attempts at cold start', String(sum(agents.map((a) => a.streamFailures))));
  noteValue(run, '  failed registration attempts (retried)', String(sum(agents.map((a) => a.registerFailures))));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, cold start (ms)', cpuAtColdStart);
  noteSyscalls(run, '  hub reads / writes per agent, cold start', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s at cold start: hub / generators / postgres / bench / rest', cpuAtColdStart);
  printErrors(agents);
  await run.phases.end('cold start', from);
  return fleet;
}

/** Whether the cold start is slow throughout or waits on a tail (agents backing off). */
function noteAckSpread(run: Run, agents: AgentTimes[], from: number): void {
  noteValue(
    run,
    '  half / 90 % / 99 % of the agents acked by (s)',
    spread(
      agents.map((a) => a.reportsAckedAt! - from),
      1,
    ),
  );
}

/** `half / 90 % / 99 %` of durations in ms, in seconds. */
function spread(ms: number[], digits = 2): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000).toFixed(digits);
  return `${at(0.5)} / ${at(0.9)} / ${at(0.99)}`;
}

/** The hubs' RSS with the whole fleet connected and quiet, a few seconds after the cold start. */
async function steadyRss(run: Run): Promise<void> {
  await sleep(5_000);
  noteValue(run, 'steady RSS (MB)', ((await run.hubsTogether.rss()) / 1024 / 1024).toFixed(0));
}

/**
 * Fleet commits: TargetSets, acks, reports, events. Several (BENCH_COMMITS) a few seconds apart,
 * so that they land at different points of the hub's heartbeat rounds.
 */
async function commits(run: Run, fleet: FakeFleet): Promise<void> {
  for (let round = 1; round <= COMMITS; round++) {
    if (round > 1) await sleep(2_000 + Math.random() * 3_000);
    await commit(run, fleet, round);
  }
}

/** One fleet commit, from its push until every TargetSet, report and fleet event is in. */
async function commit(run: Run, fleet: FakeFleet, round: number): Promise<void> {
  const { size, pg } = run;
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtCommit = await cpuNow(run);
  const eventIdBefore = (await pg.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM fleet_event`)).rows[0].id;
  const from = Date.now();
  const head = await run.repo.commit({ 'apps/app/app.yaml': manifests(round) }, `round ${round}`);
  run.head = head;
  if (TRIGGER === 'webhook') await pushWebhook(run.hub.httpUrl, run.token, run.repo.url, run.repo.branch);
  // The times cross over once, after the acks: an agent's targetSetAt stays that of this
  // commit's TargetSet until the next.
  await fleet.reach({ commit: head, acked: false }, LIMIT, 'every TargetSet at the new commit', 20);
  const agents = await fleet.until(synced(head), LIMIT, 'every report at the new commit acked', 20);
  note(run, 'commit → all TargetSets received (s)', (max(agents.map((a) => a.targetSetAt!)) - from) / 1000);
  const firstTargetSet = Math.min(...agents.map((a) => a.targetSetAt!));
  // What comes before any TargetSet: the webhook, the fetch, the checks, the packing and the placement.
  noteValue(run, '  commit → first TargetSet received (s)', ((firstTargetSet - from) / 1000).toFixed(2));
  // Deltas (only the targets that changed) where the agent held the TargetSet before; a refused one is a hub bug.
  noteValue(
    run,
    '  TargetSets as deltas / deltas refused (whole run)',
    `${agents.filter((a) => a.lastWasDelta).length} / ${sum(agents.map((a) => a.deltaRefusals))}`,
  );
  // Whether the reports trail the TargetSets by a constant (the status path's latency) or gather
  // in a tail at the end (its throughput).
  noteValue(run, '  TargetSets: half / 90 % / 99 % by (s)', spread(agents.map((a) => a.targetSetAt! - from)));
  noteValue(run, '  reports acked: half / 90 % / 99 % by (s)', spread(agents.map((a) => a.reportsAckedAt! - from)));
  // The hub acks a report once its row is committed, so the last ack is when the last row
  // was stored; the rows are counted once to hold it to that (polled until there otherwise,
  // which would be a bug: the figure then takes the later time).
  // (Counted there at the first query, the figure is the last ack: the count itself comes after
  // the times crossed over from the generators, which is the bench's latency, not the hub's.)
  const acked = max(agents.map((a) => a.reportsAckedAt!));
  // The commit each bundle's targets name: `app`'s is the head; a bundle the commit left exactly
  // as it was keeps its earlier one (hub/src/fleet-repo/content-commits.ts), and its clusters
  // report nothing for it. Every cluster's every bundle is counted at its own.
  const targetCommits = (
    await pg.query<{ name: string; commit: string }>(
      `SELECT name, COALESCE(spec->'source'->>'contentCommit', spec->'source'->>'commit') AS commit FROM bundle`,
    )
  ).rows;
  const changed = targetCommits.filter((b) => b.commit === head).length;
  const counted = await pollCount(
    pg,
    `SELECT count(*)::int AS n FROM bundle_status s JOIN unnest($1::text[], $2::text[]) AS b(bundle, commit) ON (s.bundle, s.commit) = (b.bundle, b.commit)`,
    [targetCommits.map((b) => b.name), targetCommits.map((b) => b.commit)],
    size * BUNDLES,
  );
  const persistedAt = counted.queries === 1 ? acked : counted.at;
  if (counted.queries > 1) console.log(`    !! reports acked ${persistedAt - acked} ms before their rows were all there`);
  note(run, 'commit → all StatusReports acked and persisted (s)', (persistedAt - from) / 1000);
  noteValue(run, '  rows counted, after the last ack (ms)', String(counted.at - acked));
  // Only the events since the commit's are counted (the type index, from the id before it): the
  // poll must not scan every earlier commit's events on the database the hub is writing to.
  const { at: eventsAt } = await pollCount(
    pg,
    `SELECT count(*)::int AS n FROM fleet_event WHERE type = 'sync.succeeded' AND id > $2 AND commit = $1`,
    [head, eventIdBefore],
    size * changed,
  );
  note(run, 'fleet events finished (s)', (eventsAt - from) / 1000);
  noteValue(run, 'status rows/s while writing', ((size * changed * 1000) / Math.max(1, persistedAt - firstTargetSet)).toFixed(0));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, commit → events (ms)', cpuAtCommit);
  noteSyscalls(run, '  hub reads / writes per agent, commit → events', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s: hub / generators / postgres / bench / rest', cpuAtCommit);
  await run.phases.end(COMMITS === 1 ? 'commit' : `commit ${round}`, from);
}

/**
 * The read side: the whole cluster list, the dashboard's fleet data, the commit gate (and the
 * rollout, with BENCH_ROLLOUT), each a profile phase of its own, and the hubs' peak RSS meanwhile.
 */
async function readSide(run: Run): Promise<void> {
  // The list's time counts from before the first RSS read (a read of /proc), as it always has:
  // its figures stay comparable with the earlier rounds'.
  const from = Date.now();
  let peakRss = await run.hubsTogether.rss();
  const sampler = setInterval(() => void run.hubsTogether.rss().then((rss) => (peakRss = Math.max(peakRss, rss))), 100);
  await clusterList(run, from);
  await dashboardData(run);
  await commitGates(run);
  if (ROLLOUT !== undefined) await rolloutReads(run);
  clearInterval(sampler);
  noteValue(run, '  hub peak RSS while serving (MB)', (peakRss / 1024 / 1024).toFixed(0));
}

/** The whole cluster list, every page at the largest page size; then twice more, unprofiled. */
async function clusterList(run: Run, from: number): Promise<void> {
  const { size, token, hub } = run;
  const listed = await listAll(hub.httpUrl, token, '/api/v1/clusters');
  if (listed !== size) throw new Error(`GET /api/v1/clusters listed ${listed} clusters, not ${size}`);
  note(run, 'whole cluster list via GET /api/v1/clusters (s)', (Date.now() - from) / 1000);
  // Each read is a phase of its own: its statements and profile apart.
  await run.phases.end('read: cluster list', from);
  // Twice more, outside the profiled phase: one list's time moved by half between runs of
  // the same code (1.02-1.69 s at 10,000); three tell a change from that.
  const again: string[] = [];
  for (let i = 0; i < 2; i++) {
    const at = Date.now();
    const count = await listAll(hub.httpUrl, token, '/api/v1/clusters');
    if (count !== size) throw new Error(`GET /api/v1/clusters listed ${count} clusters, not ${size}`);
    again.push(((Date.now() - at) / 1000).toFixed(2));
  }
  noteValue(run, '  the whole list again, twice (s)', again.join(' / '));
}

/** What the dashboard's fleet view loads. */
async function dashboardData(run: Run): Promise<void> {
  const from = Date.now();
  await dashboardFleetData(run.hub.httpUrl, run.token);
  note(run, 'dashboard fleet data (s)', (Date.now() - from) / 1000);
  await run.phases.end('read: dashboard', from);
}

/**
 * The commit gate, what a pipeline polls after its push: three in a row, as it polls, since one
 * answer can fall on a collection of the list's garbage.
 */
async function commitGates(run: Run): Promise<void> {
  const { size, head } = run;
  const from = Date.now();
  const times: number[] = [];
  let gate = { state: '', clusters: 0, bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const askedAt = Date.now();
    gate = await commitGate(run.hub.httpUrl, run.token, head);
    times.push((Date.now() - askedAt) / 1000);
    if (gate.state !== 'reached' || gate.clusters !== size)
      throw new Error(`GET /api/v1/commits/${head} answered ${gate.state} over ${gate.clusters} clusters, not reached on ${size}`);
  }
  noteValue(run, 'commit gate via GET /api/v1/commits/:commit, 3 in a row (s)', times.map((g) => g.toFixed(2)).join(' / '));
  noteValue(run, '  its answer (KB)', (gate.bytes / 1024).toFixed(0));
  await run.phases.end('read: commit gate', from);
}

/** What `gitfleet rollout app` and the dashboard's rollout page read, three in a row. */
async function rolloutReads(run: Run): Promise<void> {
  const { size } = run;
  const from = Date.now();
  const times: number[] = [];
  let view = { state: '', clusters: 0, listed: 0, bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const askedAt = Date.now();
    view = await rolloutOf(run.hub.httpUrl, run.token, 'app');
    times.push((Date.now() - askedAt) / 1000);
    if (view.clusters !== size) throw new Error(`GET /api/v1/rollouts/app counted ${view.clusters} clusters, not ${size}`);
  }
  noteValue(run, 'rollout via GET /api/v1/rollouts/app, 3 in a row (s)', times.map((t) => t.toFixed(2)).join(' / '));
  if (view.state !== 'done') throw new Error(`the rollout of app is ${view.state} after the commit, not done`);
  noteValue(run, '  its answer (KB) / clusters listed', `${(view.bytes / 1024).toFixed(0)} / ${view.listed}`);
  await run.phases.end('read: rollout', from);
}

/**
 * Every agent says its unchanged status again, as on a periodic resync: what a status that
 * changes nothing costs the hub (with BENCH_ROLLOUT, whether it calls for rollout steps).
 */
async function resync(run: Run, fleet: FakeFleet): Promise<void> {
  const { size } = run;
  const cpuBefore = await run.hubsTogether.cpuMs();
  const from = Date.now();
  await fleet.resync(RESYNC_SECONDS * 1000);
  const agents = await fleet.until(synced(run.head), LIMIT, 'every agent to have its repeated report acked', 200);
  note(
    run,
    `every agent reports again, unchanged${RESYNC_SECONDS > 0 ? ` over ${RESYNC_SECONDS} s` : ''} → all acked (s)`,
    (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000,
  );
  // What the reports set off after their acks (rollout steps) runs on: counted over 5 s more.
  await sleep(5_000);
  noteValue(
    run,
    '  hub CPU per repeated report, acks and 5 s after (ms)',
    (((await run.hubsTogether.cpuMs()) - cpuBefore) / size).toFixed(2),
  );
  await run.phases.end('resync', from);
}

/** The restart storm: every agent restarts at once, reconnects with the TargetSet it holds and reports again. */
async function storm(run: Run, fleet: FakeFleet): Promise<void> {
  const before = (await fleet.times()).agents;
  const failuresBefore = sum(before.map((a) => a.streamFailures));
  const busyBefore = sum(before.map((a) => a.busyRefusals));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtStorm = await cpuNow(run);
  const from = Date.now();
  await fleet.restart();
  const agents = await fleet.until(synced(run.head), LIMIT, 'every restarted agent to have its report acked', 200);
  note(run, 'all agents restarted → all in sync again (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  printErrors(agents);
  noteValue(run, '  failed stream attempts in the storm', String(sum(agents.map((a) => a.streamFailures)) - failuresBefore));
  noteValue(run, '  of which refused busy (retry hint)', String(sum(agents.map((a) => a.busyRefusals)) - busyBefore));
  await noteHubCpuPerAgent(run, '  hub CPU per reconnect (ms)', cpuAtStorm);
  noteSyscalls(run, '  hub reads / writes per reconnect', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s in the storm: hub / generators / postgres / bench / rest', cpuAtStorm);
  await run.phases.end('restart storm', from);
}

function note(run: Run, what: string, seconds: number): void {
  run.figures.push({ what, seconds, load: loadavg()[0] });
}

function noteValue(run: Run, what: string, value: string): void {
  run.figures.push({ what, value, load: loadavg()[0] });
}

function noteSyscalls(run: Run, what: string, before: Syscalls, after: Syscalls): void {
  noteValue(
    run,
    what,
    `${((after.reads - before.reads) / run.size).toFixed(1)} / ${((after.writes - before.writes) / run.size).toFixed(1)}`,
  );
}

/**
 * CPU so far, by part: the generators count from their start, so a phase before it (the cold
 * start) counts all of theirs.
 */
async function cpuNow(run: Run): Promise<CpuSnapshot> {
  return {
    hubMs: await run.hubsTogether.cpuMs(),
    generatorsMs: run.fleet === undefined ? 0 : (await run.fleet.times()).cpuMs,
    machine: await machineCpu(),
    bench: process.cpuUsage(),
  };
}

async function noteCpu(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, cpuSplit(before, await cpuNow(run)));
}

async function noteHubCpuPerAgent(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, (((await run.hubsTogether.cpuMs()) - before.hubMs) / run.size).toFixed(2));
}

/** How the agents' streams last ended, when some did (RESOURCE_EXHAUSTED is admission control). */
function printErrors(agents: AgentTimes[]): void {
  const errors = new Map<string, number>();
  for (const a of agents) if (a.streamFailures > 0) errors.set(a.lastError ?? '?', (errors.get(a.lastError ?? '?') ?? 0) + 1);
  for (const [error, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 5))
    console.log(`    ${n} agents last failed with ${error.slice(0, 120)}`);
}

function synced(commit: string): AgentCondition {
  return { commit, acked: true };
}

/** Counts with `sql` (every 25 ms) until there are `want`: when that was seen, and after how many queries. */
async function pollCount(pg: Client, sql: string, params: unknown[], want: number): Promise<{ at: number; queries: number }> {
  const deadline = Date.now() + LIMIT;
  for (let queries = 1; ; queries++) {
    const { rows } = await pg.query<{ n: number }>(sql, params);
    if (rows[0].n >= want) return { at: Date.now(), queries };
    if (Date.now() > deadline) throw new Error(`timed out: ${sql} counted ${rows[0].n} of ${want}`);
    await sleep(25);
  }
}

function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
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
