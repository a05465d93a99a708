import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes by age on the history tables, for the hourly retention prune (RetentionService). */
export class HistoryRetention1735200000000 implements MigrationInterface {
  name = 'HistoryRetention1735200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX status_report_received_at_idx ON status_report (received_at)`);
    await db.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);
    await db.query(`CREATE INDEX deployment_finished_at_idx ON deployment (finished_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX deployment_finished_at_idx`);
    await db.query(`DROP INDEX audit_log_at_idx`);
    await db.query(`DROP INDEX status_report_received_at_idx`);
  }
}
