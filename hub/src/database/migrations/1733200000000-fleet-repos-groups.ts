import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Several fleet repositories, cluster groups, and the accepted fleet commits kept for pins and rollbacks. */
export class FleetReposGroups1733200000000 implements MigrationInterface {
  name = 'FleetReposGroups1733200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE fleet_source ADD COLUMN name text`);
    await db.query(`ALTER TABLE bundle ADD COLUMN fleet_repo text NOT NULL DEFAULT 'default'`);
    await db.query(`
      CREATE TABLE cluster_group (
        name       text PRIMARY KEY,
        fleet_repo text NOT NULL,
        selector   jsonb NOT NULL,
        commit     text NOT NULL,
        file       text NOT NULL
      )`);
    await db.query(`
      CREATE TABLE fleet_commit (
        fleet_repo  text NOT NULL,
        commit      text NOT NULL,
        bundles     jsonb NOT NULL,
        groups      jsonb NOT NULL,
        documents   jsonb NOT NULL,
        accepted_at timestamptz NOT NULL,
        PRIMARY KEY (fleet_repo, commit)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE fleet_commit`);
    await db.query(`DROP TABLE cluster_group`);
    await db.query(`ALTER TABLE bundle DROP COLUMN fleet_repo`);
    await db.query(`ALTER TABLE fleet_source DROP COLUMN name`);
  }
}
