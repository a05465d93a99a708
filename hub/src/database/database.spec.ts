import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { ArtifactEntity } from '../artifacts/artifact.entity';
import { ClusterEntity } from '../clusters/cluster.entity';
import { BundleEntity } from '../fleet-repo/bundle.entity';
import { FleetSourceEntity } from '../fleet-repo/fleet-source.entity';
import { TargetSetEntity } from '../placement/target-set.entity';
import { BundleStatusEntity } from '../status/bundle-status.entity';
import { StatusReportEntity } from '../status/status-report.entity';
import { dataSourceOptions } from './data-source-options';
import { MIGRATIONS } from './migrations';

const ENTITIES = [FleetSourceEntity, BundleEntity, ClusterEntity, TargetSetEntity, BundleStatusEntity, StatusReportEntity, ArtifactEntity];

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
      'target_set',
    ]);
    const applied = await dataSource.query<{ name: string }[]>(`SELECT name FROM migrations ORDER BY id`);
    // Every registered migration ran, oldest first.
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(applied[0]!.name).toBe('InitialSchema1732240000000');
  });

  it('leave nothing for synchronize to do: the entities describe exactly the migrated schema', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    // Foreign keys live in the migrations only, so that modules do not import each other's entities.
    const differences = pending.upQueries.map((q) => q.query).filter((q) => !/FOREIGN KEY|DROP CONSTRAINT "[^"]*_fkey"/.test(q));
    expect(differences).toEqual([]);
  });

  it('are not run twice', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    await dataSource.runMigrations();
    const applied = await dataSource.query<{ count: string }[]>(`SELECT count(*) FROM migrations`);
    expect(applied[0].count).toBe(String(MIGRATIONS.length));
  });
});
