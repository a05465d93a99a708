import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bundle → the SHA-256 of its target's canonical JSON, beside each TargetSet: a placement
 * learns which bundles' targets changed (their bundle revisions) from these few bytes per
 * cluster instead of reading and re-canonicalising every stored target. Rows written before
 * this column are read whole once, then carry it.
 */
export class TargetDigests1736450000000 implements MigrationInterface {
  name = 'TargetDigests1736450000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE target_set ADD COLUMN target_digests jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE target_set DROP COLUMN target_digests`);
  }
}
