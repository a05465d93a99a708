import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which TargetSet revision changed each bundle's target on a cluster (target_set.bundle_revisions,
 * bundle → revision), and which revision the agent was on when it sent the current status
 * (bundle_status.target_set_revision): a rollout counts a cluster done only on a report made
 * with its new target, even when the commit did not change (new values, say).
 */
export class BundleRevisions1735300000000 implements MigrationInterface {
  name = 'BundleRevisions1735300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE target_set ADD COLUMN bundle_revisions jsonb NOT NULL DEFAULT '{}'`);
    await db.query(`ALTER TABLE bundle_status ADD COLUMN target_set_revision bigint`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bundle_status DROP COLUMN target_set_revision`);
    await db.query(`ALTER TABLE target_set DROP COLUMN bundle_revisions`);
  }
}
