/**
 * A placement pass's computing, without the database: PlacementPass over 10,000 clusters of
 * ten bundles (and of one), each pass a fleet commit that changes the first bundle's commit.
 * Per pass: the targets of every cluster, the checksum of its TargetSet, its targets' digests
 * and bundle revisions, as PlacementService does between reading what the clusters hold and
 * writing what changed. Prints milliseconds per pass (best and median of 12, after two that
 * warm up), the heap allocated per pass, sampled (V8's sampling heap profiler, collected
 * objects counted), and the heap the digests remembered between passes hold.
 *
 *   npm run build:bench && node --expose-gc dist/test/bench/placement-pass.js   (BENCH_CLUSTERS=10000)
 *
 * First measured (22nd round, docs/scale-rounds.md, a 2-core machine where grpc-floor connects
 * 10,000 streams in 14.8 s), ten bundles, against an ad-hoc copy of the pass loop as it was
 * before PlacementPass, alternated three times: 369 / 372 / 396 ms a pass before (medians),
 * about 344 MB allocated a pass; 280 / 285 / 312 ms after, 122 MB, half of it the text each
 * checksum is taken over. What changed: the digests remembered between passes (TargetDigests),
 * and targets built, gated, given their policies and checksummed without sorting, closures,
 * entry arrays or a second copy of the checksum's text on the way. The digests remembered hold
 * 19.7 MB of heap at ten bundles a cluster, 4.0 MB at one.
 *
 * Since the 23rd round each pass runs with the targets of the pass before alive, as the hub's
 * sessions hold them. The builder had kept what it knew of each target (what it was built from,
 * its text) beside it in two WeakMaps; with 100,000 targets alive and 100,000 new ones a pass,
 * setting those entries and the garbage collector's work on them made a pass 509 / 516 ms
 * (medians, one bundle 111 / 112) on a machine where grpc-floor connects 10,000 streams in
 * 8.2 s. Kept in a Map the builder owns for its pass: 250 / 251 ms (one bundle 90 / 85),
 * alternated twice. Without the targets alive, as this bench ran before, the two were within the
 * spread (261 / 272 against 283 / 275 ms): the cost shows only on a heap like the hub's.
 */
import { Session } from 'node:inspector';
import type { BundleSpec } from '../../hub/src/fleet-repo/fleet-format';
import { PlacementPass, type PlacementCluster, type PlacementFleet } from '../../hub/src/placement/placement-pass';
import { TargetDigests } from '../../hub/src/placement/target-digests';
import type { TargetSpec } from '../../hub/src/placement/target-set';
import type { HeldTargetSet } from '../../hub/src/placement/target-set-store';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 10_000);
const PASSES = 12;

function bundle(name: string, commit: string): BundleSpec {
  return {
    name,
    sourcePath: `apps/${name}`,
    fleetRepo: 'default',
    source: {
      repoUrl: 'https://git.example/fleet.git',
      commit,
      path: `apps/${name}`,
      ref: 'main',
      artifact: { digest: `sha256:${'ab'.repeat(32)}`, size: 1234, compressedSize: 567 },
    },
    render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
    namespace: name,
    targets: [{ clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] }, overrides: {} }],
    syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
    dependsOn: [],
    suspend: false,
  };
}

/** The fleet at commit `round`: `app` changes every round, the other bundles never. */
function fleetAt(round: number, bundles: number): PlacementFleet {
  return {
    bundles: Array.from({ length: bundles }, (_, b) =>
      b === 0 ? bundle('app', String(round).padStart(40, '0')) : bundle(`app-${b + 1}`, 'f'.repeat(40)),
    ),
    groups: [],
  };
}

const clusters: PlacementCluster[] = Array.from({ length: CLUSTERS }, (_, i) => ({
  id: String(i + 1),
  name: `cluster-${i}`,
  labels: { env: 'prod', region: `r${i % 7}`, tier: 'web' },
}));

/**
 * Each cluster's targets as last sent: the hub's sessions hold them until the next TargetSet, so
 * a pass runs with the last pass's targets alive (what was remembered beside them included).
 */
const sent = new Map<string, TargetSpec[]>();

/** One pass over every cluster; what each holds afterwards. */
function pass(digests: TargetDigests, fleet: PlacementFleet, held: Map<string, HeldTargetSet>): Map<string, HeldTargetSet> {
  const forPass = digests.forPass(true);
  const placement = new PlacementPass({ fleet, gates: new Map(), pins: [], policyOf: () => undefined }, forPass);
  const next = new Map<string, HeldTargetSet>();
  for (const cluster of clusters) {
    const before = held.get(cluster.id);
    const placed = placement.place(cluster, before);
    if (!placed.changed) {
      if (before !== undefined) next.set(cluster.id, before);
      continue;
    }
    const { checksum, digests: targetDigests, bundleRevisions, targets } = placed.pending;
    sent.set(cluster.id, targets);
    const revision = before === undefined ? '1' : String(Number(before.revision) + 1);
    next.set(cluster.id, {
      id: cluster.id,
      revision,
      checksum,
      digests: targetDigests,
      bundle_revisions: bundleRevisions,
      digestsMissing: false,
      targets: undefined,
    });
  }
  forPass.end();
  return next;
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

interface SamplingNode {
  selfSize: number;
  children: SamplingNode[];
}

function allocated(node: SamplingNode): number {
  return node.selfSize + node.children.reduce((sum, child) => sum + allocated(child), 0);
}

async function measure(bundles: number): Promise<void> {
  let digests = new TargetDigests();
  let held = pass(digests, fleetAt(0, bundles), new Map());
  held = pass(digests, fleetAt(1, bundles), held);
  const times: number[] = [];
  for (let round = 2; round < 2 + PASSES; round++) {
    global.gc?.();
    const started = performance.now();
    held = pass(digests, fleetAt(round, bundles), held);
    times.push(performance.now() - started);
  }
  // Allocation over four more passes, sampled every 32 KB.
  const session = new Session();
  session.connect();
  await post(session, 'HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let round = 2 + PASSES; round < 6 + PASSES; round++) held = pass(digests, fleetAt(round, bundles), held);
  const { profile } = await post<{ profile: { head: SamplingNode } }>(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  times.sort((a, b) => a - b);
  const mb = allocated(profile.head) / 4 / 1e6;
  // What the remembered digests hold on the heap, the TargetSets' digests let go of as the hub
  // does after a pass: the heap with them, then without them.
  const remembered = digests.size;
  held.clear();
  sent.clear();
  global.gc?.();
  const withDigests = process.memoryUsage().heapUsed;
  digests = new TargetDigests();
  global.gc?.();
  const memory =
    global.gc === undefined ? 'unknown (no --expose-gc)' : `${((withDigests - process.memoryUsage().heapUsed) / 1e6).toFixed(1)} MB`;
  console.log(
    `  ${CLUSTERS} clusters × ${bundles} bundle(s): ${times[0].toFixed(0)} ms best, ${times[Math.floor(PASSES / 2)].toFixed(0)} ms median a pass; ` +
      `${mb.toFixed(0)} MB allocated a pass (sampled); ${remembered} digests remembered, holding ${memory} of heap`,
  );
}

async function main(): Promise<void> {
  if (global.gc === undefined) console.log('  (run with --expose-gc for passes that start on a collected heap)');
  console.log(`placement pass, computing only (no database): ${PASSES} passes, each a commit of the first bundle`);
  await measure(10);
  await measure(1);
}

void main();
