import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { BareRepo } from '../../../test/support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { ArtifactEntity } from '../artifacts/artifact.entity';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP } from '../testing/hub-fixture';
import { ClusterEntity } from '../clusters/cluster.entity';
import { BundleEntity } from '../fleet-repo/bundle.entity';
import { FleetSourceEntity } from '../fleet-repo/fleet-source.entity';
import { TargetBodyEntity, TargetSetEntity, TargetSetTargetEntity } from '../placement/target-set.entity';
import { BundleStatusEntity } from '../status/bundle-status.entity';
import { StatusReportEntity } from '../status/status-report.entity';
import { dataSourceOptions } from './data-source-options';
import { MIGRATIONS } from './migrations';
import { storedResource } from '../testing/stored-resource';
import { COMPRESSED, lz4Available } from './migrations/1736800000000-lz4-compression';

const ENTITIES = [
  FleetSourceEntity,
  BundleEntity,
  ClusterEntity,
  TargetSetEntity,
  TargetSetTargetEntity,
  TargetBodyEntity,
  BundleStatusEntity,
  StatusReportEntity,
  ArtifactEntity,
];

describe('migrations', () => {
  let database: ThrowawayDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    dataSource = await new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }, ENTITIES)).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('create every table on an empty database when the data source starts', async () => {
    const tables = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'api_token',
      'artifact',
      'audit_log',
      'bootstrap_token',
      'bundle',
      'bundle_pin',
      'bundle_status',
      'client_certificate',
      'cluster',
      'cluster_group',
      'deployment',
      'fleet_commit',
      'fleet_event',
      'fleet_source',
      'migrations',
      'notification_delivery',
      'rollout',
      'status_report',
      'target_body',
      'target_set',
      'target_set_target',
    ]);
    const applied = await dataSource.query<{ name: string }[]>(`SELECT name FROM migrations ORDER BY id`);
    // Every registered migration ran, oldest first.
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(applied[0].name).toBe('InitialSchema1732240000000');
  });

  it('leave nothing for synchronize to do: the entities describe exactly the migrated schema', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    // Foreign keys live in the migrations only, so that modules do not import each other's entities.
    const differences = pending.upQueries.map((q) => q.query).filter((q) => !/FOREIGN KEY|DROP CONSTRAINT "[^"]*_fkey"/.test(q));
    expect(differences).toEqual([]);
  });

  it('leave room on the pages of the tables updated all the time: a second round of updates there stays on its pages (HOT)', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    await dataSource.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
       SELECT id, 'hot-' || n, 'uid-' || n, '{"env":"prod"}', 'h', 'v', now(), true
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`,
      [ids],
    );
    await dataSource.query(
      `INSERT INTO target_set (cluster_id, revision, checksum, updated_at) SELECT id, 1, 'c', now() FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    await dataSource.query(`INSERT INTO target_body (id, target) VALUES ('body-web', '{"bundle":"web"}')`);
    await dataSource.query(
      `INSERT INTO target_set_target (cluster_id, bundle, body_id, target_values)
       SELECT id, 'web', 'body-web', jsonb_build_object('cluster.name', id) FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    await dataSource.query(
      `INSERT INTO bundle_status (cluster_id, bundle, commit, phase, message, resources, last_seq, updated_at)
       SELECT id, 'web', 'c', 'synced', '', '[]', 1, now() FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    const updates = {
      cluster: `UPDATE cluster SET last_seen_at = now(), connected = true WHERE id = ANY($1::uuid[])`,
      target_set: `UPDATE target_set SET acked_revision = revision, acked_checksum = checksum, acked_at = now() WHERE cluster_id = ANY($1::uuid[])`,
      // A commit that changes the bundle: its target of every cluster (placement's write).
      target_set_target: `UPDATE target_set_target SET target_values = target_values || jsonb_build_object('round', md5(random()::text))
                          WHERE cluster_id = ANY($1::uuid[])`,
      bundle_status: `UPDATE bundle_status SET last_seq = last_seq + 1, commit = md5(last_seq::text), updated_at = now() WHERE cluster_id = ANY($1::uuid[])`,
    };
    for (const [table, update] of Object.entries(updates)) {
      // The first round leaves each page its old versions; by the second they are dead and make room.
      await dataSource.query(update, [ids]);
      const round = await dataSource.transaction(async (tx) => {
        // The backend's counts not yet reported: read before and after the round.
        const counts = async () =>
          (
            await tx.query<{ updated: number; hot: number }[]>(
              `SELECT pg_stat_get_xact_tuples_updated($1::regclass)::int AS updated, pg_stat_get_xact_tuples_hot_updated($1::regclass)::int AS hot`,
              [table],
            )
          )[0];
        const before = await counts();
        await tx.query(update, [ids]);
        const after = await counts();
        return { updated: after.updated - before.updated, hot: after.hot - before.hot };
      });
      expect({ table, ...round, mostlyHot: round.hot > round.updated / 2 }).toEqual({
        table,
        updated: 600,
        hot: round.hot,
        mostlyHot: true,
      });
    }
  });

  it('let history be written without locking the cluster rows (which last-seen flushes update all the time)', async () => {
    const id = '00000000-0000-4000-8000-00000000a11c';
    await dataSource.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
       VALUES ($1, 'history-lock', 'uid-history-lock', '{}', 'h', 'v', now(), true)`,
      [id],
    );
    const writer = dataSource.createQueryRunner();
    const other = dataSource.createQueryRunner();
    try {
      await writer.startTransaction();
      await writer.query(
        `INSERT INTO status_report (cluster_id, seq, bundle, commit, phase, message, resources, received_at)
         VALUES ($1, 1, 'web', 'c', 'synced', '', '[]', now())`,
        [id],
      );
      await writer.query(
        `INSERT INTO deployment (cluster_id, bundle, commit, seq, result, health, message) VALUES ($1, 'web', 'c', 1, 'synced', 'healthy', '')`,
        [id],
      );
      // Under a foreign key each insert would hold FOR KEY SHARE on the cluster row until commit.
      const locked = await other.query(`SELECT id::text AS id FROM cluster WHERE id = $1 FOR UPDATE NOWAIT`, [id]);
      expect(locked).toEqual([{ id }]);
    } finally {
      await writer.rollbackTransaction().catch(() => undefined);
      await writer.release();
      await other.release();
    }
  });

  it('compress the JSON written with every report and placement with lz4 where the server has it, and keep what was stored readable', async () => {
    const lz4 = await lz4Available(dataSource.manager);
    // target_set.targets is gone since migration 1736900000000 (a row per target, each small).
    const compressed = COMPRESSED.filter(([table, column]) => `${table}.${column}` !== 'target_set.targets');
    const compression = await dataSource.query<{ table: string; column: string; method: string }[]>(
      `SELECT c.relname AS table, a.attname AS column, a.attcompression::text AS method
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE (c.relname, a.attname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [compressed.map(([table]) => table), compressed.map(([, column]) => column)],
    );
    expect(new Set(compression.map((c) => `${c.table}.${c.column} ${c.method}`))).toEqual(
      new Set(compressed.map(([table, column]) => `${table}.${column} ${lz4 ? 'l' : ''}`)),
    );

    const id = '00000000-0000-4000-8000-0000000012a4';
    await dataSource.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
       VALUES ($1, 'lz4', 'uid-lz4', '{}', 'h', 'v', now(), true)`,
      [id],
    );
    // Ten resources as an agent lists them: over the size PostgreSQL compresses at.
    const resources = Array.from({ length: 10 }, (_, i) => storedResource(`web-${i}`));
    // A value stored before this migration (pglz) beside one stored after: both read back whole.
    await dataSource.query(`ALTER TABLE status_report ALTER COLUMN resources SET COMPRESSION pglz`);
    await dataSource.query(
      `INSERT INTO status_report (cluster_id, seq, bundle, commit, phase, message, resources, received_at)
       VALUES ($1, 1, 'web', 'c', 'synced', '', $2, now())`,
      [id, JSON.stringify(resources)],
    );
    await dataSource.query(`ALTER TABLE status_report ALTER COLUMN resources SET COMPRESSION ${lz4 ? 'lz4' : 'default'}`);
    await dataSource.query(
      `INSERT INTO status_report (cluster_id, seq, bundle, commit, phase, message, resources, received_at)
       VALUES ($1, 2, 'web', 'c', 'synced', '', $2, now())`,
      [id, JSON.stringify(resources)],
    );
    const stored = await dataSource.query<{ seq: string; method: string; resources: unknown }[]>(
      `SELECT seq::text AS seq, pg_column_compression(resources) AS method, resources FROM status_report WHERE cluster_id = $1 ORDER BY seq`,
      [id],
    );
    expect(stored).toEqual([
      { seq: '1', method: 'pglz', resources },
      { seq: '2', method: lz4 ? 'lz4' : 'pglz', resources },
    ]);
  });

  it('are not run twice', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    await dataSource.runMigrations();
    const applied = await dataSource.query<{ count: string }[]>(`SELECT count(*) FROM migrations`);
    expect(applied[0].count).toBe(String(MIGRATIONS.length));
  });
});

describe('a hub whose DATABASE_URL does not answer (yet)', () => {
  let repo: BareRepo;
  let dataDir: string;

  beforeAll(async () => {
    repo = await BareRepo.create();
    await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-db-wait-'));
  });

  afterAll(async () => {
    await repo?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  const options = (databaseUrl: string, databaseConnectTimeoutMs: number) => ({
    databaseUrl,
    databaseConnectTimeoutMs,
    dataDir,
    fleetRepoUrl: repo.url,
    bootstrapToken: randomBytes(24).toString('hex'),
    httpPort: 0,
    grpcPort: 0,
  });

  it('waits the time it is given, then fails naming DATABASE_URL and the cause (never the password), each cause logged once', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const started = Date.now();
    const failure = await launchHub(options(`postgres://hub:s3cret-pw@127.0.0.1:${port}/gitfleet`, 2_000), {
      write: (line: string) => void logs.push(line),
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(failure?.message).toMatch(
      new RegExp(
        `^DATABASE_URL: the database at postgres://hub:\\*\\*\\*@127\\.0\\.0\\.1:${port}/gitfleet did not answer within 2 s \\(\\d+ attempts; last: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); is it running, and is DATABASE_URL right\\?`,
      ),
    );
    expect(failure?.message).toContain('DATABASE_CONNECT_TIMEOUT_SECONDS');
    const waits = logs.filter((l) => l.includes('waiting for the database'));
    expect(waits).toHaveLength(1);
    expect(logs.join('\n')).not.toContain('s3cret-pw');
  }, 15_000);

  it('starts once a database that comes up late answers', async () => {
    const database = await createThrowawayDatabase('gitfleet_late');
    const port = await freePort();
    const late = new URL(database.url);
    late.port = String(port);
    // Nothing listens for three seconds (longer than TypeORM's own retries); then a relay to the real server.
    let relay: Server | undefined;
    const opening = setTimeout(() => {
      relay = createServer((socket) => {
        const upstream = connect(Number(new URL(database.url).port || 5432), '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      }).listen(port, '127.0.0.1');
    }, 3_000);
    let hub: RunningHub | undefined;
    try {
      const started = Date.now();
      ({ hub } = await launchHub({ ...options(late.toString(), 20_000), logLevel: 'silent' }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect((await fetch(`${hub.httpUrl}/readyz`)).status).toBe(200);
    } finally {
      clearTimeout(opening);
      await hub?.stop();
      relay?.close();
      await database.drop();
    }
  }, 30_000);
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
