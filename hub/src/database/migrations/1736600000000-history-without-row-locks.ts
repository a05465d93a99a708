import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history tables (status_report, deployment) lose their foreign keys to cluster. Each row
 * inserted under a foreign key has PostgreSQL check the cluster row and lock it (FOR KEY SHARE):
 * two lookups, two row locks and their WAL per report, on the rows every last-seen flush also
 * updates, in the one statement that stores a batch of reports (bench/scale.ts: about a quarter
 * of that statement's time was spent outside its plan, mostly in these checks). The statement
 * stores reports of existing clusters only (store-reports.sql.ts), and deleting clusters (which
 * the hub never does; an operator may) still deletes their history, now once per statement.
 */
export class HistoryWithoutRowLocks1736600000000 implements MigrationInterface {
  name = 'HistoryWithoutRowLocks1736600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE status_report DROP CONSTRAINT status_report_cluster_id_fkey`);
    await db.query(`ALTER TABLE deployment DROP CONSTRAINT deployment_cluster_id_fkey`);
    await db.query(`
      CREATE FUNCTION cluster_history_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM status_report s USING deleted_cluster d WHERE s.cluster_id = d.id;
        DELETE FROM deployment h USING deleted_cluster d WHERE h.cluster_id = d.id;
        RETURN NULL;
      END
      $$`);
    await db.query(`
      CREATE TRIGGER cluster_history_deleted AFTER DELETE ON cluster
        REFERENCING OLD TABLE AS deleted_cluster FOR EACH STATEMENT EXECUTE FUNCTION cluster_history_deleted()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER cluster_history_deleted ON cluster`);
    await db.query(`DROP FUNCTION cluster_history_deleted()`);
    // History of clusters deleted while there was no key is dropped; the key would refuse it.
    await db.query(`DELETE FROM status_report s WHERE NOT EXISTS (SELECT 1 FROM cluster c WHERE c.id = s.cluster_id)`);
    await db.query(`DELETE FROM deployment h WHERE NOT EXISTS (SELECT 1 FROM cluster c WHERE c.id = h.cluster_id)`);
    await db.query(
      `ALTER TABLE status_report ADD CONSTRAINT status_report_cluster_id_fkey FOREIGN KEY (cluster_id) REFERENCES cluster (id) ON DELETE CASCADE`,
    );
    await db.query(
      `ALTER TABLE deployment ADD CONSTRAINT deployment_cluster_id_fkey FOREIGN KEY (cluster_id) REFERENCES cluster (id) ON DELETE CASCADE`,
    );
  }
}
