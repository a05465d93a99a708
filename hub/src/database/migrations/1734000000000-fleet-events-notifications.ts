import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The fleet event log (API, dashboard and notifications read it) and the claims of webhook deliveries. */
export class FleetEventsNotifications1734000000000 implements MigrationInterface {
  name = 'FleetEventsNotifications1734000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE fleet_event (
        id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type     text NOT NULL,
        at       timestamptz NOT NULL DEFAULT now(),
        severity text NOT NULL,
        cluster  text,
        bundle   text,
        commit   text,
        message  text NOT NULL,
        details  jsonb NOT NULL DEFAULT '{}'
      )`);
    await db.query(`CREATE INDEX fleet_event_cluster_idx ON fleet_event (cluster, id)`);
    await db.query(`CREATE INDEX fleet_event_bundle_idx ON fleet_event (bundle, id)`);
    await db.query(`CREATE INDEX fleet_event_type_idx ON fleet_event (type, id)`);
    await db.query(`CREATE INDEX fleet_event_at_idx ON fleet_event (at)`);
    // One row per (event, webhook): the replica that inserts it sends; the others see the conflict and do not.
    await db.query(`
      CREATE TABLE notification_delivery (
        event_id    bigint NOT NULL REFERENCES fleet_event (id) ON DELETE CASCADE,
        webhook     text NOT NULL,
        claimed_at  timestamptz NOT NULL DEFAULT now(),
        state       text NOT NULL DEFAULT 'sending',
        attempts    integer NOT NULL DEFAULT 0,
        last_error  text,
        finished_at timestamptz,
        PRIMARY KEY (event_id, webhook)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE notification_delivery`);
    await db.query(`DROP TABLE fleet_event`);
  }
}
