/**
 * Serving one source artifact to a whole fleet: the hub (its own process, real PostgreSQL)
 * packs a bundle of ~1 MB once, then N fake agents (fake-agents/, each with a connection of
 * its own, in several processes) connect, receive their TargetSet, fetch the artifact by
 * digest and report. Prints, per fleet size: the time from the commit to every agent having
 * the whole artifact and its report acked, the hub's CPU time and peak RSS meanwhile, the bytes
 * served, and how many times the hub read the source from Git (packs).
 *
 *   npm run build:bench && node dist/test/bench/artifact-serving.js   (BENCH_AGENTS=1000,10000 BENCH_PROCESSES=4)
 *
 * The clusters are written straight into the database (registration is measured by the scale
 * benchmark, not here), so what is timed is fan-out plus artifact transfer.
 *
 * With the fake agents on node:http2 (fake-agents/h2-grpc.ts), 10,000 agents took the hub to a
 * peak of 1,052 / 1,074 / 975 / 871 MB (61.3 / 110.7 / 60.4 / 56.2 s, four runs): a grpc-js
 * server stream takes 16 messages before write() says to wait, so every fetch had its whole 0.4
 * MB artifact encoded and queued at once. Since, each fetch gets its next chunk once the one
 * before is written and all fetches together hold at most 32 MiB (artifact-server.ts):
 * 738 / 752 / 837 MB, 44.2 / 45.4 / 61.1 s, three runs alternated with the last three of those.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase } from '../support/postgres';
import { FakeFleet, type FakeAgentSpec } from './fake-agents/fake-fleet';
import { startHubProcess } from './hub-process';

const SIZES = (process.env.BENCH_AGENTS ?? '1000,10000').split(',').map(Number);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);

const BUNDLE = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: big
spec:
  source:
    path: apps/big
  namespace: big
  targets:
    - clusterSelector: {}
`;

/** ~1 MB of manifests: 200 ConfigMaps of ~5 KB, with enough entropy that gzip leaves a few hundred KB. */
function bigSource(seed: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) {
    const lines = Array.from(
      { length: 60 },
      (_, j) => `  key-${j}: "${createHash('sha256').update(`${seed}-${i}-${j}`).digest('base64')}"`,
    );
    files[`apps/big/cm-${String(i).padStart(3, '0')}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${lines.join('\n')}\n`;
  }
  return files;
}

async function seedClusters(databaseUrl: string, count: number, offset: number): Promise<FakeAgentSpec[]> {
  const specs: FakeAgentSpec[] = [];
  const rows: [string, string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const credential = `${id}.${randomBytes(32).toString('base64url')}`;
    const name = `fake-${offset + i}`;
    specs.push({ name, clusterId: id, credential });
    rows.push([id, name, `uid-${offset + i}`, createHash('sha256').update(credential).digest('hex')]);
  }
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state)
       SELECT id, name, uid, '{}'::jsonb, hash, 'fake', now(), false, 'active'
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, name, uid, hash)`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
  } finally {
    await client.end();
  }
  return specs;
}

async function measure(size: number): Promise<void> {
  const db = await createThrowawayDatabase('gitfleet_bench_artifacts');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-artifacts-'));
  await repo.commit({ 'fleet/big.yaml': BUNDLE, ...bigSource('one') });
  const hub = await startHubProcess({
    DATABASE_URL: db.url,
    HUB_DATA_DIR: join(work, 'hub'),
    FLEET_REPO_URL: repo.url,
    FLEET_POLL_INTERVAL: '1',
    BOOTSTRAP_TOKEN: randomBytes(16).toString('hex'),
    HEARTBEAT_INTERVAL: '10',
    LOG_LEVEL: 'info',
  });
  let fleet: FakeFleet | undefined;
  try {
    const specs = await seedClusters(db.url, size, 0);
    fleet = await FakeFleet.start(specs, {
      hubAddress: hub.grpcAddress,
      heartbeatMs: 10_000,
      fetchArtifacts: true,
      registerConcurrency: 200,
      processes: PROCESSES,
    });
    // The clusters were written behind the hub's back: a commit places them all (no artifact changes: same content).
    const cpuBefore = await hub.cpuMs();
    let peakRss = await hub.rss();
    const sampler = setInterval(() => void hub.rss().then((rss) => (peakRss = Math.max(peakRss, rss))), 200);
    const startedAt = Date.now();
    const commit = await repo.commit({ 'README.md': `placed at ${startedAt}\n` });
    const agents = await fleet.until(
      { commit, acked: true },
      20 * 60_000,
      `${size} agents to fetch the artifact and have their report acked`,
      500,
    );
    clearInterval(sampler);
    const lastAck = Math.max(...agents.map((a) => a.reportsAckedAt!));
    const lastArtifact = Math.max(...agents.map((a) => a.artifactsAt!));
    const served = agents.reduce((sum, a) => sum + a.artifactBytes, 0);
    const packs = hub.logLines.filter((l) => l.includes('"artifact packed"')).length;
    const failures = agents.reduce((sum, a) => sum + a.streamFailures, 0);
    const hubCpu = (await hub.cpuMs()) - cpuBefore;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `${String(size).padStart(6)} agents: commit → all have the artifact ${((lastArtifact - startedAt) / 1000).toFixed(2)} s, all reports acked ${((lastAck - startedAt) / 1000).toFixed(2)} s; ` +
        `hub CPU ${(hubCpu / 1000).toFixed(1)} s, peak RSS ${mb(peakRss)} MB; served ${mb(served)} MB (${mb(served / size)} MB each); ` +
        `packed from Git ${packs}× in the whole run; stream failures ${failures}`,
    );
  } finally {
    await fleet?.stop();
    await hub.stop();
    await db.drop().catch(() => undefined);
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`one ~1 MB artifact to N fake agents (${PROCESSES} generator processes; machine load ${(await loadAverage()).join(' ')})`);
  for (const size of SIZES) await measure(size);
}

async function loadAverage(): Promise<string[]> {
  const { loadavg } = await import('node:os');
  return loadavg().map((l) => l.toFixed(1));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
