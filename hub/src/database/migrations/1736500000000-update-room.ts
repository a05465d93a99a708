import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables updated far more often than inserted into keep room on each page for a row's next
 * version: target_set (every placement and every agent's ack rewrite a row), bundle_status (every
 * report), cluster (every last-seen flush, every few seconds). On full pages most updates cannot
 * stay on their row's page, and each then adds an entry to every index of the table; with room,
 * PostgreSQL keeps the new version on the page (a HOT update) and touches no index. At 10,000
 * agents only 20–29 % of these updates were HOT (bench/scale.ts). Pages filled from now on
 * keep the room; existing ones as they are rewritten.
 */
export class UpdateRoom1736500000000 implements MigrationInterface {
  name = 'UpdateRoom1736500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE target_set SET (fillfactor = 50)`);
    await db.query(`ALTER TABLE bundle_status SET (fillfactor = 70)`);
    await db.query(`ALTER TABLE cluster SET (fillfactor = 70)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['target_set', 'bundle_status', 'cluster']) await db.query(`ALTER TABLE ${table} RESET (fillfactor)`);
  }
}
