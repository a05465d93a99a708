import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Source artifacts packed by the hub and fetched by agents (hub/src/artifacts). */
export class Artifacts1736000000000 implements MigrationInterface {
  name = 'Artifacts1736000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE artifact (
      digest text PRIMARY KEY,
      content_key text NOT NULL,
      size bigint NOT NULL,
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE UNIQUE INDEX artifact_content_key ON artifact (content_key)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE artifact`);
  }
}
