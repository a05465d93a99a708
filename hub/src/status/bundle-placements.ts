import { phaseNeeds, type BundlePhase } from './phase';
import type { HealthName, ReportedPhase } from './report';

/**
 * Reads of the placements of bundles (a bundle in an active cluster's TargetSet) with their
 * current status, for the bundle endpoints of the admin API: counted in PostgreSQL, or, for one
 * bundle, a page of clusters at a time. Each row carries what the phase of a placement is
 * derived from; the derivation itself stays in one place (status/phase.ts, by way of
 * admin/views.ts), so these statements never decide a phase.
 */

/** What the phase of one bundle on one cluster is derived from. */
export interface PlacementFacts {
  bundle: string;
  /** The cluster has a session and was heard from at or after `heardSince` (it is active: only active clusters have placements). */
  reachable: boolean;
  /** The bundle's rollout admitted the cluster (false when the bundle has none). */
  admitted: boolean;
  /** Commit the TargetSet asks for ('' when its target has no source commit). */
  targetCommit: string;
  /** The current status, if the cluster ever reported the bundle. */
  reported: { commit: string; phase: ReportedPhase; health: HealthName } | null;
}

/** Placements with the same facts, counted. */
export interface PlacementGroup extends PlacementFacts {
  clusters: number;
  /** Of those clusters, the ones whose status counts a drifted resource, and the resources counted. */
  drifted: number;
  driftedResources: number;
  /** The clusters' value of the query's `groupBy` label (null: without it, or no `groupBy`). */
  groupValue: string | null;
}

/** One bundle on one cluster. */
export interface ClusterPlacement extends PlacementFacts {
  clusterId: string;
  cluster: string;
  labels: Record<string, string>;
}

export interface PlacementQuery {
  /** Clusters heard from before this are unreachable (connectivityWindowMs before now, as connectivityOf decides). */
  heardSince: Date;
  /** Clusters each bundle's rollout admitted (a bundle without a rollout: absent). */
  admitted: ReadonlyMap<string, readonly string[]>;
}

export interface PlacementGroupQuery extends PlacementQuery {
  /** Only these bundles (all when absent). */
  bundles?: string[];
  /** Only these clusters (all when absent). */
  clusterIds?: string[];
  /** Counted apart per value of this cluster label. */
  groupBy?: string;
}

export interface BundlePlacementQuery extends PlacementQuery {
  bundle: string;
  /** Clusters whose name comes after this one in code-point order. */
  after?: string;
  limit: number;
  /** Only placements that can be in this phase (phaseNeeds); the caller still filters the views. */
  phase?: BundlePhase;
}

/** Reachable as connectivityOf and isReachable decide it, for clusters that are active. */
const REACHABLE = `COALESCE(c.connected AND c.last_seen_at >= $1, false)`;

/** The status columns of a placement, NULL when it never reported. */
const STATUS_COLUMNS = `s.commit AS "reportedCommit", s.phase AS "reportedPhase", s.health AS "reportedHealth"`;

/**
 * Counts per bundle and facts over the whole fleet (or some clusters) in one statement: a few
 * rows per bundle come back, however many clusters there are. The admitted pairs are joined,
 * not searched: a rollout may admit thousands of clusters.
 */
const PLACEMENT_GROUPS_SQL = `
SELECT p.bundle, ${REACHABLE} AS reachable, a.cluster_id IS NOT NULL AS admitted,
       COALESCE(b.commit, '') AS "targetCommit", ${STATUS_COLUMNS}, c.labels->>$6 AS "groupValue",
       count(*)::int AS clusters, count(*) FILTER (WHERE s.drift_count > 0)::int AS drifted,
       COALESCE(sum(s.drift_count), 0)::int AS "driftedResources"
FROM cluster c
JOIN target_set_target p ON p.cluster_id = c.id
JOIN target_body b ON b.id = p.body_id
LEFT JOIN bundle_status s ON s.cluster_id = c.id AND s.bundle = p.bundle
LEFT JOIN (SELECT DISTINCT bundle, cluster_id FROM unnest($2::text[], $3::uuid[]) AS u(bundle, cluster_id)) AS a
       ON a.bundle = p.bundle AND a.cluster_id = c.id
WHERE c.state = 'active'
  AND ($4::text[] IS NULL OR p.bundle = ANY($4::text[]))
  AND ($5::uuid[] IS NULL OR c.id = ANY($5::uuid[]))
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

/** One bundle's placements in code-point order of the cluster name, read along the name index. */
const BUNDLE_PLACEMENTS_SQL = `
SELECT c.id::text AS "clusterId", c.name AS cluster, c.labels, ${REACHABLE} AS reachable, c.id = ANY($3::uuid[]) AS admitted,
       COALESCE(b.commit, '') AS "targetCommit", ${STATUS_COLUMNS}
FROM cluster c
JOIN target_set_target p ON p.cluster_id = c.id AND p.bundle = $2
JOIN target_body b ON b.id = p.body_id
LEFT JOIN bundle_status s ON s.cluster_id = c.id AND s.bundle = $2
WHERE c.state = 'active' AND ($4::text IS NULL OR c.name COLLATE "C" > $4)
  AND ($6::boolean IS NULL OR ${REACHABLE} = $6)
  AND ($7::text[] IS NULL OR s.phase = ANY($7::text[]))
ORDER BY c.name COLLATE "C"
LIMIT $5`;

/**
 * Active clusters in code-point order of the name, read along the name index, each with its
 * TargetSet's commit and its status for some bundles only: what a commit's progress needs of a
 * cluster, aggregated in PostgreSQL so that no entity is built (GET /api/v1/commits/:commit walks
 * the whole fleet with it).
 */
const CLUSTER_BUNDLES_SQL = `
SELECT c.id::text AS "clusterId", c.name, c.labels, ${REACHABLE} AS reachable,
       COALESCE((SELECT jsonb_agg(jsonb_build_array(tt.bundle, COALESCE(b.commit, '')) ORDER BY tt.bundle COLLATE "C")
                   FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id
                   WHERE tt.cluster_id = c.id AND tt.bundle = ANY($2::text[])), '[]') AS targets,
       COALESCE((SELECT jsonb_agg(jsonb_build_array(s.bundle, s.commit, s.phase, s.health))
                   FROM bundle_status s WHERE s.cluster_id = c.id AND s.bundle = ANY($2::text[])), '[]') AS statuses
FROM cluster c
WHERE c.state = 'active' AND ($3::text IS NULL OR c.name COLLATE "C" > $3)
ORDER BY c.name COLLATE "C"
LIMIT $4`;

interface StatusColumns {
  reportedCommit: string | null;
  reportedPhase: ReportedPhase | null;
  reportedHealth: HealthName | null;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown[]>;

export async function placementGroups(query: Query, q: PlacementGroupQuery): Promise<PlacementGroup[]> {
  if (q.clusterIds?.length === 0 || q.bundles?.length === 0) return [];
  const pairs = [...q.admitted].flatMap(([bundle, ids]) => ids.map((id) => [bundle, id] as const));
  const rows = (await query(PLACEMENT_GROUPS_SQL, [
    q.heardSince,
    pairs.map(([bundle]) => bundle),
    pairs.map(([, id]) => id),
    q.bundles ?? null,
    q.clusterIds ?? null,
    q.groupBy ?? null,
  ])) as (Omit<PlacementGroup, 'reported'> & StatusColumns)[];
  return rows.map(({ reportedCommit, reportedPhase, reportedHealth, ...row }) => ({
    ...row,
    reported: reported({ reportedCommit, reportedPhase, reportedHealth }),
  }));
}

export async function bundlePlacements(query: Query, q: BundlePlacementQuery): Promise<ClusterPlacement[]> {
  const needs = q.phase === undefined ? undefined : phaseNeeds(q.phase);
  const rows = (await query(BUNDLE_PLACEMENTS_SQL, [
    q.heardSince,
    q.bundle,
    q.admitted.get(q.bundle) ?? [],
    q.after ?? null,
    q.limit,
    needs?.reachable ?? null,
    needs?.reported ?? null,
  ])) as (Omit<ClusterPlacement, 'reported' | 'bundle'> & StatusColumns)[];
  return rows.map(({ reportedCommit, reportedPhase, reportedHealth, ...row }) => ({
    ...row,
    bundle: q.bundle,
    reported: reported({ reportedCommit, reportedPhase, reportedHealth }),
  }));
}

/** An active cluster with what its TargetSet asks for and its agent reported, of some bundles. */
export interface ClusterBundles {
  clusterId: string;
  name: string;
  labels: Record<string, string>;
  reachable: boolean;
  /** The commit its TargetSet asks for, by bundle ('' without a source commit); bundles it does not hold are absent. */
  targetCommits: Map<string, string>;
  /** Its current status, by bundle; bundles it never reported are absent. */
  reported: Map<string, NonNullable<PlacementFacts['reported']>>;
}

export interface ClusterBundlesQuery {
  heardSince: Date;
  bundles: string[];
  /** Clusters whose name comes after this one in code-point order. */
  after?: string;
  limit: number;
}

export async function clusterBundles(query: Query, q: ClusterBundlesQuery): Promise<ClusterBundles[]> {
  const rows = (await query(CLUSTER_BUNDLES_SQL, [q.heardSince, q.bundles, q.after ?? null, q.limit])) as (Omit<
    ClusterBundles,
    'targetCommits' | 'reported'
  > & { targets: [string, string][]; statuses: [string, string, ReportedPhase, HealthName][] })[];
  return rows.map(({ targets, statuses, ...row }) => ({
    ...row,
    targetCommits: new Map(targets),
    reported: new Map(statuses.map(([bundle, commit, phase, health]) => [bundle, { commit, phase, health }])),
  }));
}

function reported(s: StatusColumns): PlacementFacts['reported'] {
  return s.reportedCommit === null ? null : { commit: s.reportedCommit, phase: s.reportedPhase!, health: s.reportedHealth! };
}
