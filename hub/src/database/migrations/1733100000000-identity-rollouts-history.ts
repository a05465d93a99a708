import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bootstrap tokens, cluster approval and revocation, richer status (health, drift, change-set
 * summary), deployment history, rollout state and bundle pins.
 */
export class IdentityRolloutsHistory1733100000000 implements MigrationInterface {
  name = 'IdentityRolloutsHistory1733100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE bootstrap_token (
        id          uuid PRIMARY KEY,
        description text NOT NULL,
        token_hash  text NOT NULL CONSTRAINT bootstrap_token_hash_key UNIQUE,
        expires_at  timestamptz,
        max_uses    integer,
        uses        integer NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL,
        revoked_at  timestamptz
      )`);

    await db.query(`ALTER TABLE cluster ADD COLUMN state text NOT NULL DEFAULT 'active'`);
    await db.query(`ALTER TABLE cluster ADD COLUMN state_changed_at timestamptz`);

    for (const table of ['bundle_status', 'status_report']) {
      await db.query(`ALTER TABLE ${table} ADD COLUMN health text NOT NULL DEFAULT 'unspecified'`);
      await db.query(`ALTER TABLE ${table} ADD COLUMN drift_count integer NOT NULL DEFAULT 0`);
      await db.query(`ALTER TABLE ${table} ADD COLUMN summary jsonb`);
      await db.query(`ALTER TABLE ${table} ADD COLUMN sync_started_at timestamptz`);
      await db.query(`ALTER TABLE ${table} ADD COLUMN reason text NOT NULL DEFAULT 'unspecified'`);
    }

    await db.query(`
      CREATE TABLE deployment (
        id          bigserial PRIMARY KEY,
        cluster_id  uuid NOT NULL REFERENCES cluster (id) ON DELETE CASCADE,
        bundle      text NOT NULL,
        commit      text NOT NULL,
        seq         numeric(20, 0) NOT NULL,
        started_at  timestamptz,
        finished_at timestamptz,
        result      text NOT NULL,
        health      text NOT NULL,
        summary     jsonb,
        message     text NOT NULL,
        CONSTRAINT deployment_cluster_seq_key UNIQUE (cluster_id, seq)
      )`);
    await db.query(`CREATE INDEX deployment_cluster_idx ON deployment (cluster_id, id DESC)`);
    await db.query(`CREATE INDEX deployment_bundle_idx ON deployment (bundle, id DESC)`);

    await db.query(`
      CREATE TABLE rollout (
        bundle      text PRIMARY KEY,
        revision    text NOT NULL,
        commit      text NOT NULL,
        state       text NOT NULL,
        paused      boolean NOT NULL DEFAULT false,
        admitted    jsonb NOT NULL,
        partitions  jsonb NOT NULL,
        halt        jsonb,
        started_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE bundle_pin (
        bundle     text PRIMARY KEY,
        fleet_repo text NOT NULL,
        commit     text NOT NULL,
        pinned_at  timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['bundle_pin', 'rollout', 'deployment', 'bootstrap_token']) await db.query(`DROP TABLE ${table}`);
    for (const table of ['bundle_status', 'status_report']) {
      for (const column of ['health', 'drift_count', 'summary', 'sync_started_at', 'reason']) {
        await db.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
      }
    }
    await db.query(`ALTER TABLE cluster DROP COLUMN state_changed_at`);
    await db.query(`ALTER TABLE cluster DROP COLUMN state`);
  }
}
