/**
 * Issue 4's figures, in one bounded run against simulated clusters:
 *   1. first sync of 1,000 objects by the agent engine vs `kubectl apply --server-side`
 *   2. API writes during a re-sync of the unchanged 1,000
 *   3. out-of-band edit → drift reported, → healed
 *   4. agent RSS with 1,000 managed objects
 * Run: npm run build && node dist/test/bench/agent-sync.js
 *
 * Each simulated cluster runs in a process of its own (agent-sim-process.ts), as does the
 * agent (agent-bench-worker.ts): the simulator is single-threaded, and neither client should
 * be measured against a server that is also busy with the other cluster. BENCH_LATENCY_MS=<n>
 * gives both clusters the simulator's requestLatencyMs (every request answered n ms late,
 * requests overlapping) — a model of a real, remote API server; the default 0 is loopback.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SimClusterOptions } from '#kube-sim';
import { loadKubeConfig, ObjectClient } from '../../agent/src/engine/object-client';
import { BareRepo } from '../support/git';

const NAMESPACES = 20;
const PER_NAMESPACE = { configMaps: 20, deployments: 15, services: 15 };
const run = promisify(execFile);

function manifests(): Record<string, string> {
  const files: Record<string, string> = {};
  files['bench/00-namespaces.yaml'] = Array.from({ length: NAMESPACES }, (_, n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench-${n}\n`).join('---\n');
  for (let n = 0; n < NAMESPACES; n++) {
    const docs: string[] = [];
    for (let i = 0; i < PER_NAMESPACE.configMaps; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\n  namespace: bench-${n}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`);
    for (let i = 0; i < PER_NAMESPACE.deployments; i++) {
      docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: bench-${n}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: app-${i} }\n  template:\n    metadata:\n      labels: { app: app-${i} }\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          ports:\n            - containerPort: 80\n`);
    }
    for (let i = 0; i < PER_NAMESPACE.services; i++) docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: bench-${n}\nspec:\n  selector: { app: app-${i} }\n  ports:\n    - port: 80\n`);
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
  const child = fork(join(__dirname, 'agent-sim-process.js'), [JSON.stringify(options)]);
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

function waitFor<T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from the agent within ${timeoutMs} ms`)), timeoutMs);
    const listener = (message: { type: string } & T & { at: number }): void => {
      if (message.type === 'error') reject(new Error(String((message as { message?: string }).message)));
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
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

async function main(): Promise<void> {
  const files = manifests();
  const objectCount = NAMESPACES * (1 + PER_NAMESPACE.configMaps + PER_NAMESPACE.deployments + PER_NAMESPACE.services);
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-'));
  const repo = await BareRepo.create();
  const clusters: SimProcess[] = [];
  const latencyMs = Number(process.env['BENCH_LATENCY_MS'] ?? '0');
  const simOptions = (name: string): SimClusterOptions => ({ name, ...(latencyMs > 0 ? { requestLatencyMs: latencyMs } : {}) });
  console.log(`simulated API latency: ${latencyMs > 0 ? `${latencyMs} ms per request (BENCH_LATENCY_MS)` : 'none (loopback)'}; each cluster in its own process`);
  const agent = fork(join(__dirname, 'agent-bench-worker.js'), [], { execArgv: ['--expose-gc'] });
  try {
    const commit = await repo.commit(files);
    const dir = join(work, 'manifests');
    await run('mkdir', ['-p', dir]);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name.slice('bench/'.length)), text);

    // 1a. The agent engine, first sync.
    const forAgent = await startSimProcess(simOptions('bench-agent'));
    clusters.push(forAgent);
    const client = ObjectClient.fromKubeConfig(loadKubeConfig(forAgent.kubeconfig));
    const agentCpuBefore = await forAgent.cpuMs();
    agent.send({ type: 'start', start: { kubeconfig: forAgent.kubeconfig, repoUrl: repo.url, commit } });
    const started = await waitFor<{ cpuMs: number }>(agent, 'starting');
    const synced = await waitFor<{ phase: string; message: string; count: number; cpuMs: number }>(agent, 'synced', 300_000);
    if (synced.phase !== 'synced') throw new Error(`agent sync ${synced.phase}: ${synced.message}`);
    const agentMs = synced.at - started.at;
    const agentServerCpu = (await forAgent.cpuMs()) - agentCpuBefore;

    // 1b. kubectl apply --server-side on the same files, into a fresh cluster — once the
    // agent's cluster has gone quiet, so that kubectl does not share the CPU with it.
    await settle(client);
    const forKubectl = await startSimProcess(simOptions('bench-kubectl'));
    clusters.push(forKubectl);
    const kubeconfigPath = join(work, 'kubectl.kubeconfig');
    await writeFile(kubeconfigPath, forKubectl.kubeconfig, { mode: 0o600 });
    const kubectlCpuBefore = await forKubectl.cpuMs();
    const kubectlStart = Date.now();
    await run('kubectl', ['--kubeconfig', kubeconfigPath, 'apply', '--server-side', '--field-manager=kubectl-bench', '-f', dir], { maxBuffer: 64 * 1024 * 1024 });
    const kubectlMs = Date.now() - kubectlStart;
    const kubectlServerCpu = (await forKubectl.cpuMs()) - kubectlCpuBefore;
    await forKubectl.stop();
    clusters.pop();
    console.log(`first sync of ${objectCount} objects: agent ${agentMs} ms, kubectl apply --server-side ${kubectlMs} ms, ratio ${(agentMs / kubectlMs).toFixed(2)} (target ≤ 0.50)`);
    console.log(`  CPU used during it: agent process ${(synced.cpuMs - started.cpuMs).toFixed(0)} ms; simulator (controllers included): agent's cluster ${agentServerCpu.toFixed(0)} ms, kubectl's cluster ${kubectlServerCpu.toFixed(0)} ms`);

    // 2. API writes during a re-sync of the unchanged bundle.
    await settle(client);
    const before = await storeRevision(client);
    const resyncStart = Date.now();
    agent.send({ type: 'resync' });
    await waitFor(agent, 'synced', 300_000);
    const writes = (await storeRevision(client)) - before;
    console.log(`re-sync of the unchanged ${objectCount}: ${writes} API writes (store revision delta) in ${Date.now() - resyncStart} ms (target 0)`);

    // 3. Out-of-band edit → drift reported → healed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const drift = waitFor(agent, 'drift', 10_000);
    const editedAt = Date.now();
    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-7', namespace: 'bench-3' }, data: { index: 'tampered' } } as never, undefined, undefined, 'bench-edit', undefined, 'application/merge-patch+json' as never);
    const reported = await drift;
    let healedAt = 0;
    while (Date.now() - editedAt < 10_000) {
      const live = (await client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'bench-3', name: 'config-7' })) as { data?: Record<string, string> } | undefined;
      if (live?.data?.['index'] === '7') {
        healedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    console.log(`out-of-band edit → drift reported ${reported.at - editedAt} ms (target < 1000), → healed ${healedAt ? `${healedAt - editedAt} ms` : 'not within 10 s'} (target < 2000)`);

    // 4. Agent memory.
    agent.send({ type: 'rss' });
    const rss = await waitFor<{ rss: number; heapUsed: number; external: number; baselineRss: number; watched: number; snapshot?: string }>(agent, 'rss');
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.log(`agent RSS with ${objectCount} managed objects: ${mb(rss.rss)} MB (${rss.watched} live objects watched) (target < 120 MB)`);
    console.log(`  of which: JS heap used ${mb(rss.heapUsed)} MB, external ${mb(rss.external)} MB; RSS of the same process before the first sync ${mb(rss.baselineRss)} MB${rss.snapshot ? `; heap snapshot ${rss.snapshot}` : ''}`);
  } finally {
    agent.send({ type: 'stop' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (agent.exitCode === null) agent.kill();
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
