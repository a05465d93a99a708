/**
 * The demo: a hub on embedded PostgreSQL, a local fleet repository made from examples/,
 * and simulated clusters each with its agent, all in this one process. Prints the URL and a
 * status table that follows the fleet. Edit, commit and `git push` in the printed work tree to
 * watch a change travel; Ctrl-C stops everything. Settings: see demoSettings (and README.md).
 * `npm run demo` starts it through scripts/demo.cjs, which builds only when sources changed.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { BareRepo } from './bare-repo';
import { acquireDemoLock, DemoAlreadyRunning, type DemoLock } from './demo-lock';
import { commitReached, fetchClusters, renderStatusTable, isFleetSynced } from './status-table';

interface DemoCluster {
  name: string;
  labels: Record<string, string>;
}

const CLUSTER_CATALOGUE: DemoCluster[] = [
  { name: 'eu-west-prod', labels: { env: 'prod', region: 'eu-west' } },
  { name: 'us-east-prod', labels: { env: 'prod', region: 'us-east' } },
  { name: 'dev-sandbox', labels: { env: 'dev', region: 'eu-west' } },
  { name: 'ap-south-prod', labels: { env: 'prod', region: 'ap-south' } },
  { name: 'staging', labels: { env: 'staging', region: 'us-east' } },
];

/** What the demo can be told (environment variables, documented in README.md). */
export interface DemoSettings {
  /** DEMO_DIR (.gitfleet/demo): the fleet repository, the hub's data, kubeconfigs, the lock. */
  dir: string;
  /** DEMO_CLUSTERS (3): simulated clusters, 1 to 5. */
  clusters: number;
  /** HTTP_PORT (8080), GRPC_PORT (9090); 0 picks free ports. */
  httpPort: number;
  grpcPort: number;
  /** DEMO_RESET=1: recreate the fleet repository from examples/ (it is otherwise kept, with your commits). */
  reset: boolean;
  /** DEMO_EXIT_WHEN_SYNCED=1: stop once every cluster is synced. */
  exitWhenSynced: boolean;
  /** ADMIN_TOKEN: the admin token to use; a new one otherwise. */
  adminToken: string | undefined;
  /** LOG_LEVEL (warn) of hub and agents. */
  logLevel: string;
}

export function demoSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  return {
    dir: resolve(env.DEMO_DIR || '.gitfleet/demo'),
    clusters: int('DEMO_CLUSTERS', 3, 1, CLUSTER_CATALOGUE.length),
    httpPort: int('HTTP_PORT', 8080, 0, 65535),
    grpcPort: int('GRPC_PORT', 9090, 0, 65535),
    reset: env.DEMO_RESET === '1',
    exitWhenSynced: env.DEMO_EXIT_WHEN_SYNCED === '1',
    adminToken: env.ADMIN_TOKEN || undefined,
    logLevel: env.LOG_LEVEL || 'warn',
  };
}

export interface RunningDemo {
  hub: RunningHub;
  repo: BareRepo;
  adminToken: string;
  /** Resolves when the demo stopped by itself (DEMO_EXIT_WHEN_SYNCED). */
  finished: Promise<void>;
  stop(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The fleet repo survives demo restarts so that a user's own commits stay; reset starts over.
 * Its work tree tracks the bare repository's branch, so a plain `git push` works there.
 */
async function prepareFleetRepo(root: string, reset: boolean): Promise<BareRepo> {
  const repoRoot = join(root, 'fleet-repo');
  if (reset) await rm(repoRoot, { recursive: true, force: true });
  let repo: BareRepo;
  if (await exists(join(repoRoot, 'repo.git'))) {
    repo = await BareRepo.open(repoRoot);
  } else {
    await mkdir(repoRoot, { recursive: true });
    repo = await BareRepo.create({ root: repoRoot });
    await cp(await examplesDir(), repo.workPath, { recursive: true });
    await repo.commit({}, 'Demo fleet from examples/fleet-repo');
  }
  await repo.git('branch', `--set-upstream-to=origin/${repo.branch}`);
  // `git commit` needs an identity; a user without one configured gets the demo's, here only.
  const identity = await repo.git('config', 'user.email').catch(() => '');
  if (identity === '') {
    await repo.git('config', 'user.name', 'gitfleet demo');
    await repo.git('config', 'user.email', 'demo@gitfleet.invalid');
  }
  return repo;
}

/** examples/fleet-repo, found from the sources (scripts/) or the compiled demo (dist/scripts/). */
async function examplesDir(): Promise<string> {
  for (const candidate of [resolve(__dirname, '..', 'examples', 'fleet-repo'), resolve(__dirname, '..', '..', 'examples', 'fleet-repo')]) {
    if (await exists(candidate)) return candidate;
  }
  throw new Error(`examples/fleet-repo not found near ${__dirname}`);
}

/** Refuses ports another program holds before anything is started. */
async function ensurePortFree(port: number, variable: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((done, fail) => probe.once('error', fail).listen(port, '127.0.0.1', () => done()));
  } catch {
    throw new Error(`port ${port} (${variable}) is taken by another program; set ${variable} to a free port`);
  } finally {
    await new Promise<void>((done) => (probe.listening ? probe.close(() => done()) : done()));
  }
}

/** Where the demo prints; a terminal gets the table redrawn in place. */
export interface DemoOutput {
  write(text: string): void;
  interactive: boolean;
}

const STDOUT: DemoOutput = { write: (text) => void process.stdout.write(text), interactive: process.stdout.isTTY === true };

/** Starts the demo in this process. */
export async function startDemo(settings: DemoSettings, out: DemoOutput = STDOUT): Promise<RunningDemo> {
  const started = Date.now();
  const root = settings.dir;
  // Before anything is deleted or bound: only one demo per DEMO_DIR.
  const lock: DemoLock = acquireDemoLock(root);
  const stoppers: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    stoppers.length = 0;
    lock.release();
  };
  try {
    await ensurePortFree(settings.httpPort, 'HTTP_PORT');
    await ensurePortFree(settings.grpcPort, 'GRPC_PORT');
    const repo = await prepareFleetRepo(root, settings.reset);
    // Hub state and clusters are made anew each run: simulated clusters live in memory, so a
    // kept hub database would hold registrations for clusters that no longer exist.
    const hubDir = join(root, 'hub');
    await rm(hubDir, { recursive: true, force: true });
    const bootstrapToken = randomBytes(24).toString('base64url');
    const adminToken = settings.adminToken ?? `demo-${randomBytes(24).toString('base64url')}`;
    const hub = await startHub({
      fleetRepoUrl: repo.url,
      bootstrapToken,
      adminToken,
      dataDir: hubDir,
      httpPort: settings.httpPort,
      grpcPort: settings.grpcPort,
      fleetPollIntervalMs: 2_000,
      logLevel: settings.logLevel,
    });
    stoppers.push(() => hub.stop());
    lock.update({ httpUrl: hub.httpUrl });

    const clusters: SimCluster[] = [];
    const agents: RunningAgent[] = [];
    stoppers.push(() => Promise.allSettled(clusters.map((c) => c.stop())));
    stoppers.push(() => Promise.allSettled(agents.map((a) => a.stop())));
    for (const spec of CLUSTER_CATALOGUE.slice(0, settings.clusters)) {
      const cluster = await startSimCluster({ name: spec.name, kubeconfigPath: join(root, 'clusters', `${spec.name}.kubeconfig`) });
      clusters.push(cluster);
      agents.push(
        await startAgent({
          hubAddress: hub.grpcAddress,
          bootstrapToken,
          clusterName: spec.name,
          clusterLabels: spec.labels,
          kubeconfig: cluster.kubeconfig,
          cacheDir: join(root, 'agent-cache', spec.name),
          logLevel: settings.logLevel,
        }),
      );
    }
    const status = followStatus({ hub, repo, adminToken, settings, started, out });
    stoppers.push(() => status.stop());
    const finished = status.finished.then(stopAll);
    return { hub, repo, adminToken, finished, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Prints the header and the status table as the fleet changes, until stopped (or synced, with exitWhenSynced). */
function followStatus(d: {
  hub: RunningHub;
  repo: BareRepo;
  adminToken: string;
  settings: DemoSettings;
  started: number;
  out: DemoOutput;
}): { finished: Promise<void>; stop(): Promise<void> } {
  const { hub, repo, adminToken, settings } = d;
  const cli = `GITFLEET_HUB=${hub.httpUrl} GITFLEET_TOKEN=${adminToken} node dist/cli/src/main.js`;
  const header = [
    `gitfleet demo — dashboard ${hub.httpUrl}/#token=${adminToken}`,
    `hub API ${hub.httpUrl}/api/v1 (docs ${hub.httpUrl}/api/docs), gRPC ${hub.grpcAddress}; admin token: ${adminToken}`,
    `CLI: ${cli} status`,
    `fleet repo work tree: ${repo.workPath}  (edit, git commit -am …, git push: changes reach the clusters;`,
    `  ${cli} wait --commit "$(git -C ${repo.workPath} rev-parse HEAD)" waits for them)`,
    `kubeconfigs: ${join(settings.dir, 'clusters')}/<cluster>.kubeconfig   (kubectl --kubeconfig … get all -A)`,
  ].join('\n');
  const interactive = d.out.interactive && !settings.exitWhenSynced;
  const write = (text: string) => d.out.write(text);
  let stopped = false;
  let wake: (() => void) | undefined;
  const finished = (async () => {
    let lastTable = '';
    let reportedConvergence = false;
    while (!stopped) {
      try {
        const items = await fetchClusters(hub.httpUrl, adminToken);
        const head = await repo.head();
        const table = renderStatusTable(items);
        if (interactive) write(`\x1b[2J\x1b[H${header}\n\n${table}\n\nCtrl-C to stop.\n`);
        else if (table !== lastTable) write(`${lastTable === '' ? `${header}\n\n` : ''}${table}\n\n`);
        lastTable = table;
        if (!reportedConvergence && isFleetSynced(items, settings.clusters) && (await commitReached(hub.httpUrl, adminToken, head))) {
          reportedConvergence = true;
          const seconds = ((Date.now() - d.started) / 1000).toFixed(1);
          write(`fleet converged: ${settings.clusters} clusters synced at ${head.slice(0, 7)} ${seconds} s after start\n`);
          if (settings.exitWhenSynced) return;
        }
      } catch (err) {
        if (!stopped) write(`demo: status not available yet: ${(err as Error).message}\n`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1_000);
      });
    }
  })();
  return {
    finished,
    async stop() {
      stopped = true;
      wake?.();
      await finished;
    },
  };
}

/** As a program: settings from the environment, Ctrl-C stops everything, failures in one line. */
export async function runDemoProgram(): Promise<void> {
  let demo: RunningDemo;
  try {
    demo = await startDemo(demoSettings(process.env));
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof DemoAlreadyRunning ? error.message : `cannot start: ${(error as Error).message}`}\n`);
    process.exit(1);
  }
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await demo.finished;
  process.exit(0);
}

// The compiled script is CommonJS: run when executed (or by scripts/demo.cjs), not when imported (tests import startDemo).
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void runDemoProgram();
