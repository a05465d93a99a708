import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The JSON columns written with every status report or placement, compressed with lz4 rather
 * than PostgreSQL's default pglz. A value over about 2 KB is compressed as it is stored: a
 * report of ten resources is 2.4 KB of jsonb, written three times (history, current status,
 * what the cluster runs), and a TargetSet of tens of bundles is as large, written for every
 * cluster a commit places. lz4 compresses such values in less CPU (a status statement's
 * PostgreSQL CPU per report of ten resources about a tenth less: docs/scaling.md), at a
 * slightly larger size (327 bytes against pglz's 260 for those ten).
 *
 * Only a catalog change: values already stored stay as they were (PostgreSQL reads either), new
 * ones are compressed with lz4. A server built without lz4 (PGlite, the embedded database, has
 * only pglz) or older than PostgreSQL 14 keeps pglz: the migration then changes nothing. A dump
 * of a database migrated here restores into such a server with `pg_restore --no-toast-compression`.
 */
export class Lz4Compression1736800000000 implements MigrationInterface {
  name = 'Lz4Compression1736800000000';

  async up(db: QueryRunner): Promise<void> {
    if (!(await lz4Available(db))) return;
    for (const [table, column] of COMPRESSED) await db.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION lz4`);
  }

  async down(db: QueryRunner): Promise<void> {
    if (!(await lz4Available(db))) return;
    for (const [table, column] of COMPRESSED) await db.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION default`);
  }
}

/** The columns written at a commit's or a report's rate that can pass the size PostgreSQL compresses at. */
export const COMPRESSED: readonly (readonly [table: string, column: string])[] = [
  ['status_report', 'resources'],
  ['bundle_status', 'resources'],
  ['bundle_status', 'applied_resources'],
  ['target_set', 'targets'],
  ['fleet_event', 'details'],
];

/** Whether this server can compress with lz4: PostgreSQL 14 or later, built with it. */
export async function lz4Available(db: Pick<QueryRunner, 'query'>): Promise<boolean> {
  const rows: { lz4: boolean }[] = await db.query(
    `SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
  );
  return rows[0]?.lz4 === true;
}
