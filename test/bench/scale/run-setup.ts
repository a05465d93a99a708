/**
 * One run of the scale bench at one fleet size: what its phases share, and what it starts (the
 * fleet repository, the hubs on a database of their own) and stops however its phases end.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { BareRepo } from '../../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres';
import type { FakeFleet } from '../fake-agents/fake-fleet';
import type { Figure } from '../figures';
import { replicasTogether, startHubProcess, type HubProcess } from '../hub-process';
import { Phases, profilingOptions } from '../phase-profile';
import { firstCommitFiles } from './fleet-repo';
import { HUB_NODE_ARGS, PROFILE, REPLICAS, TRIGGER } from './settings';

/**
 * What the phases of one run share: the processes and the database measured, the fleet
 * repository, the figures noted so far and the profile's phase marks.
 */
export interface Run {
  size: number;
  /** Every hub's bootstrap, admin and webhook token. */
  token: string;
  repo: BareRepo;
  /** The commit every agent is to be synced to: the fleet repository's last. */
  head: string;
  db: ThrowawayDatabase;
  /** Where the hubs keep their data. */
  work: string;
  /** Every hub (BENCH_HUB_REPLICAS), the agents spread across them. */
  hubs: HubProcess[];
  /** The first hub: it follows the fleet repository, takes the webhooks, serves the reads and is the one profiled. */
  hub: HubProcess;
  /** The hubs' CPU time, RSS and system calls, summed. */
  hubsTogether: Pick<HubProcess, 'cpuMs' | 'rss' | 'syscalls'>;
  pg: Client;
  /** The agents, once the cold start has started them. */
  fleet: FakeFleet | undefined;
  phases: Phases;
  profileDir: string;
  /** When the hubs were spawned, which is where the first one's CPU profile starts. */
  spawnedAt: number;
  figures: Figure[];
}

/** The fleet repository with its first commit, the hubs on a database of their own, and start-up's phase mark. */
export async function startRun(size: number, runNumber: number): Promise<Run> {
  const db = await createThrowawayDatabase('gitfleet_bench_scale');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-scale-'));
  const profileDir = resolve('test-output', `scale-profile-${size}-${runNumber}`);
  if (PROFILE) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }
  const head = await repo.commit(firstCommitFiles());
  const token = randomBytes(16).toString('hex');
  const profiling = profilingOptions(profileDir);
  const spawnedAt = Date.now();
  const startReplica = (index: number) =>
    startHubProcess(
      {
        DATABASE_URL: db.url,
        HUB_DATA_DIR: join(work, `hub-${index}`),
        FLEET_REPO_URL: repo.url,
        // The first replica follows the fleet repository; the others hear of its TargetSets by signal.
        FLEET_POLL_INTERVAL: index === 0 && TRIGGER === 'poll' ? '0.2' : index === 0 ? '60' : '600',
        WEBHOOK_SECRET: token,
        BOOTSTRAP_TOKEN: token,
        ADMIN_TOKEN: token,
        HEARTBEAT_INTERVAL: '10',
        LOG_LEVEL: process.env.BENCH_HUB_LOG_LEVEL ?? 'warn',
        ...(process.env.GRPC_MAX_HANDSHAKES ? { GRPC_MAX_HANDSHAKES: process.env.GRPC_MAX_HANDSHAKES } : {}),
        ...(PROFILE && index === 0 ? profiling.env : {}),
      },
      [...HUB_NODE_ARGS, ...(PROFILE && index === 0 ? profiling.execArgv : [])],
    );
  const hubs = [await startReplica(0)];
  for (let i = 1; i < REPLICAS; i++) hubs.push(await startReplica(i));
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const phases = new Phases(PROFILE ? hubs[0].child : undefined);
  await phases.begin();
  return {
    size,
    token,
    repo,
    head,
    db,
    work,
    hubs,
    hub: hubs[0],
    hubsTogether: replicasTogether(hubs),
    pg,
    fleet: undefined,
    phases,
    profileDir,
    spawnedAt,
    figures: [],
  };
}

/** Everything a run started, stopped and removed, whether or not its phases got through. */
export async function stopRun(run: Run): Promise<void> {
  await run.fleet?.stop();
  await run.pg.end();
  for (const h of run.hubs) await h.stop();
  await run.db.drop().catch(() => undefined);
  await run.repo.remove();
  await rm(run.work, { recursive: true, force: true });
}
