/**
 * The demo: a hub on embedded PostgreSQL, a local fleet repository made from examples/,
 * and simulated clusters each with its agent, all in this one process. Prints the URL and a
 * status table that follows the fleet. Edit and commit in the printed work tree to watch a
 * change travel; Ctrl-C stops everything.
 *
 * Settings (environment): DEMO_DIR (.gitfleet/demo), HTTP_PORT (8080), GRPC_PORT (9090),
 * DEMO_CLUSTERS (3), DEMO_RESET=1 to recreate the fleet repo from examples/,
 * DEMO_EXIT_WHEN_SYNCED=1 to stop once every cluster is synced (used by the benchmark).
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { BareRepo } from '../test/support/git';
import { fetchClusters, renderStatusTable, isFleetSynced } from './status-table';

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

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The fleet repo survives demo restarts so that a user's own commits stay; DEMO_RESET=1 starts over. */
async function prepareFleetRepo(root: string): Promise<BareRepo> {
  const repoRoot = join(root, 'fleet-repo');
  if (process.env.DEMO_RESET === '1') await rm(repoRoot, { recursive: true, force: true });
  if (await exists(join(repoRoot, 'repo.git'))) return BareRepo.open(repoRoot);
  await mkdir(repoRoot, { recursive: true });
  const repo = await BareRepo.create({ root: repoRoot });
  await cp(resolve(__dirname, '..', '..', 'examples', 'fleet-repo'), repo.workPath, { recursive: true });
  await repo.commit({}, 'Demo fleet from examples/fleet-repo');
  return repo;
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = resolve(process.env.DEMO_DIR ?? '.gitfleet/demo');
  const clusterCount = intFromEnv('DEMO_CLUSTERS', 3, 1, CLUSTER_CATALOGUE.length);
  const httpPort = intFromEnv('HTTP_PORT', 8080, 0, 65535);
  const grpcPort = intFromEnv('GRPC_PORT', 9090, 0, 65535);
  const exitWhenSynced = process.env.DEMO_EXIT_WHEN_SYNCED === '1';

  const repo = await prepareFleetRepo(root);
  // Hub state and clusters are made anew each run: simulated clusters live in memory, so a
  // kept hub database would hold registrations for clusters that no longer exist.
  const hubDir = join(root, 'hub');
  await rm(hubDir, { recursive: true, force: true });
  const bootstrapToken = randomBytes(24).toString('base64url');
  // The admin API needs a token: ADMIN_TOKEN when given, else a new one, printed below for curl and the CLI.
  const adminToken = process.env.ADMIN_TOKEN ?? `demo-${randomBytes(24).toString('base64url')}`;

  const hub: RunningHub = await startHub({
    fleetRepoUrl: repo.url,
    bootstrapToken,
    adminToken,
    dataDir: hubDir,
    httpPort,
    grpcPort,
    fleetPollIntervalMs: 2_000,
    logLevel: process.env.LOG_LEVEL ?? 'warn',
  });

  const clusters: SimCluster[] = [];
  const agents: RunningAgent[] = [];
  const stopAll = async () => {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await hub.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  for (const spec of CLUSTER_CATALOGUE.slice(0, clusterCount)) {
    const cluster = await startSimCluster({
      name: spec.name,
      kubeconfigPath: join(root, 'clusters', `${spec.name}.kubeconfig`),
    });
    clusters.push(cluster);
    agents.push(
      await startAgent({
        hubAddress: hub.grpcAddress,
        bootstrapToken,
        clusterName: spec.name,
        clusterLabels: spec.labels,
        kubeconfig: cluster.kubeconfig,
        cacheDir: join(root, 'agent-cache', spec.name),
        logLevel: process.env.LOG_LEVEL ?? 'warn',
      }),
    );
  }

  const header = [
    `gitfleet demo — dashboard ${hub.httpUrl}/#token=${adminToken}`,
    `hub API ${hub.httpUrl}/api/v1 (docs ${hub.httpUrl}/api/docs), gRPC ${hub.grpcAddress}; admin token: ${adminToken}`,
    `CLI: GITFLEET_HUB=${hub.httpUrl} GITFLEET_TOKEN=${adminToken} node dist/cli/src/main.js status`,
    `fleet repo work tree: ${repo.workPath}  (edit, git commit, git push: changes reach the clusters)`,
    `kubeconfigs: ${join(root, 'clusters')}/<cluster>.kubeconfig   (kubectl --kubeconfig … get all -A)`,
  ].join('\n');
  const interactive = process.stdout.isTTY === true && !exitWhenSynced;
  let lastTable = '';
  let reportedConvergence = false;

  for (;;) {
    try {
      const items = await fetchClusters(hub.httpUrl, adminToken);
      const head = await repo.head();
      const table = renderStatusTable(items);
      if (interactive) {
        process.stdout.write(`\x1b[2J\x1b[H${header}\n\n${table}\n\nCtrl-C to stop.\n`);
      } else if (table !== lastTable) {
        process.stdout.write(`${lastTable === '' ? `${header}\n\n` : ''}${table}\n\n`);
      }
      lastTable = table;
      if (!reportedConvergence && isFleetSynced(items, head, clusterCount)) {
        reportedConvergence = true;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const line = `fleet converged: ${clusterCount} clusters synced at ${head.slice(0, 7)} ${seconds} s after start`;
        if (interactive) process.stderr.write(`${line}\n`);
        else process.stdout.write(`${line}\n`);
        if (exitWhenSynced) {
          await stopAll();
          return;
        }
      }
    } catch (err) {
      process.stderr.write(`demo: status not available yet: ${(err as Error).message}\n`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
