/**
 * `npm run bench [-- <name>…]`: runs every benchmark (or those named) in its own process, one after another (so that one's
 * memory never counts against another's), and prints their figures. A benchmark that is not
 * built is reported, not skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BENCHMARKS: { file: string; what: string; env?: Record<string, string> }[] = [
  { file: 'fleet-fanout.js', what: 'commit → whole fleet synced (hub + agents + simulated clusters)' },
  { file: 'fleet-fanout.js', what: 'the same with two hub replicas, agents spread across them', env: { BENCH_HUB_REPLICAS: '2' } },
  { file: 'agent-sync.js', what: 'agent engine: 1,000 objects vs kubectl, re-sync writes, drift, memory' },
  {
    file: 'agent-real-server.js',
    what: 'agent engine on a real kube-apiserver: 1,000 objects vs kubectl and raw SSA, no-op re-sync, drift',
  },
  { file: 'sim-memory.js', what: 'Kubernetes API simulator: 50 clusters in one process' },
  { file: 'one-bundle-commit.js', what: 'a commit that changes one of 20 bundles: syncs and writes on the clusters' },
  { file: 'commit-intake.js', what: 'fetch → fleet commit accepted, by the number of bundles in the fleet repository' },
  { file: 'hostile-manifests.js', what: 'hostile manifests (document bombs, deep nesting, CPU-heavy): ms, peak RSS, event-loop stall' },
  { file: 'grpc-floor.js', what: 'a bare grpc-js server: streams connected, a push to all and acks back (the floor under scale)' },
  { file: 'fork-cost.js', what: 'what starting a program costs the process that starts it, by its size (why hub git runs in a worker)' },
  { file: 'scale.js', what: 'many fake agents on one hub: registration, fan-out, status, list API, restart storm (issue 16)' },
  { file: 'bundle-reads.js', what: 'the bundle endpoints of the REST API over 10,000 clusters: ms per answer, hub RSS (issue 16)' },
  { file: 'status-writer.js', what: "the hub's status write path saturated: rows/s, ack latency, fleet events/s" },
  { file: 'session-path.js', what: "the gateway's sessions alone: CPU per fleet commit of 10,000 agents, without sockets or SQL" },
  { file: 'artifact-serving.js', what: 'one ~1 MB source artifact served to 1,000 and 10,000 fake agents' },
  { file: 'policy-check.js', what: "bundle policy: the agent's check of 10,000 rendered objects" },
  { file: 'placement-pass.js', what: 'a placement pass computing 10,000 TargetSets of ten bundles and of one, without the database' },
];

/** `npm run bench -- scale` runs only the benchmarks whose file is named so (scale.js). */
const only = process.argv.slice(2);
const chosen = only.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => only.includes(b.file.replace(/\.js$/, '')));
if (chosen.length === 0) {
  console.log(
    `no benchmark named ${only.join(', ')}; known: ${[...new Set(BENCHMARKS.map((b) => b.file.replace(/\.js$/, '')))].join(', ')}`,
  );
  process.exit(1);
}

let failed = 0;
for (const bench of chosen) {
  const path = join(__dirname, bench.file);
  console.log(`\n== ${bench.file}: ${bench.what}`);
  if (!existsSync(path)) {
    console.log(`   not built (${path} missing)`);
    failed++;
    continue;
  }
  const result = spawnSync(process.execPath, ['--expose-gc', path], {
    stdio: 'inherit',
    timeout: 15 * 60_000,
    env: { ...process.env, ...bench.env },
  });
  if (result.status !== 0) {
    console.log(`   ${bench.file} failed (exit ${result.status ?? result.signal})`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
