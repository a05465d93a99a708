import { Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson } from '#core';
import { createHash } from 'node:crypto';
import type { HealthName, ReportedPhase, ResourceStatus } from '../status/report';
import type { ClusterRolloutState, HaltCause, PartitionState, PlannedPartition, RolloutState } from './rollout-plan';

/** The stored state of one bundle's rollout (table `rollout`). */
export interface StoredRollout {
  bundle: string;
  /** bundleRevision() of the spec being rolled out. */
  revision: string;
  commit: string;
  state: RolloutState;
  paused: boolean;
  admitted: string[];
  partitions: PlannedPartition[];
  halt: HaltCause | null;
  startedAt: Date;
  updatedAt: Date;
}

/** A rollout without its plan per cluster (`partitions`): what views and placement gate on. */
export type RolloutSummary = Omit<StoredRollout, 'partitions'>;

export interface BundlePin {
  bundle: string;
  fleetRepo: string;
  commit: string;
  pinnedAt: Date;
}

/**
 * A bundle's revision for rollouts: its whole spec except the rollout settings themselves, so
 * that tuning maxUnavailable does not restart a rollout. The source counts by its content: a
 * packed source by its artifact digest (a fleet commit that leaves the bundle's files as they
 * were starts no rollout), otherwise by its commit.
 */
export function bundleRevision(bundle: { rollout?: unknown; source?: { commit: string; artifact?: { digest: string } } }): string {
  const { rollout: _ignored, ...spec } = bundle;
  const source = spec.source?.artifact ? { ...spec.source, commit: '', artifact: { digest: spec.source.artifact.digest } } : spec.source;
  return createHash('sha256')
    .update(canonicalJson({ ...spec, source }))
    .digest('hex');
}

/** What a rollout step needs of one active cluster for one bundle (RolloutStore.clusterFacts). */
export interface RolloutClusterFacts {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** targetDigest of the bundle's target in the cluster's TargetSet; null when it holds none (or the row predates digests). */
  digest: string | null;
  /** The TargetSet row was stored before target digests: `digest` says nothing, the targets must be read. */
  digestsMissing: boolean;
  /** The TargetSet revision in which the bundle's target last changed. */
  sinceRevision: string | null;
  /** The bundle's current status on the cluster, if it ever reported it. */
  status: {
    commit: string;
    phase: ReportedPhase;
    health: HealthName;
    message: string;
    targetSetRevision: string | null;
    /** Only when the status failed or is degraded (what can halt a rollout); null otherwise. */
    resources: ResourceStatus[] | null;
  } | null;
}

/**
 * Every active cluster ($2 null) or some ($2 their ids) with, for one bundle, the digest of the
 * target it holds and its status: a rollout step's read of the fleet in one statement, a few
 * short columns a cluster.
 */
const CLUSTER_FACTS_SQL = `
SELECT c.id::text AS id, c.name, c.labels,
       t.target_digests->>$1 AS digest, t.cluster_id IS NOT NULL AND t.target_digests IS NULL AS "digestsMissing",
       t.bundle_revisions->>$1 AS "sinceRevision",
       s.commit, s.phase, s.health, s.message, s.target_set_revision::text AS "targetSetRevision",
       CASE WHEN s.phase = 'failed' OR s.health = 'degraded' THEN s.resources END AS resources
FROM cluster c
LEFT JOIN target_set t ON t.cluster_id = c.id
LEFT JOIN bundle_status s ON s.cluster_id = c.id AND s.bundle = $1
WHERE c.state = 'active' AND ($2::uuid[] IS NULL OR c.id = ANY($2::uuid[]))
ORDER BY c.name`;

/** One partition of a rollout as the API shows it: every cluster counted, the most telling ones listed. */
export interface ListedPartition {
  name: string;
  state: PartitionState;
  maxUnavailable: number;
  counts: Record<ClusterRolloutState, number>;
  clusters: { name: string; state: ClusterRolloutState }[];
  unlisted: number;
}

/** A rollout as the API shows it (RolloutStore.listed). */
export interface ListedRollout extends Omit<RolloutSummary, 'admitted'> {
  partitions: ListedPartition[];
}

/**
 * Some rollouts ($1, pinned bundles left out) with their partitions' clusters counted by state
 * and at most $3 clusters listed per rollout: failed first, then updating, waiting and done, in
 * partition order and by name within each. Only the clusters named in $2 count, when it is not
 * null (a token scoped to cluster groups). Done in PostgreSQL, in one statement (one snapshot:
 * the rollout's state agrees with its partitions): at 10,000 clusters a rollout's plan is most
 * of a megabyte of JSON, and the answer a few kilobytes.
 */
const LISTED_SQL = `
WITH r AS (
  SELECT bundle, revision, commit, state, paused, halt, started_at, updated_at, partitions
  FROM rollout WHERE bundle = ANY($1::text[]) AND bundle NOT IN (SELECT bundle FROM bundle_pin)
),
part AS (
  SELECT r.bundle, p.ord, p.v->>'name' AS name, p.v->>'state' AS state, (p.v->>'maxUnavailable')::int AS max_unavailable,
         p.v->'clusters' AS clusters
  FROM r, jsonb_array_elements(r.partitions) WITH ORDINALITY AS p(v, ord)
),
member AS (
  SELECT part.bundle, part.ord, m->>'name' AS name, m->>'state' AS state
  FROM part, jsonb_array_elements(part.clusters) m
  WHERE $2::text[] IS NULL OR m->>'name' IN (SELECT unnest($2::text[]))
),
ranked AS (
  SELECT member.*, row_number() OVER (
    PARTITION BY bundle
    ORDER BY CASE state WHEN 'failed' THEN 0 WHEN 'updating' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, ord, name COLLATE "C"
  ) AS rank
  FROM member
),
listed AS (
  SELECT part.bundle, part.ord, jsonb_build_object(
    'name', part.name, 'state', part.state, 'maxUnavailable', part.max_unavailable,
    'counts', jsonb_build_object(
      'waiting', count(ranked.name) FILTER (WHERE ranked.state = 'waiting'),
      'updating', count(ranked.name) FILTER (WHERE ranked.state = 'updating'),
      'done', count(ranked.name) FILTER (WHERE ranked.state = 'done'),
      'failed', count(ranked.name) FILTER (WHERE ranked.state = 'failed')),
    'clusters', coalesce(jsonb_agg(jsonb_build_object('name', ranked.name, 'state', ranked.state) ORDER BY ranked.rank)
                         FILTER (WHERE ranked.rank <= $3), '[]'::jsonb),
    'unlisted', count(ranked.name) FILTER (WHERE ranked.rank > $3)) AS partition
  FROM part LEFT JOIN ranked ON ranked.bundle = part.bundle AND ranked.ord = part.ord
  GROUP BY part.bundle, part.ord, part.name, part.state, part.max_unavailable
)
SELECT r.bundle, r.revision, r.commit, r.state, r.paused, r.halt, r.started_at, r.updated_at,
       coalesce((SELECT jsonb_agg(l.partition ORDER BY l.ord) FROM listed l WHERE l.bundle = r.bundle), '[]'::jsonb) AS partitions
FROM r`;

/** A row of `rollout` as read, without its plan per cluster (`partitions`). */
interface RolloutRow {
  bundle: string;
  revision: string;
  commit: string;
  state: RolloutState;
  paused: boolean;
  admitted: string[];
  halt: HaltCause | null;
  started_at: Date;
  updated_at: Date;
}

/**
 * Rollout state and pins in PostgreSQL: read by placement (to gate targets) and written by the
 * rollout service; RolloutStoreModule lets both import it without a module cycle.
 */
@Injectable()
export class RolloutStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Rollouts of the bundles that are not pinned, without their plan per cluster, which at 10,000
   * clusters is most of a row (about 40 bytes a cluster): what a step, views (read per page of a
   * list) and placement need. A pinned bundle is not rolled out, but its rollout (admitted
   * clusters, pause) is kept, unseen, for when it is unpinned.
   */
  async summaries(tx: EntityManager | DataSource = this.db): Promise<Map<string, RolloutSummary>> {
    const rows: RolloutRow[] = await tx.query(
      `SELECT bundle, revision, commit, state, paused, admitted, halt, started_at, updated_at
         FROM rollout WHERE bundle NOT IN (SELECT bundle FROM bundle_pin)`,
    );
    return new Map(rows.map((r) => [r.bundle, summaryOf(r)]));
  }

  /** The rollouts' own fields alone (headOf): what the API's list filters and pages on. */
  async heads(): Promise<Omit<RolloutSummary, 'admitted'>[]> {
    const rows: Omit<RolloutRow, 'admitted'>[] = await this.db.query(
      `SELECT bundle, revision, commit, state, paused, halt, started_at, updated_at
         FROM rollout WHERE bundle NOT IN (SELECT bundle FROM bundle_pin)`,
    );
    return rows.map(headOf);
  }

  /**
   * These bundles' rollouts as the API shows them (LISTED_SQL), in no order: counted by state,
   * at most `listed` clusters named per rollout; only the clusters in `visible` count when it
   * is given.
   */
  async listed(bundles: string[], visible: readonly string[] | null, listed: number): Promise<ListedRollout[]> {
    if (bundles.length === 0) return [];
    const rows: (Omit<RolloutRow, 'admitted'> & { partitions: ListedPartition[] })[] = await this.db.query(LISTED_SQL, [
      bundles,
      visible,
      listed,
    ]);
    return rows.map((r) => ({ ...headOf(r), partitions: r.partitions }));
  }

  /**
   * Every active cluster (or those of `ids` that are active), by name, with what a rollout step
   * needs of it for `bundle` (one statement).
   */
  async clusterFacts(bundle: string, ids?: readonly string[]): Promise<RolloutClusterFacts[]> {
    type Row = Omit<RolloutClusterFacts, 'status'> & {
      commit: string | null;
      phase: ReportedPhase;
      health: HealthName;
      message: string;
      targetSetRevision: string | null;
      resources: ResourceStatus[] | null;
    };
    const rows: Row[] = await this.db.query(CLUSTER_FACTS_SQL, [bundle, ids ?? null]);
    return rows.map(({ commit, phase, health, message, targetSetRevision, resources, ...cluster }) => ({
      ...cluster,
      status: commit === null ? null : { commit, phase, health, message, targetSetRevision, resources },
    }));
  }

  /**
   * Writes a step's plan. A plan equal to the stored one writes nothing: steps run after every
   * status batch, and most change nothing; `updated_at` says when the rollout last changed.
   */
  async save(rollout: Omit<StoredRollout, 'startedAt' | 'updatedAt'>, tx: EntityManager): Promise<void> {
    await tx.query(
      `INSERT INTO rollout (bundle, revision, commit, state, paused, admitted, partitions, halt, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now())
       ON CONFLICT (bundle) DO UPDATE
         SET started_at = CASE WHEN rollout.revision = EXCLUDED.revision THEN rollout.started_at ELSE now() END,
             revision = EXCLUDED.revision, commit = EXCLUDED.commit, state = EXCLUDED.state, admitted = EXCLUDED.admitted,
             partitions = EXCLUDED.partitions, halt = EXCLUDED.halt, updated_at = now()
         WHERE (rollout.revision, rollout.commit, rollout.state, rollout.admitted, rollout.partitions, rollout.halt)
               IS DISTINCT FROM (EXCLUDED.revision, EXCLUDED.commit, EXCLUDED.state, EXCLUDED.admitted, EXCLUDED.partitions, EXCLUDED.halt)`,
      [
        rollout.bundle,
        rollout.revision,
        rollout.commit,
        rollout.state,
        rollout.paused,
        JSON.stringify(rollout.admitted),
        // Clusters by name and state only: what the API lists (LISTED_SQL); the ids are the planner's.
        JSON.stringify(rollout.partitions.map((p) => ({ ...p, clusters: p.clusters.map(({ name, state }) => ({ name, state })) }))),
        rollout.halt === null ? null : JSON.stringify(rollout.halt),
      ],
    );
  }

  async forget(bundles: string[], tx: EntityManager): Promise<void> {
    if (bundles.length > 0) await tx.query(`DELETE FROM rollout WHERE bundle = ANY($1::text[])`, [bundles]);
  }

  /** Every rollout but those of pinned bundles (kept for their unpin). */
  async forgetAll(): Promise<void> {
    await this.db.query(`DELETE FROM rollout WHERE bundle NOT IN (SELECT bundle FROM bundle_pin)`);
  }

  /** Pausing is kept across revisions until resumed. False when the bundle has no rollout yet. */
  async setPaused(bundle: string, paused: boolean): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH changed AS (UPDATE rollout SET paused = $2, updated_at = now()
         WHERE bundle = $1 AND bundle NOT IN (SELECT bundle FROM bundle_pin) RETURNING bundle) SELECT * FROM changed`,
      [bundle, paused],
    );
    return rows.length > 0;
  }

  async pins(): Promise<BundlePin[]> {
    const rows: { bundle: string; fleet_repo: string; commit: string; pinned_at: Date }[] = await this.db.query(
      `SELECT * FROM bundle_pin ORDER BY bundle`,
    );
    return rows.map((r) => ({ bundle: r.bundle, fleetRepo: r.fleet_repo, commit: r.commit, pinnedAt: r.pinned_at }));
  }

  async pin(bundle: string, fleetRepo: string, commit: string): Promise<void> {
    await this.db.query(
      `INSERT INTO bundle_pin (bundle, fleet_repo, commit, pinned_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (bundle) DO UPDATE SET fleet_repo = EXCLUDED.fleet_repo, commit = EXCLUDED.commit, pinned_at = now()`,
      [bundle, fleetRepo, commit],
    );
  }

  async unpin(bundle: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (DELETE FROM bundle_pin WHERE bundle = $1 RETURNING bundle) SELECT * FROM gone`,
      [bundle],
    );
    return rows.length > 0;
  }
}

function summaryOf(r: RolloutRow): RolloutSummary {
  return { ...headOf(r), admitted: r.admitted };
}

/** A rollout's own fields: neither the clusters admitted nor the plan per cluster. */
function headOf(r: Omit<RolloutRow, 'admitted'>): Omit<RolloutSummary, 'admitted'> {
  return {
    bundle: r.bundle,
    revision: r.revision,
    commit: r.commit,
    state: r.state,
    paused: r.paused,
    halt: r.halt,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
  };
}

/** The store alone, so that placement (which gates targets) and rollout (which writes) both import it without importing each other. */
@Module({ providers: [RolloutStore], exports: [RolloutStore] })
export class RolloutStoreModule {}
