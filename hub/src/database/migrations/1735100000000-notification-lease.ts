import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lease on each notification being sent: the replica sending it renews it before every
 * retry; once it runs out (that replica died, or stopped with a retry pending) another
 * replica takes the delivery over. Rows still 'sending' from before start out expired.
 */
export class NotificationLease1735100000000 implements MigrationInterface {
  name = 'NotificationLease1735100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notification_delivery ADD COLUMN lease_until timestamptz NOT NULL DEFAULT now()`);
    await db.query(`CREATE INDEX notification_delivery_sending_idx ON notification_delivery (lease_until) WHERE state = 'sending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX notification_delivery_sending_idx`);
    await db.query(`ALTER TABLE notification_delivery DROP COLUMN lease_until`);
  }
}
