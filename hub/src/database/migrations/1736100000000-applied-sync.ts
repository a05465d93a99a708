import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a cluster runs of a bundle, kept beside its newest report: the commit, time, change set
 * and resources of the newest report that said synced. A failed sync replaces the newest
 * report, never these — so the cluster page can say what is still live, and which commit it is.
 */
export class AppliedSync1736100000000 implements MigrationInterface {
  name = 'AppliedSync1736100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bundle_status
      ADD COLUMN applied_commit text,
      ADD COLUMN applied_at timestamptz,
      ADD COLUMN applied_summary jsonb,
      ADD COLUMN applied_resources jsonb`);
    await db.query(`UPDATE bundle_status SET applied_commit = commit, applied_at = coalesce(observed_at, updated_at),
      applied_summary = summary, applied_resources = resources WHERE phase = 'synced'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bundle_status DROP COLUMN applied_commit, DROP COLUMN applied_at, DROP COLUMN applied_summary,
      DROP COLUMN applied_resources`);
  }
}
