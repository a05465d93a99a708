import { arrayLiteral, jsonbArraySql } from '../database/pg-arrays';
import type { ReceivedReport } from './report';

/**
 * One statement for a whole batch of reports (so one transaction): history rows for every new
 * (cluster, seq); the newest report per (cluster, bundle) becomes the current status if its
 * seq is higher and the bundle is in the cluster's TargetSet (and, if it says synced, what the
 * cluster runs: the applied_* columns); a report that concludes a sync becomes a deployment
 * history entry. Returns which reports were new, which became current, and the statuses as
 * they were before (with the cluster's name), which fleet events compare against.
 */
export const STORE_REPORTS_SQL = `
WITH input AS (
  -- An array literal per column, resources and summary as JSON arrays (pg-arrays.ts). With the
  -- batch as one JSON document of rows (json_to_recordset) the statement for 1,667 reports of
  -- one resource each took 105–120 ms, 92–106 ms this way; of ten resources each 419–430 ms,
  -- 235–250 ms (docs/scale-rounds.md, eighteenth round).
  SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::text[], $4::text[], $5::text[], $6::text[],
                       ${jsonbArraySql('$7')}, $8::timestamptz[], $9::bigint[], $10::text[],
                       ${jsonbArraySql('$11')}, $12::int[], $13::timestamptz[], $14::text[])
    AS i(cluster_id, seq, bundle, commit, phase, message, resources, observed_at, target_set_revision,
         health, summary, drift_count, sync_started_at, reason)
), inserted AS (
  INSERT INTO status_report (cluster_id, seq, bundle, commit, phase, message, resources, observed_at, target_set_revision,
                             received_at, health, summary, drift_count, sync_started_at, reason)
  SELECT cluster_id, seq, bundle, commit, phase, message, resources, observed_at, target_set_revision,
         now(), health, summary, drift_count, sync_started_at, reason
  FROM input i
  -- History has no foreign key to cluster (migration 1736600000000): a report of a cluster that
  -- is not there (deleted under its session) is not kept, nor does it fail the batch.
  WHERE EXISTS (SELECT 1 FROM cluster c WHERE c.id = i.cluster_id)
  ON CONFLICT (cluster_id, seq) DO NOTHING
  RETURNING *
), owned AS (
  SELECT i.* FROM inserted i
  WHERE EXISTS (SELECT 1 FROM target_set_target tt WHERE tt.cluster_id = i.cluster_id AND tt.bundle = i.bundle)
), newest AS (
  SELECT DISTINCT ON (cluster_id, bundle) * FROM owned ORDER BY cluster_id, bundle, seq DESC
), current AS (
  INSERT INTO bundle_status (cluster_id, bundle, commit, phase, message, resources, last_seq, observed_at, updated_at,
                             health, summary, drift_count, sync_started_at, reason, target_set_revision,
                             applied_commit, applied_at, applied_summary, applied_resources)
  SELECT cluster_id, bundle, commit, phase, message, resources, seq, observed_at, now(),
         health, summary, drift_count, sync_started_at, reason, target_set_revision,
         CASE WHEN phase = 'synced' THEN commit END, CASE WHEN phase = 'synced' THEN coalesce(observed_at, now()) END,
         CASE WHEN phase = 'synced' THEN summary END, CASE WHEN phase = 'synced' THEN resources END
  FROM newest
  ON CONFLICT (cluster_id, bundle) DO UPDATE
    SET commit = EXCLUDED.commit, phase = EXCLUDED.phase, message = EXCLUDED.message, resources = EXCLUDED.resources,
        last_seq = EXCLUDED.last_seq, observed_at = EXCLUDED.observed_at, updated_at = EXCLUDED.updated_at,
        health = EXCLUDED.health, summary = EXCLUDED.summary, drift_count = EXCLUDED.drift_count,
        sync_started_at = EXCLUDED.sync_started_at, reason = EXCLUDED.reason, target_set_revision = EXCLUDED.target_set_revision,
        -- What runs changes only with a report that says synced; a failed or progressing one leaves it.
        applied_commit = coalesce(EXCLUDED.applied_commit, bundle_status.applied_commit),
        applied_at = coalesce(EXCLUDED.applied_at, bundle_status.applied_at),
        applied_summary = CASE WHEN EXCLUDED.applied_commit IS NULL THEN bundle_status.applied_summary ELSE EXCLUDED.applied_summary END,
        applied_resources = coalesce(EXCLUDED.applied_resources, bundle_status.applied_resources)
    WHERE bundle_status.last_seq < EXCLUDED.last_seq
  RETURNING cluster_id, last_seq, bundle
), deployed AS (
  INSERT INTO deployment (cluster_id, bundle, commit, seq, started_at, finished_at, result, health, summary, message)
  SELECT cluster_id, bundle, commit, seq, sync_started_at, coalesce(observed_at, received_at), phase, health, summary, message
  FROM owned
  WHERE sync_started_at IS NOT NULL AND phase IN ('synced', 'failed')
  ON CONFLICT (cluster_id, seq) DO NOTHING
)
-- One row, each part one JSON array: pg parses each with one JSON.parse, where three rows a report
-- (stored, current, previous) were parsed field by field and an object built for each.
SELECT (SELECT json_agg(cluster_id::text || '/' || seq::text) FROM inserted) AS stored,
       (SELECT json_agg(cluster_id::text || '/' || last_seq::text) FROM current) AS current,
       -- Every part of one statement reads the same snapshot: these are the statuses as they were
       -- before the upsert above replaced them. Matched to the current ones by the caller: joined
       -- here, PostgreSQL (which expects one row from a CTE) loops over one CTE per row of the other.
       (SELECT json_agg(json_build_array(n.cluster_id::text || '/' || n.bundle, k.name, b.commit, b.phase, b.health,
                                         b.drift_count, b.message, b.target_set_revision::text))
        FROM newest n
        JOIN cluster k ON k.id = n.cluster_id
        LEFT JOIN bundle_status b ON b.cluster_id = n.cluster_id AND b.bundle = n.bundle) AS previous`;

/**
 * STORE_REPORTS_SQL's one row. Keys are `<cluster id>/<seq>` (stored, current) and
 * `<cluster id>/<bundle>` (previous); each part is null when empty.
 */
export interface StoredResult {
  /** The reports stored now (not re-sent). */
  stored: string[] | null;
  /** The reports that became their bundle's current status. */
  current: string[] | null;
  /** For each (cluster, bundle) reported: the cluster's name, and the bundle's status before this statement (nulls: none). */
  previous: PreviousStatus[] | null;
}

/** `[key, cluster name, commit, phase, health, drift count, message, TargetSet revision]`. */
export type PreviousStatus = [string, string, string | null, string | null, string | null, number | null, string | null, string | null];

/** The batch as STORE_REPORTS_SQL's parameters: a column each (pg-arrays.ts). */
export function reportColumns(batch: { clusterId: string; report: ReceivedReport }[]): unknown[] {
  return [
    arrayLiteral(batch, (e) => e.clusterId),
    arrayLiteral(batch, (e) => e.report.seq),
    arrayLiteral(batch, (e) => e.report.bundle),
    arrayLiteral(batch, (e) => e.report.commit),
    arrayLiteral(batch, (e) => e.report.phase),
    arrayLiteral(batch, (e) => e.report.message),
    JSON.stringify(batch.map((e) => e.report.resources)),
    arrayLiteral(batch, (e) => e.report.observedAt?.toISOString() ?? null),
    arrayLiteral(batch, (e) => e.report.targetSetRevision),
    arrayLiteral(batch, (e) => e.report.health),
    JSON.stringify(batch.map((e) => e.report.summary)),
    arrayLiteral(batch, (e) => e.report.driftCount),
    arrayLiteral(batch, (e) => e.report.syncStartedAt?.toISOString() ?? null),
    arrayLiteral(batch, (e) => e.report.reason),
  ];
}
