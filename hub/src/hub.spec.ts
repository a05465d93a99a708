import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../test/support/git';
import { createThrowawayDatabase } from '../../test/support/postgres';
import { startHub } from './index';
import { BUNDLE, CONFIGMAP, TestAgent } from './testing/hub-fixture';

// The embedded database's first start runs initdb inside PGlite: seconds of CPU, tens of
// seconds on a loaded 2-core machine — more than the default test timeout.
describe('startHub without DATABASE_URL: embedded PostgreSQL', { timeout: 120_000 }, () => {
  let repo: BareRepo;
  let dataDir: string;
  let commit: string;
  const bootstrapToken = randomBytes(24).toString('hex');

  beforeAll(async () => {
    repo = await BareRepo.create();
    commit = await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-embedded-'));
  });

  afterAll(async () => {
    await repo?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  const adminToken = randomBytes(24).toString('hex');
  const options = () => ({ dataDir, fleetRepoUrl: repo.url, bootstrapToken, adminToken, httpPort: 0, grpcPort: 0, logLevel: 'silent' });

  it('keeps its data in dataDir across a restart', async () => {
    const first = await startHub(options());
    let clusterId: string;
    let credential: string;
    const agent = new TestAgent(first.grpcAddress);
    try {
      ({ clusterId, credential } = await agent.register({
        bootstrapToken,
        clusterUid: 'uid-embedded',
        name: 'embedded',
        labels: { env: 'dev' },
      }));
      const stream = agent.connect(credential);
      stream.hello(clusterId);
      expect((await stream.nth('targetSet')).targets.map((t) => t.bundle)).toEqual(['web']);
      stream.send({
        $case: 'statusReport',
        value: { seq: '7', bundle: 'web', commit, phase: 2, observedAt: '', targetSetRevision: '1' },
      });
      await stream.nth('statusAck');
      stream.close();
      expect((await fetch(`${first.httpUrl}/readyz`)).status).toBe(200);
    } finally {
      agent.close();
      await first.stop();
    }
    expect((await stat(join(dataDir, 'pg'))).isDirectory()).toBe(true);

    const second = await startHub(options());
    const again = new TestAgent(second.grpcAddress);
    try {
      const res = await fetch(`${second.httpUrl}/api/v1/clusters/embedded`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        id: string;
        targetSet: { revision: string };
        bundles: { bundle: string; commit: string; lastKnownPhase: string }[];
      };
      expect(body.id).toBe(clusterId);
      // Same fleet commit after the restart: the TargetSet was not bumped.
      expect(body.targetSet.revision).toBe('1');
      expect(body.bundles).toMatchObject([{ bundle: 'web', commit, lastKnownPhase: 'synced' }]);
      // The credential issued before the restart still opens a session.
      const stream = again.connect(credential);
      stream.hello(clusterId);
      expect((await stream.nth('targetSet')).revision).toBe('1');
      stream.close();
    } finally {
      again.close();
      await second.stop();
    }
  });
});

describe('startHub: start-up errors name the setting', () => {
  it('says HTTP_PORT when the HTTP address is taken, and leaves nothing running', async () => {
    const repo = await BareRepo.create();
    const database = await createThrowawayDatabase('gitfleet_port');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
      const failure = await startHub({
        databaseUrl: database.url,
        dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-port-')),
        fleetRepoUrl: repo.url,
        bootstrapToken: randomBytes(24).toString('hex'),
        httpPort: port,
        grpcPort: 0,
        logLevel: 'silent',
      }).then(
        (hub) => hub.stop().then(() => undefined),
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toBe(`HTTP_PORT: cannot listen on 127.0.0.1:${port}: the address is in use (another hub running?)`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      await database.drop();
      await repo.remove();
    }
  });

  it('says HUB_DATA_DIR, and how to recover, when the embedded database directory is half-initialized', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-half-'));
    const repo = await BareRepo.create();
    try {
      await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
      // What an initdb cut short leaves: PG_VERSION written, the databases not yet.
      await mkdir(join(dataDir, 'pg'), { recursive: true });
      await writeFile(join(dataDir, 'pg', 'PG_VERSION'), '17\n');
      const failure = await startHub({
        dataDir,
        fleetRepoUrl: repo.url,
        bootstrapToken: randomBytes(24).toString('hex'),
        httpPort: 0,
        grpcPort: 0,
        logLevel: 'silent',
      }).then(
        (hub) => hub.stop().then(() => undefined),
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(
        new RegExp(`^HUB_DATA_DIR: the embedded PostgreSQL in ${join(dataDir, 'pg')} did not start: .*half-initialized: move it away`),
      );
    } finally {
      await repo.remove();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
