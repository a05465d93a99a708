import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Raw, type Repository } from 'typeorm';
import { ClusterEntity, type ClusterState } from './cluster.entity';

/** What PostgreSQL checks of a cluster list's filter while it reads the name index (pageByName). */
export interface ClusterRowFilter {
  state?: ClusterState;
  /** Lowercase: names that contain it, in any case. */
  nameContains?: string;
  /** Labels the cluster has, with exactly these values. */
  labels?: Record<string, string>;
  /** The start of the connectivity window (connectivityOf's), for `connected` and `bundlePhase`. */
  heardSince?: Date;
  /** Connected (true) or unreachable, as connectivityOf decides it. */
  connected?: boolean;
  /**
   * What a cluster with a bundle in some phase must have (status/phase.ts, phaseNeeds): active
   * and reachable or not, and a status reported in one of these phases.
   */
  bundlePhase?: { reachable: boolean; reported?: readonly string[] };
  /** Some status of the cluster counts a drifted resource. */
  drifted?: boolean;
}

/**
 * A cluster as the live stream watches it (presence) and as the API's list pages, counts and
 * scope checks read it (pageByName): not its credential hash, kube-system uid, agent version or
 * registration and state-change times, which a page of 500 clusters read and parsed (two more
 * Dates a row) only to drop.
 */
export type ClusterPresence = Pick<ClusterEntity, 'id' | 'name' | 'labels' | 'state' | 'connected' | 'lastSeenAt'>;

/** ClusterPresence's columns, each under its property's name (pg makes a Date of the time, an object of the labels). */
const PRESENCE_COLUMNS = `id::text AS id, name, labels, state, connected, last_seen_at AS "lastSeenAt"`;

/** Clusters of one state, connectivity and label value, counted (countByPresence). */
export interface ClusterCount {
  state: ClusterState;
  connected: boolean;
  groupValue: string | null;
  clusters: number;
}

/** An active cluster as placement and the rollout planner see it. */
export interface ActiveCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/**
 * The cluster table as the read side and placement read it: the API's pages and counts from
 * the name index, the plain reads of the whole fleet that placement, scopes and the live
 * stream need, and single clusters by name. Registration, credentials and an operator's
 * actions on a cluster are ClustersService's.
 */
@Injectable()
export class ClusterReads {
  constructor(@InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>) {}

  /**
   * Up to `limit` clusters whose names come after `after`, in code-point order of the name
   * (the API's cursor order), from the name index: a page without reading the fleet. Only
   * clusters that pass `filter` are read, so a selective filter costs a scan of the cluster
   * table, not the fleet's TargetSets and statuses.
   */
  async pageByName(after: string | undefined, limit: number, filter: ClusterRowFilter = {}): Promise<ClusterPresence[]> {
    return this.clusters.query(
      `SELECT ${PRESENCE_COLUMNS} FROM cluster
       WHERE ($1::text IS NULL OR name COLLATE "C" > $1)
         AND ($3::text IS NULL OR state = $3)
         AND ($4::text IS NULL OR strpos(lower(name), $4) > 0)
         AND ($5::jsonb IS NULL OR labels @> $5)
         AND ($6::boolean IS NULL OR COALESCE(connected AND last_seen_at >= $7, false) = $6)
         AND ($8::boolean IS NULL OR (state = 'active' AND COALESCE(connected AND last_seen_at >= $7, false) = $8))
         AND ($9::text[] IS NULL OR EXISTS (SELECT 1 FROM bundle_status s WHERE s.cluster_id = cluster.id AND s.phase = ANY($9::text[])))
         AND ($10::boolean IS NULL OR EXISTS (SELECT 1 FROM bundle_status s WHERE s.cluster_id = cluster.id AND s.drift_count > 0))
       ORDER BY name COLLATE "C" LIMIT $2`,
      [
        after ?? null,
        limit,
        filter.state ?? null,
        filter.nameContains ?? null,
        filter.labels === undefined ? null : JSON.stringify(filter.labels),
        filter.connected ?? null,
        filter.heardSince ?? null,
        filter.bundlePhase?.reachable ?? null,
        filter.bundlePhase?.reported ?? null,
        filter.drifted ?? null,
      ],
    );
  }

  /**
   * Clusters counted by state, whether heard from since `heardSince` with a session open
   * (connectivityOf's "connected"), and the value of the `groupBy` label: a few rows, however
   * many clusters there are.
   */
  async countByPresence(heardSince: Date, groupBy?: string): Promise<ClusterCount[]> {
    return this.clusters.query(
      `SELECT state, COALESCE(connected AND last_seen_at >= $1, false) AS connected, labels->>$2 AS "groupValue", count(*)::int AS clusters
       FROM cluster GROUP BY 1, 2, 3`,
      [heardSince, groupBy ?? null],
    );
  }

  /**
   * Every cluster with what its connectivity is decided on, in one plain read: what the live
   * stream looks at every few seconds while someone listens, so no entity (nor credential) is built.
   */
  async presence(): Promise<ClusterPresence[]> {
    return this.clusters.query(`SELECT ${PRESENCE_COLUMNS} FROM cluster ORDER BY name`);
  }

  /**
   * The active clusters with only what placement and the rollout planner need of them: a plain
   * read, no entities built (each fleet commit's placement reads the whole fleet).
   */
  async listActiveForPlacement(): Promise<ActiveCluster[]> {
    return this.clusters.query(`SELECT id::text AS id, name, labels FROM cluster WHERE state = 'active' ORDER BY name`);
  }

  /** Every cluster's id, name and labels (what a scope decides visibility on), in one plain read. */
  async listNamesAndLabels(): Promise<Pick<ClusterEntity, 'id' | 'name' | 'labels'>[]> {
    return this.clusters.query(`SELECT id::text AS id, name, labels FROM cluster ORDER BY name`);
  }

  /** The active clusters whose TargetSet holds the bundle (found in PostgreSQL, no TargetSet read). */
  async holding(bundle: string): Promise<ClusterEntity[]> {
    return this.clusters.find({
      where: {
        state: 'active',
        id: Raw((id) => `${id} IN (SELECT cluster_id FROM target_set_target WHERE bundle = :bundle)`, { bundle }),
      },
      order: { name: 'ASC' },
    });
  }

  /** Those of these clusters that are active, as listActiveForPlacement gives them. */
  async activeForPlacement(ids: string[]): Promise<ActiveCluster[]> {
    return this.clusters.query(
      `SELECT id::text AS id, name, labels FROM cluster WHERE state = 'active' AND id = ANY($1::uuid[]) ORDER BY name`,
      [ids],
    );
  }

  async findByName(name: string): Promise<ClusterEntity | null> {
    return this.clusters.findOne({ where: { name } });
  }
}
