import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/postgres';
import { WHOLE_TARGETS_SQL } from '../../placement/target-set-store';
import { dataSourceOptions } from '../data-source-options';
import { MIGRATIONS } from './index';
import { TargetRows1736900000000 } from './1736900000000-target-rows';

const ONE = '00000000-0000-4000-8000-000000000001';
const TWO = '00000000-0000-4000-8000-000000000002';
const EMPTY = '00000000-0000-4000-8000-000000000003';

const body = (bundle: string, commit: string) => ({
  bundle,
  source: { repoUrl: 'https://git.example/fleet.git', commit, path: `apps/${bundle}` },
  artifact: { digest: `sha256:${commit}`, size: '10', compressedSize: '5' },
  dependsOn: [],
});
const target = (bundle: string, commit: string, cluster: string) => ({ ...body(bundle, commit), values: { 'cluster.name': cluster } });

/** TargetSets as a hub before migration 1736900000000 stored them: one array per cluster. */
const BEFORE = [
  {
    id: ONE,
    revision: '7',
    targets: [target('api', 'a1', 'one'), target('web', 'w1', 'one')],
    bundleRevisions: { api: '3', web: '7' },
    digests: { api: 'd-api-one', web: 'd-web-one' },
  },
  // Stored before target digests (and before bundle revisions for `api`).
  {
    id: TWO,
    revision: '4',
    targets: [target('api', 'a1', 'two'), target('web', 'w0', 'two')],
    bundleRevisions: { web: '2' },
    digests: null,
  },
  { id: EMPTY, revision: '1', targets: [], bundleRevisions: {}, digests: {} },
];

describe('migration 1736900000000: a row per target', () => {
  let database: ThrowawayDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    // Migrated to the one before, with TargetSets stored as that hub stored them.
    const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(TargetRows1736900000000));
    dataSource = await new DataSource({ ...dataSourceOptions({ url: database.url, poolSize: 1 }), migrations: before }).initialize();
    for (const [i, t] of BEFORE.entries()) {
      await dataSource.query(
        `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
         VALUES ($1, $2, $3, '{}', 'h', 'v', now(), true)`,
        [t.id, `c-${i}`, `uid-${i}`],
      );
      await dataSource.query(
        `INSERT INTO target_set (cluster_id, revision, checksum, targets, bundle_revisions, target_digests, updated_at, acked_revision)
         VALUES ($1, $2::bigint, 'sum-' || $2::text, $3, $4, $5, now(), $2::bigint)`,
        [t.id, t.revision, JSON.stringify(t.targets), JSON.stringify(t.bundleRevisions), t.digests && JSON.stringify(t.digests)],
      );
    }
    await dataSource.destroy();
    dataSource = await new DataSource(dataSourceOptions({ url: database.url, poolSize: 1 })).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('moves each target to a row of its own, with its values; its body stored once', async () => {
    const rows = await dataSource.query<unknown[]>(
      `SELECT tt.cluster_id::text AS id, tt.bundle, tt.target_values AS values, b.commit, b.artifact_digest AS artifact
       FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id ORDER BY tt.cluster_id, tt.bundle`,
    );
    expect(rows).toEqual([
      { id: ONE, bundle: 'api', values: { 'cluster.name': 'one' }, commit: 'a1', artifact: 'sha256:a1' },
      { id: ONE, bundle: 'web', values: { 'cluster.name': 'one' }, commit: 'w1', artifact: 'sha256:w1' },
      { id: TWO, bundle: 'api', values: { 'cluster.name': 'two' }, commit: 'a1', artifact: 'sha256:a1' },
      { id: TWO, bundle: 'web', values: { 'cluster.name': 'two' }, commit: 'w0', artifact: 'sha256:w0' },
    ]);
    // `api` at a1 is one body for both clusters.
    const bodies = await dataSource.query<{ target: unknown }[]>(`SELECT target FROM target_body ORDER BY commit`);
    expect(bodies.map((b) => b.target)).toEqual([body('api', 'a1'), body('web', 'w0'), body('web', 'w1')]);
    const heads = await dataSource.query<unknown[]>(
      `SELECT cluster_id::text AS id, revision::text AS revision, checksum, acked_revision::text AS acked, bundle_revisions AS revisions,
              target_digests AS digests
       FROM target_set ORDER BY cluster_id`,
    );
    // What describes each TargetSet as a whole stays on its row.
    expect(heads).toEqual(
      BEFORE.map((t) => ({
        id: t.id,
        revision: t.revision,
        checksum: `sum-${t.revision}`,
        acked: t.revision,
        revisions: t.bundleRevisions,
        digests: t.digests,
      })),
    );
  });

  it('gives back the same whole targets it took, and puts them back as they were when undone', async () => {
    const whole = await dataSource.query<{ id: string; targets: unknown }[]>(
      `SELECT t.cluster_id::text AS id, ${WHOLE_TARGETS_SQL} AS targets FROM target_set t ORDER BY t.cluster_id`,
    );
    expect(whole).toEqual(BEFORE.map((t) => ({ id: t.id, targets: t.targets })));

    await dataSource.undoLastMigration({ transaction: 'each' });
    const restored = await dataSource.query<{ id: string; targets: unknown }[]>(
      `SELECT cluster_id::text AS id, targets FROM target_set ORDER BY cluster_id`,
    );
    expect(restored).toEqual(BEFORE.map((t) => ({ id: t.id, targets: t.targets })));
    expect(await dataSource.query(`SELECT to_regclass('target_set_target') AS t, to_regclass('target_body') AS b`)).toEqual([
      { t: null, b: null },
    ]);
  });
});
