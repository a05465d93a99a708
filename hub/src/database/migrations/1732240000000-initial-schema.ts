import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Fleet source and bundles, clusters, their target sets and the status they report. */
export class InitialSchema1732240000000 implements MigrationInterface {
  name = 'InitialSchema1732240000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE fleet_source (
        id               serial PRIMARY KEY,
        url              text NOT NULL,
        branch           text NOT NULL,
        path             text NOT NULL,
        last_good_commit text,
        last_error       jsonb,
        fetched_at       timestamptz,
        CONSTRAINT fleet_source_url_branch_path_key UNIQUE (url, branch, path)
      )`);
    await db.query(`
      CREATE TABLE bundle (
        name   text PRIMARY KEY,
        spec   jsonb NOT NULL,
        commit text NOT NULL,
        file   text NOT NULL
      )`);
    await db.query(`
      CREATE TABLE cluster (
        id              uuid PRIMARY KEY,
        name            text NOT NULL CONSTRAINT cluster_name_key UNIQUE,
        kube_system_uid text NOT NULL CONSTRAINT cluster_kube_system_uid_key UNIQUE,
        labels          jsonb NOT NULL,
        credential_hash text NOT NULL,
        agent_version   text NOT NULL,
        registered_at   timestamptz NOT NULL,
        last_seen_at    timestamptz,
        connected       boolean NOT NULL
      )`);
    await db.query(`
      CREATE TABLE target_set (
        cluster_id     uuid PRIMARY KEY REFERENCES cluster (id) ON DELETE CASCADE,
        revision       bigint NOT NULL,
        checksum       text NOT NULL,
        targets        jsonb NOT NULL,
        updated_at     timestamptz NOT NULL,
        acked_revision bigint,
        acked_checksum text,
        acked_at       timestamptz
      )`);
    await db.query(`
      CREATE TABLE bundle_status (
        cluster_id  uuid NOT NULL REFERENCES cluster (id) ON DELETE CASCADE,
        bundle      text NOT NULL,
        commit      text NOT NULL,
        phase       text NOT NULL,
        message     text NOT NULL,
        resources   jsonb NOT NULL,
        last_seq    numeric(20, 0) NOT NULL,
        observed_at timestamptz,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (cluster_id, bundle)
      )`);
    await db.query(`CREATE INDEX bundle_status_bundle_idx ON bundle_status (bundle)`);
    await db.query(`
      CREATE TABLE status_report (
        cluster_id          uuid NOT NULL REFERENCES cluster (id) ON DELETE CASCADE,
        seq                 numeric(20, 0) NOT NULL,
        bundle              text NOT NULL,
        commit              text NOT NULL,
        phase               text NOT NULL,
        message             text NOT NULL,
        resources           jsonb NOT NULL,
        observed_at         timestamptz,
        target_set_revision bigint,
        received_at         timestamptz NOT NULL,
        PRIMARY KEY (cluster_id, seq)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['status_report', 'bundle_status', 'target_set', 'cluster', 'bundle', 'fleet_source']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
