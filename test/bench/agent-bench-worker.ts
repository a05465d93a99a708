/**
 * The agent side of test/bench/agent-sync.ts, in its own process so that its memory is its
 * own: an engine against the simulated cluster, driven by the parent over IPC.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Target } from '#proto';
// The whole agent's code is loaded (gRPC link, registration, reporter), not only the engine
// this worker drives: the memory figure is the agent process's, and code is most of it.
import '../../agent/src/agent';
import { Engine } from '../../agent/src/engine/engine';
import { loadKubeConfig, ObjectClient } from '../../agent/src/kube/object-client';
import { MemoryTargetSetStore } from '../../agent/src/engine/target-set-store';
import { createLogger } from '../../agent/src/logger';
import { GitCache } from '../../agent/src/source/git-cache';

interface Start {
  kubeconfig: string;
  repoUrl: string;
  commit: string;
}
type Command = { type: 'start'; start: Start } | { type: 'resync' } | { type: 'rss' } | { type: 'stop' };

let engine: Engine | undefined;
let driftSeen = false;
/** RSS of this process with its modules loaded and nothing synced yet (after a GC). */
let baselineRss = 0;
let baselineHeap = 0;

/** CPU time (user + system, ms) this process has used so far. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

process.on('message', (command: Command) => {
  void handle(command).catch((error: unknown) => send({ type: 'error', message: String(error) }));
});

async function handle(command: Command): Promise<void> {
  if (command.type === 'start') {
    const client = ObjectClient.fromKubeConfig(loadKubeConfig(command.start.kubeconfig));
    engine = new Engine({
      cache: new GitCache(await mkdtemp(join(tmpdir(), 'gitfleet-bench-'))),
      client,
      store: new MemoryTargetSetStore(),
      logger: createLogger('silent'),
      concurrency: 16,
      reportDelayMs: 0,
      onResult: (result) => {
        if (result.reason === 'drift') {
          const drifted = result.changes.some((c) => c.driftDiff !== undefined);
          if (drifted && !driftSeen) send({ type: 'drift', at: Date.now() });
          driftSeen = drifted;
        } else if (result.phase !== 'progressing' && (result.reason ?? 'sync') === 'sync') {
          send({
            type: 'synced',
            phase: result.phase,
            message: result.message,
            count: result.changes.length,
            at: Date.now(),
            cpuMs: cpuMs(),
          });
        }
      },
    });
    await engine.start();
    collect();
    ({ rss: baselineRss, heapUsed: baselineHeap } = process.memoryUsage());
    const target = Target.fromPartial({
      bundle: 'bench',
      source: { repoUrl: command.start.repoUrl, commit: command.start.commit, path: 'bench' },
      defaultNamespace: 'default',
      syncPolicy: { prune: true, selfHeal: true },
    });
    send({ type: 'starting', at: Date.now(), cpuMs: cpuMs() });
    await engine.takeTargetSet({ revision: '1', checksum: 'bench', targets: [target], baseChecksum: '', keptBundles: [] });
  } else if (command.type === 'resync') {
    engine?.syncNow('bench');
  } else if (command.type === 'rss') {
    collect();
    const usage = process.memoryUsage();
    // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot with 1,000 managed objects, for comparisons.
    const snapshotDir = process.env['BENCH_HEAP_SNAPSHOT'];
    const snapshot = snapshotDir ? writeHeapSnapshot(join(snapshotDir, `agent-${Date.now()}.heapsnapshot`)) : undefined;
    send({
      type: 'rss',
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      baselineRss,
      baselineHeap,
      watched: engine?.watchedObjects ?? 0,
      snapshot,
    });
  } else {
    await engine?.stop();
    process.exit(0);
  }
}
