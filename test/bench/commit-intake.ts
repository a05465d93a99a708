/**
 * Commit intake: how long the hub takes from "fetch now" to a fleet commit accepted and placed,
 * by the number of bundles in the fleet repository, with no cluster registered (so placement is
 * nothing). A hub on the real PostgreSQL and a fleet repository of N bundles of one ConfigMap
 * each; five commits, each changing one bundle's file; each timed around FleetRepoService.syncNow
 * (fetch, read the fleet, check, pack every bundle's source, store, announce).
 *
 *   npm run build:bench && node dist/test/bench/commit-intake.js     (BENCH_BUNDLES=1,10,50)
 *
 * First measured (20th round, docs/scale-rounds.md, a slow 2-core machine: grpc-floor 14.1 s):
 * 1 bundle 222–242 ms a commit, 10 bundles 650–709 ms, 50 bundles 1,905–2,006 ms: about 40 ms a
 * bundle, nearly all of it the hub waiting (its CPU profile: 80 % idle). Under strace, a commit
 * of 10 bundles ran about 30 git processes: each bundle's source is listed (for links leading
 * out of it) and its paths' object ids read, one bundle after the other, before its content
 * key finds the artifact packed before. A fleet repository of 200 bundles would spend seconds
 * there on every commit, whatever the commit changed.
 * Then the packer kept each source's roots, their object ids and the paths it found missing
 * (artifact-packer.ts lastRoots): a source whose roots are as they were is found by one object-id
 * read, not listed again. Two alternated pairs (NO_MEMO patched into the build for the before):
 * 10 bundles 780 / 645 → 641 / 621 ms, 50 bundles 2,019 / 1,796 → 1,514 / 1,331 ms (medians).
 * Then one read and one lookup for all bundles (ArtifactPacker.findUnchanged, before a commit's
 * bundles are packed), two runs: 1 bundle 251 / 254 ms, 10 bundles 458 / 479 ms, 50 bundles
 * 470 / 415 ms (medians): no longer growing with the bundles a commit left alone.
 * 22nd round (a machine where grpc-floor connects 10,000 streams in 14.8 s): whether a kept
 * commit is still in the branch's history took three git processes (each commit's presence
 * asked, then merge-base), now one (GitMirror.isAncestor). Three alternated pairs, medians:
 * 10 bundles 497 / 515 / 490 → 366 / 381 / 359 ms; 50 bundles 495 / 525 → 358 / 373 ms; 1 bundle
 * (nothing kept, nothing asked) 286 / 275 → 293 / 313 ms. Each git process the hub's worker
 * starts is tens of milliseconds on this machine: a commit of ten bundles still runs about a
 * dozen (the fetch's five, then the reads), the next lever. Then what a commit's paths name is
 * kept per commit (GitMirror.objectIds): the packer's questions about the bundle paths the fleet's
 * reader asked about go to no git process (20 fewer over a run of six commits under strace). The
 * machine was faster by then; seven alternated pairs, 10 bundles: 285 / 261 / 264 / 256 / 237 /
 * 297 / 301 → 237 / 234 / 243 / 241 / 231 / 273 / 217 ms.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHub } from '#hub';
import { FleetRepoService } from '../../hub/src/fleet-repo/fleet-repo.service';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';

const SIZES = (process.env.BENCH_BUNDLES ?? '1,10,50').split(',').map(Number);
const COMMITS = 5;

const configMap = (i: number, round: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  namespace: app\ndata:\n  round: "${round}"\n`;

async function intake(bundles: number): Promise<number[]> {
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-intake-'));
  const db = await createThrowawayDatabase('gitfleet_bench_intake');
  const repo = await BareRepo.create({ root: join(work, 'repo') });
  const files: Record<string, string> = {};
  for (let i = 0; i < bundles; i++) {
    files[`fleet/app-${i}.yaml`] = bundleFor(`app-${i}`, 'app');
    files[`apps/app-${i}/cm.yaml`] = configMap(i, 0);
  }
  await repo.commit(files);
  const { hub, app } = await launchHub({
    databaseUrl: db.url,
    dataDir: join(work, 'hub'),
    fleetRepoUrl: repo.url,
    bootstrapToken: randomBytes(24).toString('hex'),
    httpPort: 0,
    grpcPort: 0,
    fleetPollIntervalMs: 600_000,
    logLevel: 'error',
  });
  try {
    const fleet = app.get(FleetRepoService);
    const times: number[] = [];
    for (let round = 1; round <= COMMITS; round++) {
      const commit = await repo.commit({ 'apps/app-0/cm.yaml': configMap(0, round) }, `round ${round}`);
      const started = performance.now();
      await fleet.syncNow();
      times.push(performance.now() - started);
      const served = (await fleet.current())?.commits.default;
      if (served !== commit) throw new Error(`round ${round}: the hub serves ${served ?? 'nothing'}, not ${commit}`);
    }
    return times;
  } finally {
    await hub.stop();
    await db.drop();
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (const bundles of SIZES) {
    const times = await intake(bundles);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `commit-intake: ${bundles} bundle(s): fetch → accepted and placed ${times.map((t) => t.toFixed(0)).join(' / ')} ms ` +
        `(median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
