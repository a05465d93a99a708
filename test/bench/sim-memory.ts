/**
 * sim-memory: how much memory a simulated cluster takes. Starts N simulated clusters (50 by
 * default) in this process, applies a small app to each through @kubernetes/client-node
 * (Namespace, ConfigMap, Deployment of 2 replicas, Service), waits until every Deployment is
 * Available, and prints heap and RSS before and after, in total and per cluster.
 *
 *   npm run build:bench && node dist/test/bench/sim-memory.js [--clusters N]
 */
import { AppsV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSimCluster, type SimCluster } from '#kube-sim';

const DEADLINE_MS = 120_000;
const MiB = 1024 * 1024;

function app(): (KubernetesObject & Record<string, unknown>)[] {
  const labels = { app: 'shop' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-settings', namespace: 'shop' },
      data: { mode: 'fast', currency: 'EUR' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop', namespace: 'shop', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              { name: 'shop', image: 'nginx:1.25', ports: [{ containerPort: 80 }], envFrom: [{ configMapRef: { name: 'shop-settings' } }] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] },
    },
  ];
}

/** A full collection before each reading, so the figures are live memory, not garbage. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

function reading(gc: () => void): { heap: number; rss: number } {
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

async function deployApp(cluster: SimCluster): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of app()) await client.patch(object, undefined, undefined, 'sim-memory', true, PatchStrategy.ServerSideApply);
}

async function waitAvailable(cluster: SimCluster, deadline: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  const apps = kc.makeApiClient(AppsV1Api);
  for (;;) {
    const deployment = await apps.readNamespacedDeployment({ name: 'shop', namespace: 'shop' });
    if (
      deployment.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') &&
      deployment.status.availableReplicas === 2
    )
      return;
    if (Date.now() > deadline) throw new Error(`${cluster.name}: Deployment not Available in time: ${JSON.stringify(deployment.status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function parseClusters(argv: string[]): number {
  const at = argv.indexOf('--clusters');
  const n = at >= 0 ? Number(argv[at + 1]) : 50;
  if (!Number.isInteger(n) || n < 1) throw new Error('--clusters must be a positive integer');
  return n;
}

async function main(): Promise<void> {
  const count = parseClusters(process.argv.slice(2));
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  const watchdog = setTimeout(() => {
    console.error(`sim-memory: gave up after ${DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, DEADLINE_MS);
  watchdog.unref();
  const gc = collector();
  // Warm up once (TLS identity, module code) so the baseline does not charge it to cluster 1.
  const warm = await startSimCluster({ name: 'warm-up' });
  await warm.stop();
  const before = reading(gc);

  const clusters: SimCluster[] = [];
  for (let i = 0; i < count; i++) clusters.push(await startSimCluster({ name: `mem-${i + 1}`, workloadReadyDelayMs: 200 }));
  const empty = reading(gc);
  await Promise.all(clusters.map((c) => deployApp(c)));
  await Promise.all(clusters.map((c) => waitAvailable(c, deadline)));
  const ready = Date.now();
  const after = reading(gc);

  const mib = (bytes: number) => (bytes / MiB).toFixed(1);
  console.log(`sim-memory: baseline heap ${mib(before.heap)} MiB, RSS ${mib(before.rss)} MiB`);
  console.log(`sim-memory: ${count} clusters started: heap +${mib(empty.heap - before.heap)} MiB, RSS +${mib(empty.rss - before.rss)} MiB`);
  console.log(`sim-memory: app applied and all ${count} Deployments Available in ${((ready - started) / 1000).toFixed(1)} s`);
  console.log(
    `sim-memory: ${count} clusters, RSS +${mib(after.rss - before.rss)} MiB (${mib((after.rss - before.rss) / count)} MiB per cluster), ` +
      `heap +${mib(after.heap - before.heap)} MiB (${mib((after.heap - before.heap) / count)} MiB per cluster)`,
  );
  await Promise.all(clusters.map((c) => c.stop()));
  clearTimeout(watchdog);
}

main().catch((error: unknown) => {
  console.error('sim-memory failed:', error);
  process.exit(1);
});
