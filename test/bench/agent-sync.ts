/**
 * Issue 4's figures, in one bounded run against simulated clusters:
 *   1. first sync of 1,000 objects by the agent engine vs `kubectl apply --server-side`
 *   2. API writes during a re-sync of the unchanged 1,000
 *   3. out-of-band edit → drift reported, → healed
 *   4. agent RSS with 1,000 managed objects
 * Run: npm run build:bench && node dist/test/bench/agent-sync.js
 *
 * Each simulated cluster runs in a process of its own (agent-sim-process.ts), as does the
 * agent (agent-bench-worker.ts, started with the Node flags and environment the agent chart
 * uses): the simulator is single-threaded, and neither client should be measured against a
 * server that is also busy with the other cluster.
 *
 * The first sync is measured twice: on loopback, and with the simulator's requestLatencyMs
 * (every request answered n ms late, requests overlapping) — a model of a real API server,
 * whose writes wait for etcd. BENCH_LATENCY_MS=<n> sets n (default 5; 0 skips that run).
 * BENCH_AGENT_FLAGS="<flags>" replaces the chart's Node flags (for comparisons).
 * BENCH_CPU_PROFILE=<dir> writes a CPU profile of the agent and of each simulator process.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { SimClusterOptions } from '#kube-sim';
import { loadKubeConfig, ObjectClient } from '../../agent/src/kube/object-client';
import { BareRepo } from '../support/git';
import { profileArgs, waitFor } from './child-process';

const NAMESPACES = 20;
const PER_NAMESPACE = { configMaps: 20, deployments: 15, services: 15 };
const run = promisify(execFile);
const NAMESPACES_FILE = '00-namespaces.yaml';

function manifests(): Record<string, string> {
  const files: Record<string, string> = {};
  files[`bench/${NAMESPACES_FILE}`] = Array.from(
    { length: NAMESPACES },
    (_, n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench-${n}\n`,
  ).join('---\n');
  for (let n = 0; n < NAMESPACES; n++) {
    const docs: string[] = [];
    for (let i = 0; i < PER_NAMESPACE.configMaps; i++)
      docs.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\n  namespace: bench-${n}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`,
      );
    for (let i = 0; i < PER_NAMESPACE.deployments; i++) {
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: bench-${n}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: app-${i} }\n  template:\n    metadata:\n      labels: { app: app-${i} }\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          ports:\n            - containerPort: 80\n`,
      );
    }
    for (let i = 0; i < PER_NAMESPACE.services; i++)
      docs.push(
        `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: bench-${n}\nspec:\n  selector: { app: app-${i} }\n  ports:\n    - port: 80\n`,
      );
    files[`bench/10-objects-${String(n).padStart(2, '0')}.yaml`] = docs.join('---\n');
  }
  return files;
}

interface SimProcess {
  kubeconfig: string;
  /** CPU time (user + system, ms) the cluster's process has used so far. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** A fresh simulated cluster in its own process. */
async function startSimProcess(options: SimClusterOptions): Promise<SimProcess> {
  const child = fork(join(__dirname, 'agent-sim-process.js'), [JSON.stringify(options)], { execArgv: profileArgs(options.name ?? 'sim') });
  const ready = await waitFor<{ kubeconfig: string }>(child, 'ready', 60_000);
  return {
    kubeconfig: ready.kubeconfig,
    cpuMs: async () => {
      const answer = waitFor<{ ms: number }>(child, 'cpu', 10_000);
      child.send({ type: 'cpu' });
      return (await answer).ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
        setTimeout(() => child.kill(), 2000).unref();
      }),
  };
}

async function storeRevision(client: ObjectClient): Promise<number> {
  return Number((await client.listAll('v1', 'Namespace', '')).resourceVersion);
}

/** Waits until the simulated controllers stop writing (bounded). */
async function settle(client: ObjectClient, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await storeRevision(client);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await storeRevision(client);
    if (now === last || Date.now() > deadline) return;
    last = now;
  }
}

/** The agent process as the chart runs it: its Node flags and environment from the chart's values. */
function agentRuntime(): { flags: string[]; env: Record<string, string> } {
  const values = parseYaml(readFileSync(join(__dirname, '../../../charts/gitfleet-agent/values.yaml'), 'utf8')) as {
    runtime?: { nodeFlags?: string[]; mallocArenaMax?: number };
  };
  const override = process.env['BENCH_AGENT_FLAGS'];
  const flags = override !== undefined ? override.split(' ').filter(Boolean) : (values.runtime?.nodeFlags ?? []);
  const arenas = values.runtime?.mallocArenaMax;
  return { flags, env: arenas ? { MALLOC_ARENA_MAX: String(arenas) } : {} };
}

interface Party {
  /** Wall time of the first sync, ms. */
  ms: number;
  /** CPU of the client's own process during it, ms (undefined for kubectl, which is not ours to ask). */
  clientCpuMs?: number;
  /** CPU of its simulated cluster during it (controllers included), ms. */
  serverCpuMs: number;
}

interface FirstSync {
  agent: Party;
  kubectl: Party;
  /** kubectl with the agent's guarantee: Namespaces, then a server-side dry-run of everything else, then the apply. */
  kubectlValidated: Party;
}

/**
 * One first-sync comparison: the agent (in `worker`) into one fresh cluster, then, once that
 * cluster is quiet, `kubectl apply --server-side` of the same files into another. Leaves the
 * agent's cluster running (returned) for the figures that follow.
 */
async function firstSync(
  worker: ChildProcess,
  simOptions: (name: string) => SimClusterOptions,
  source: { repoUrl: string; commit: string; dir: string; work: string; files: string[] },
): Promise<FirstSync & { cluster: SimProcess; client: ObjectClient }> {
  const forAgent = await startSimProcess(simOptions('bench-agent'));
  try {
    const client = ObjectClient.fromKubeConfig(loadKubeConfig(forAgent.kubeconfig));
    const agentCpuBefore = await forAgent.cpuMs();
    worker.send({ type: 'start', start: { kubeconfig: forAgent.kubeconfig, repoUrl: source.repoUrl, commit: source.commit } });
    const started = await waitFor<{ cpuMs: number }>(worker, 'starting');
    const synced = await waitFor<{ phase: string; message: string; count: number; cpuMs: number }>(worker, 'synced', 300_000);
    if (synced.phase !== 'synced') throw new Error(`agent sync ${synced.phase}: ${synced.message}`);
    const agent: Party = {
      ms: synced.at - started.at,
      clientCpuMs: synced.cpuMs - started.cpuMs,
      serverCpuMs: (await forAgent.cpuMs()) - agentCpuBefore,
    };

    // kubectl into fresh clusters, once the agent's has gone quiet, so that they do not share the CPU.
    await settle(client);
    const rest = source.files
      .filter((f) => f !== NAMESPACES_FILE)
      .map((f) => ['-f', join(source.dir, f)])
      .flat();
    const kubectl = await timeKubectl(simOptions('bench-kubectl'), source.work, [['apply', '-f', source.dir]]);
    const kubectlValidated = await timeKubectl(simOptions('bench-kubectl-validated'), source.work, [
      ['apply', '-f', join(source.dir, NAMESPACES_FILE)],
      ['apply', '--dry-run=server', ...rest],
      ['apply', ...rest],
    ]);
    return { agent, kubectl, kubectlValidated, cluster: forAgent, client };
  } catch (error) {
    await forAgent.stop();
    throw error;
  }
}

/** Runs `kubectl <args> --server-side` steps one after another against a fresh cluster; their time together. */
async function timeKubectl(options: SimClusterOptions, work: string, steps: string[][]): Promise<Party> {
  const cluster = await startSimProcess(options);
  try {
    const kubeconfigPath = join(work, `${options.name}.kubeconfig`);
    await writeFile(kubeconfigPath, cluster.kubeconfig, { mode: 0o600 });
    const cpuBefore = await cluster.cpuMs();
    const startedAt = Date.now();
    for (const step of steps) {
      await run('kubectl', ['--kubeconfig', kubeconfigPath, ...step, '--server-side', '--field-manager=kubectl-bench'], {
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    return { ms: Date.now() - startedAt, serverCpuMs: (await cluster.cpuMs()) - cpuBefore };
  } finally {
    await cluster.stop();
  }
}

function printFirstSync(label: string, result: FirstSync): void {
  const { agent, kubectl, kubectlValidated } = result;
  console.log(
    `  ${label.padEnd(26)} agent ${String(agent.ms).padStart(5)} ms, kubectl ${String(kubectl.ms).padStart(5)} ms, ratio ${(agent.ms / kubectl.ms).toFixed(2)}` +
      `  (CPU: agent ${agent.clientCpuMs?.toFixed(0)} ms; simulator ${agent.serverCpuMs.toFixed(0)} ms for the agent, ${kubectl.serverCpuMs.toFixed(0)} ms for kubectl)`,
  );
  console.log(
    `  ${''.padEnd(26)} kubectl validating first as the agent does ${String(kubectlValidated.ms).padStart(5)} ms, ratio ${(agent.ms / kubectlValidated.ms).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  const files = manifests();
  const objectCount = NAMESPACES * (1 + PER_NAMESPACE.configMaps + PER_NAMESPACE.deployments + PER_NAMESPACE.services);
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-'));
  const repo = await BareRepo.create();
  const clusters: SimProcess[] = [];
  const latencyMs = Number(process.env['BENCH_LATENCY_MS'] ?? '5');
  const runtime = agentRuntime();
  const startWorker = (name: string): ChildProcess =>
    fork(join(__dirname, 'agent-bench-worker.js'), [], {
      execArgv: ['--expose-gc', ...runtime.flags, ...profileArgs(name)],
      env: { ...process.env, ...runtime.env },
    });
  const workers: ChildProcess[] = [];
  console.log(
    `agent process: node ${runtime.flags.join(' ') || '(no flags)'}${Object.entries(runtime.env)
      .map(([k, v]) => `, ${k}=${v}`)
      .join('')} (charts/gitfleet-agent values: runtime); each cluster in its own process`,
  );
  try {
    const commit = await repo.commit(files);
    const dir = join(work, 'manifests');
    await run('mkdir', ['-p', dir]);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name.slice('bench/'.length)), text);
    const source = { repoUrl: repo.url, commit, dir, work, files: Object.keys(files).map((name) => name.slice('bench/'.length)) };

    // 1. First sync, twice: on loopback (the simulator answers as fast as its one thread can,
    // so whoever sends fewer requests wins), and with every request answered latencyMs late,
    // requests overlapping — a model of a real API server, whose writes wait for etcd.
    console.log(`first sync of ${objectCount} objects, agent vs kubectl apply --server-side (target: ratio ≤ 0.50)`);
    if (latencyMs > 0) {
      const remoteWorker = startWorker('agent-remote');
      workers.push(remoteWorker);
      const remote = await firstSync(remoteWorker, (name) => ({ name, requestLatencyMs: latencyMs }), source);
      await remote.cluster.stop();
      remoteWorker.send({ type: 'stop' });
      printFirstSync(`API answering ${latencyMs} ms late:`, remote);
    }
    const agent = startWorker('agent');
    workers.push(agent);
    const loopback = await firstSync(agent, (name) => ({ name }), source);
    clusters.push(loopback.cluster);
    printFirstSync('loopback:', loopback);
    const client = loopback.client;

    // 2. API writes during a re-sync of the unchanged bundle.
    await settle(client);
    const before = await storeRevision(client);
    const resyncStart = Date.now();
    agent.send({ type: 'resync' });
    await waitFor(agent, 'synced', 300_000);
    const writes = (await storeRevision(client)) - before;
    console.log(
      `re-sync of the unchanged ${objectCount}: ${writes} API writes (store revision delta) in ${Date.now() - resyncStart} ms (target 0)`,
    );

    // 3. Out-of-band edit → drift reported → healed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const drift = waitFor(agent, 'drift', 10_000);
    const editedAt = Date.now();
    await KubernetesObjectApi.makeApiClient(loadKubeConfig(loopback.cluster.kubeconfig)).patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-7', namespace: 'bench-3' }, data: { index: 'tampered' } } as never,
      undefined,
      undefined,
      'bench-edit',
      undefined,
      'application/merge-patch+json',
    );
    const reported = await drift;
    let healedAt = 0;
    while (Date.now() - editedAt < 10_000) {
      const live = (await client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'bench-3', name: 'config-7' })) as
        { data?: Record<string, string> } | undefined;
      if (live?.data?.['index'] === '7') {
        healedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    console.log(
      `out-of-band edit → drift reported ${reported.at - editedAt} ms (target < 1000), → healed ${healedAt ? `${healedAt - editedAt} ms` : 'not within 10 s'} (target < 2000)`,
    );

    // 4. Agent memory.
    agent.send({ type: 'rss' });
    const rss = await waitFor<{
      rss: number;
      heapUsed: number;
      external: number;
      baselineRss: number;
      baselineHeap: number;
      watched: number;
      snapshot?: string;
    }>(agent, 'rss');
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.log(`agent RSS with ${objectCount} managed objects: ${mb(rss.rss)} MB (${rss.watched} live objects watched) (target < 120 MB)`);
    console.log(
      `  of which: JS heap used ${mb(rss.heapUsed)} MB, external ${mb(rss.external)} MB; before the first sync: RSS ${mb(rss.baselineRss)} MB, JS heap used ${mb(rss.baselineHeap)} MB${rss.snapshot ? `; heap snapshot ${rss.snapshot}` : ''}`,
    );
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ type: 'stop' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
    for (const cluster of clusters) await cluster.stop();
    await repo.remove();
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
