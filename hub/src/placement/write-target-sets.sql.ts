import { arrayLiteral, jsonbArraySql } from '../database/pg-arrays';
import type { PendingTargetSet } from './target-set-store';
import { writtenHeads, writtenTargets } from './written-targets';

/**
 * TargetSetStore.write's statement for a chunk of TargetSets (its parameters: writeParameters).
 * A column per parameter (pg-arrays.ts), the JSON texts embedded as they are. Each target
 * written is a bundle target (in $8, once per chunk) and the cluster's values where it can
 * be (writtenTargets); the bodies are stored once under the SHA-256 of their jsonb text.
 * Of each TargetSet's digests and bundle revisions, only the entries that differ from its base
 * are sent (writtenHeads), and merged into the row: whole, they were most of a chunk's text.
 * Returns the TargetSets written, at their new revisions.
 */
export const WRITE_TARGET_SETS_SQL = `
WITH body AS (
  SELECT b.key, b.value - 'values' AS target, encode(sha256(convert_to((b.value - 'values')::text, 'UTF8')), 'hex') AS id
  FROM jsonb_each($8::jsonb) AS b
), given AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], ${jsonbArraySql('$4')}, ${jsonbArraySql('$5')})
    AS u(id, checksum, base, bundle_revisions, target_digests)
), updated AS (
  UPDATE target_set ts
  SET revision = ts.revision + 1, checksum = g.checksum,
      -- What differs from the base, a removed bundle as null (the base is the row: ts.revision = g.base).
      bundle_revisions = jsonb_strip_nulls(ts.bundle_revisions || g.bundle_revisions),
      target_digests = jsonb_strip_nulls(COALESCE(ts.target_digests, '{}'::jsonb) || g.target_digests),
      updated_at = now()
  FROM given g WHERE ts.cluster_id = g.id AND ts.revision = g.base AND ts.checksum <> g.checksum
  RETURNING ts.cluster_id, ts.revision
), inserted AS (
  INSERT INTO target_set (cluster_id, revision, checksum, bundle_revisions, target_digests, updated_at)
  SELECT g.id, 1, g.checksum, g.bundle_revisions, g.target_digests, now() FROM given g WHERE g.base IS NULL
  ON CONFLICT (cluster_id) DO NOTHING
  RETURNING cluster_id, revision
), head AS (
  SELECT * FROM updated UNION ALL SELECT * FROM inserted
), changed AS (
  SELECT h.cluster_id, x.n AS bundle, x.t, COALESCE(x.v, x.t->'values', '{}'::jsonb) AS target_values,
         COALESCE(body.id, encode(sha256(convert_to((x.t - 'values')::text, 'UTF8')), 'hex')) AS body_id
  FROM head h
  JOIN unnest($1::uuid[], ${jsonbArraySql('$6')}) AS u(id, targets) ON u.id = h.cluster_id
  CROSS JOIN LATERAL jsonb_to_recordset(u.targets) AS x(n text, b text, t jsonb, v jsonb)
  LEFT JOIN body ON body.key = x.b
), new_body AS (
  INSERT INTO target_body (id, target, commit, artifact_digest)
  SELECT DISTINCT ON (id) id, target, target->'source'->>'commit', target->'artifact'->>'digest'
  FROM (SELECT id, target FROM body UNION ALL SELECT body_id, t - 'values' FROM changed WHERE t IS NOT NULL) AS bodies
  ORDER BY id
  ON CONFLICT (id) DO NOTHING
), put AS (
  INSERT INTO target_set_target AS tt (cluster_id, bundle, body_id, target_values)
  SELECT cluster_id, bundle, body_id, target_values FROM changed
  ON CONFLICT (cluster_id, bundle) DO UPDATE SET body_id = EXCLUDED.body_id, target_values = EXCLUDED.target_values
), gone AS (
  DELETE FROM target_set_target tt
  USING unnest($7::uuid[], $9::text[]) AS r(id, bundle), head h
  WHERE r.id = h.cluster_id AND tt.cluster_id = r.id AND tt.bundle = r.bundle
)
SELECT cluster_id::text AS cluster_id, revision::text AS revision FROM head`;

/** A chunk as WRITE_TARGET_SETS_SQL's parameters. */
export function writeParameters(chunk: PendingTargetSet[]): unknown[] {
  const { bundleTargets, targetsOf, removed } = writtenTargets(chunk);
  const heads = writtenHeads(chunk);
  return [
    arrayLiteral(chunk, (p) => p.clusterId),
    arrayLiteral(chunk, (p) => p.checksum),
    arrayLiteral(chunk, (p) => p.base?.revision ?? null),
    heads.bundleRevisions,
    heads.digests,
    `[${targetsOf.join(',')}]`,
    arrayLiteral(removed, (r) => r.clusterId),
    bundleTargets,
    arrayLiteral(removed, (r) => r.bundle),
  ];
}
