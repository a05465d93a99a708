import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A TargetSet's targets stored as a row each, not as one JSON array per cluster, so that a
 * commit writes the targets it changed and nothing else. `target_set` keeps what describes the
 * TargetSet as a whole (revision, checksum, each bundle's digest and the revision it last
 * changed in, what the agent acknowledged); `target_set_target` has a row per bundle: the body
 * of its target and the cluster's values; `target_body` has each distinct target without its
 * values once, under the SHA-256 of its jsonb text, with the commit and artifact digest that
 * readers look for.
 *
 * At ten bundles a cluster a commit that changed one rewrote every cluster's whole array, about
 * 6 KB of jsonb, built, compressed and logged: 60 MB for 10,000 clusters (docs/scaling.md
 * "Clusters of many bundles"). Now it writes one target row per cluster, and the cluster's row.
 */
export class TargetRows1736900000000 implements MigrationInterface {
  name = 'TargetRows1736900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE target_body (
        id              text PRIMARY KEY,
        target          jsonb NOT NULL,
        commit          text,
        artifact_digest text,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX target_body_artifact_digest ON target_body (artifact_digest) WHERE artifact_digest IS NOT NULL`);
    await db.query(`
      CREATE TABLE target_set_target (
        cluster_id    uuid NOT NULL REFERENCES target_set (cluster_id) ON DELETE CASCADE,
        bundle        text NOT NULL,
        body_id       text NOT NULL REFERENCES target_body (id),
        target_values jsonb NOT NULL,
        PRIMARY KEY (cluster_id, bundle)
      ) WITH (fillfactor = 50)`);
    await db.query(`
      INSERT INTO target_body (id, target, commit, artifact_digest)
      SELECT DISTINCT ON (id) id, body, body->'source'->>'commit', body->'artifact'->>'digest'
      FROM (SELECT x - 'values' AS body FROM target_set t, jsonb_array_elements(t.targets) AS x) AS s,
           LATERAL (SELECT encode(sha256(convert_to(s.body::text, 'UTF8')), 'hex') AS id) AS h
      ORDER BY id`);
    await db.query(`
      INSERT INTO target_set_target (cluster_id, bundle, body_id, target_values)
      SELECT t.cluster_id, x->>'bundle', encode(sha256(convert_to((x - 'values')::text, 'UTF8')), 'hex'), COALESCE(x->'values', '{}'::jsonb)
      FROM target_set t, jsonb_array_elements(t.targets) AS x`);
    await db.query(`ALTER TABLE target_set DROP COLUMN targets`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE target_set ADD COLUMN targets jsonb NOT NULL DEFAULT '[]'`);
    await db.query(`
      UPDATE target_set t
      SET targets = (SELECT jsonb_agg(b.target || jsonb_build_object('values', tt.target_values) ORDER BY tt.bundle COLLATE "C")
                     FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id WHERE tt.cluster_id = t.cluster_id)
      WHERE EXISTS (SELECT 1 FROM target_set_target tt WHERE tt.cluster_id = t.cluster_id)`);
    await db.query(`ALTER TABLE target_set ALTER COLUMN targets DROP DEFAULT`);
    await db.query(`DROP TABLE target_set_target`);
    await db.query(`DROP TABLE target_body`);
  }
}
