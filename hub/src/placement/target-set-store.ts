import { BeforeApplicationShutdown, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Batcher } from '../database/batcher';
import { RecurringJob } from '../database/recurring-job';
import { LOGGER, type Logger } from '../logging/logger';
import { TargetSetEntity } from './target-set.entity';
import { WRITE_TARGET_SETS_SQL, writeParameters } from './write-target-sets.sql';
import { HeldHeads, type HeldHead } from './held-heads';
import { TargetBodies } from './target-bodies';
import { targetDigest, type KnownTargets, type TargetSpec } from './target-set';

/** The whole desired state of one cluster at one revision. */
export interface CurrentTargetSet {
  clusterId: string;
  revision: string;
  checksum: string;
  targets: TargetSpec[];
  /**
   * Bundle → the revision in which its target last changed: a session sends an agent that holds
   * an earlier revision only the targets changed since (target-set deltas). A bundle missing
   * here (rows stored before the column) counts as changed.
   */
  bundleRevisions: Record<string, string>;
}

/**
 * What the API's cluster views show of a TargetSet: its revision, checksum and acknowledged
 * revision, and of each target the bundle and the commit (a whole stored row is one of these).
 */
export interface ViewedTargetSet {
  revision: string;
  checksum: string;
  ackedRevision: string | null;
  targets: { bundle: string; source?: { commit: string } }[];
}

/** A cluster's stored TargetSet as placement reads it (targets only where asked for, see `held`). */
export interface HeldTargetSet {
  id: string;
  revision: string;
  checksum: string;
  bundle_revisions: Record<string, string>;
  /** Bundle → targetDigest of its target. */
  digests: Record<string, string>;
  /** Stored before target digests: `digests` were computed from the targets. */
  digestsMissing: boolean;
  targets: TargetSpec[] | undefined;
}

/** A TargetSet placement computed, to be written if its checksum changed. */
export interface PendingTargetSet {
  clusterId: string;
  checksum: string;
  targets: TargetSpec[];
  digests: Record<string, string>;
  bundleRevisions: Record<string, string>;
  /**
   * What the pass that computed it knows of its targets (its TargetBuilder): a target it built is
   * written as its bundle target and values (writtenTargets). Without it each is written whole.
   */
  known?: KnownTargets;
  /**
   * The stored TargetSet it replaces, as placement read it: only the targets whose digest
   * differs from it are written, and only if it is still the one stored. None: a new one.
   */
  base?: {
    revision: string;
    /** Its targets' digests (computed from its targets where the row stores none). */
    digests: Record<string, string>;
    bundleRevisions: Record<string, string>;
    /** Whether the row stores its digests (rows from before target digests do not). */
    digestsStored: boolean;
  };
}

interface Ack {
  clusterId: string;
  revision: string;
  checksum: string;
}

/** TargetSets written or read per statement. */
export const TARGET_SET_CHUNK = 1000;

/** Unused target bodies are looked for this often, and let go once unused and this old (as artifacts are). */
const BODY_COLLECT_INTERVAL_MS = 60 * 60_000;
const FIRST_BODY_COLLECT_AFTER_MS = 5 * 60_000;
const UNUSED_BODY_GRACE = '1 hour';

/** SQL: a whole target, from its row `tt` and its body `b`. */
const WHOLE_TARGET = `b.target || jsonb_build_object('values', tt.target_values)`;

/** SQL: a target as the cluster views show it: its bundle and commit. */
const VIEWED_TARGET = `jsonb_build_object('bundle', tt.bundle, 'source', jsonb_build_object('commit', b.commit))`;

/**
 * SQL: a join giving `w.targets` (null for none) for the target_set rows `t` of the clusters in
 * `ids`: their targets as `target` makes them, sorted by bundle. Grouped once for all of them,
 * the bodies joined by hash: a subquery per cluster made a page of 1,000 clusters look up each
 * body a thousand times, and the whole cluster list took twice as long.
 */
function targetsJoin(ids: string, target: string): string {
  return `LEFT JOIN (SELECT tt.cluster_id, jsonb_agg(${target} ORDER BY tt.bundle COLLATE "C") AS targets
                     FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id
                     WHERE tt.cluster_id = ANY(${ids}) GROUP BY tt.cluster_id) AS w ON w.cluster_id = t.cluster_id`;
}

/**
 * SQL: the whole targets of the TargetSet `t` (a target_set row), sorted by bundle, as one jsonb
 * array: each target row's body with its values (migration 1736900000000).
 */
export const WHOLE_TARGETS_SQL = `COALESCE((SELECT jsonb_agg(${WHOLE_TARGET} ORDER BY tt.bundle COLLATE "C")
                   FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id WHERE tt.cluster_id = t.cluster_id), '[]'::jsonb)`;

/**
 * The stored TargetSets (target-set.entity.ts): what each cluster is to run (written by
 * placement, a chunk per statement: a row per cluster in `target_set`, a row per target in
 * `target_set_target`, each distinct target without values once in `target_body`), what its
 * agent acknowledged (acks of all sessions, a batch per statement), and the reads of the
 * gateway (Hellos, artifact checks: a batch per statement) and of the API.
 */
@Injectable()
export class TargetSetStore implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  /**
   * Reads of current TargetSets (Hello, artifact checks, TargetSets another replica placed), a
   * batch per statement, as many as placement reads whole at once (TARGET_SET_CHUNK, which bounds
   * the memory of a read of large TargetSets). A commit placed by another replica is a read here
   * for each of this replica's sessions: at 500 each of the ten reads for 5,000 sessions waited
   * behind the pushes and reports of the one before (docs/scale-rounds.md, seventeenth round).
   */
  private readonly currents = new Batcher<string, CurrentTargetSet | null>((ids) => this.readCurrent(ids), {
    maxItems: TARGET_SET_CHUNK,
    maxWaitMs: 5,
  });
  /** TargetSetAcks of all sessions, written a batch per statement. */
  private readonly acks = new Batcher<Ack, void>((batch) => this.writeAcks(batch), { maxItems: 2_000, maxWaitMs: 20 });

  /** The heads this replica last wrote or read (placement's reads take the unchanged ones from here). */
  private readonly heads = new HeldHeads();
  /** Target bodies read back, parsed once (readCurrent). */
  private readonly bodies = new TargetBodies();
  private readonly log: Logger | undefined;
  private readonly bodyCollection = new RecurringJob(() => this.collectBodies(), {
    firstAfterMs: FIRST_BODY_COLLECT_AFTER_MS,
    everyMs: BODY_COLLECT_INTERVAL_MS,
    failed: (error) => this.log?.warn({ err: error }, 'collecting unused target bodies failed; next hour'),
  });

  constructor(
    @InjectRepository(TargetSetEntity) private readonly targetSets: Repository<TargetSetEntity>,
    @Inject(LOGGER) logger?: Logger,
  ) {
    this.log = logger?.child({ module: 'placement' });
  }

  onModuleInit(): void {
    this.bodyCollection.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.bodyCollection.stop();
  }

  /**
   * Deletes the target bodies no target uses, stored over an hour ago (artifact collection then
   * lets go of what only they referenced); how many. One that a placement takes up again while
   * this runs makes it fail (the foreign key): the next hour repeats it.
   */
  async collectBodies(): Promise<number> {
    const [{ n }] = await this.targetSets.query<{ n: number }[]>(
      `WITH gone AS (
         DELETE FROM target_body b
         WHERE b.created_at < now() - interval '${UNUSED_BODY_GRACE}'
           AND NOT EXISTS (SELECT 1 FROM target_set_target tt WHERE tt.body_id = b.id)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    if (n > 0) this.log?.info({ collected: n }, 'unused target bodies collected');
    return n;
  }

  /** The TargetSet of an active cluster (a pending or revoked cluster gets none). */
  async current(clusterId: string): Promise<CurrentTargetSet | null> {
    return this.currents.submit(clusterId);
  }

  /** The stored TargetSet, whole, with what the agent acknowledged. */
  async ofCluster(clusterId: string): Promise<(TargetSetEntity & { targets: TargetSpec[] }) | null> {
    const rows: (TargetSetEntity & { targets: TargetSpec[] })[] = await this.targetSets.query(
      `SELECT t.cluster_id::text AS "clusterId", t.revision::text AS revision, t.checksum, t.updated_at AS "updatedAt",
              t.bundle_revisions AS "bundleRevisions", t.acked_revision::text AS "ackedRevision", t.acked_checksum AS "ackedChecksum",
              t.acked_at AS "ackedAt", ${WHOLE_TARGETS_SQL} AS targets
       FROM target_set t WHERE t.cluster_id = $1`,
      [clusterId],
    );
    return rows[0] ?? null;
  }

  /**
   * What a page of the cluster list shows of these clusters' TargetSets. Only each target's
   * bundle and commit come back: whole targets (about 1 KB each) made a list of 10,000 clusters
   * read and parse 10 MB of JSON it did not show.
   */
  async viewsOf(clusterIds: string[]): Promise<(ViewedTargetSet & { clusterId: string })[]> {
    if (clusterIds.length === 0) return [];
    return this.targetSets.query(
      `SELECT t.cluster_id::text AS "clusterId", t.revision::text AS revision, t.checksum, t.acked_revision::text AS "ackedRevision",
              COALESCE(w.targets, '[]'::jsonb) AS targets
       FROM target_set t ${targetsJoin('$1::uuid[]', VIEWED_TARGET)} WHERE t.cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
  }

  /** The bundles that the TargetSets of these clusters hold, read in PostgreSQL (a few rows back). */
  async bundlesHeldBy(clusterIds: string[]): Promise<Set<string>> {
    if (clusterIds.length === 0) return new Set();
    const rows: { bundle: string }[] = await this.targetSets.query(
      `SELECT DISTINCT bundle FROM target_set_target WHERE cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
    return new Set(rows.map((r) => r.bundle));
  }

  /**
   * Records that the agent took a revision in hand; an older ack never overwrites a newer one.
   * Acks of all sessions are written together (one UPDATE per batch); resolves once written.
   */
  async recordAck(clusterId: string, revision: string, checksum: string): Promise<void> {
    if (!/^\d{1,18}$/.test(revision)) return;
    await this.acks.submit({ clusterId, revision, checksum: checksum.slice(0, 128) });
  }

  /** Acks received before shutdown are written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.acks.drain();
  }

  /**
   * What each of these clusters holds now: revision, checksum, bundle revisions and target
   * digests; the targets themselves only for the clusters `needsTargets` names, and for rows
   * that predate the digests (their digests are computed from them). The heads this replica
   * wrote or read before, and that are still as stored, are not read again (HeldHeads).
   * `everyCluster`: these are all the clusters placed (the heads of others are let go).
   */
  async held(
    clusterIds: string[],
    needsTargets: (clusterId: string) => boolean,
    { everyCluster = false }: { everyCluster?: boolean } = {},
  ): Promise<Map<string, HeldTargetSet>> {
    const stamps = await this.targetSets.query<{ id: string; revision: string; checksum: string; digests_missing: boolean }[]>(
      `SELECT cluster_id::text AS id, revision::text AS revision, checksum, target_digests IS NULL AS digests_missing
       FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
    const heads = new Map<string, HeldHead>();
    const unknown: string[] = [];
    for (const stamp of stamps) {
      const head = stamp.digests_missing ? undefined : this.heads.get(stamp.id, stamp.revision, stamp.checksum);
      if (head === undefined) unknown.push(stamp.id);
      else heads.set(stamp.id, head);
    }
    if (everyCluster) this.heads.keepOnly(new Set(stamps.map((s) => s.id)));
    else if (stamps.length < clusterIds.length) {
      const stored = new Set(stamps.map((s) => s.id));
      for (const id of clusterIds) if (!stored.has(id)) this.heads.forget(id);
    }
    const rows =
      unknown.length === 0
        ? []
        : await this.targetSets.query<
            (Omit<HeldTargetSet, 'digests' | 'digestsMissing' | 'targets'> & { digests: Record<string, string> | null })[]
          >(
            `SELECT cluster_id::text AS id, revision::text AS revision, checksum, bundle_revisions, target_digests AS digests
             FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
            [unknown],
          );
    const missing = [...heads.keys(), ...rows.map((r) => r.id)].filter((id) => needsTargets(id));
    for (const row of rows) if (row.digests === null && !needsTargets(row.id)) missing.push(row.id);
    const targetsOf = new Map<string, TargetSpec[]>();
    for (let i = 0; i < missing.length; i += TARGET_SET_CHUNK) {
      const read = await this.targetSets.query<{ id: string; targets: TargetSpec[] }[]>(
        `SELECT t.cluster_id::text AS id, COALESCE(w.targets, '[]'::jsonb) AS targets
         FROM target_set t ${targetsJoin('$1::uuid[]', WHOLE_TARGET)} WHERE t.cluster_id = ANY($1::uuid[])`,
        [missing.slice(i, i + TARGET_SET_CHUNK)],
      );
      for (const row of read) targetsOf.set(row.id, row.targets);
    }
    for (const row of rows) {
      const targets = targetsOf.get(row.id);
      const digests = row.digests ?? Object.fromEntries((targets ?? []).map((t) => [t.bundle, targetDigest(t)]));
      const head = { ...row, digests, digestsMissing: row.digests === null };
      this.heads.remember(head);
      heads.set(row.id, head);
    }
    const held = new Map<string, HeldTargetSet>();
    for (const [id, head] of heads) held.set(id, { ...head, targets: targetsOf.get(id) });
    return held;
  }

  /**
   * One statement for a chunk. Each TargetSet gets a new revision, and of its targets only those
   * whose digest differs from its base are written, those of bundles gone from it deleted; the
   * rest stay as they are. A TargetSet whose base is no longer the one stored (another replica
   * wrote it meanwhile) is not written: it is not among those returned, at their new revisions.
   */
  async write(chunk: PendingTargetSet[]): Promise<CurrentTargetSet[]> {
    const rows: { cluster_id: string; revision: string }[] = await this.targetSets.query(WRITE_TARGET_SETS_SQL, writeParameters(chunk));
    const byId = new Map(chunk.map((p) => [p.clusterId, p]));
    return rows.map((row) => {
      const { clusterId, checksum, targets, digests, bundleRevisions } = byId.get(row.cluster_id)!;
      this.heads.remember({
        id: clusterId,
        revision: row.revision,
        checksum,
        bundle_revisions: bundleRevisions,
        digests,
        digestsMissing: false,
      });
      return { clusterId, revision: row.revision, checksum, targets, bundleRevisions };
    });
  }

  /** Rows stored before target digests, unchanged by a placement, get theirs once (so the next reads them small). */
  async backfillDigests(rows: Pick<PendingTargetSet, 'clusterId' | 'checksum' | 'digests'>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += TARGET_SET_CHUNK) {
      const chunk = rows.slice(i, i + TARGET_SET_CHUNK);
      await this.targetSets.query(
        `UPDATE target_set t SET target_digests = u.digests
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS u(id, checksum, digests)
         WHERE t.cluster_id = u.id AND t.checksum = u.checksum AND t.target_digests IS NULL`,
        [chunk.map((r) => r.clusterId), chunk.map((r) => r.checksum), chunk.map((r) => JSON.stringify(r.digests))],
      );
    }
  }

  /**
   * The TargetSets of a batch of clusters (Hellos of a reconnect storm, TargetSets another
   * replica placed), in one read: each target's row (bundle, body id, the cluster's values),
   * then the bodies not parsed before (TargetBodies), each once for the batch. With each body
   * joined in and sent back for every cluster, 5,000 clusters of ten bundles took 2.5 s.
   */
  private async readCurrent(clusterIds: string[]): Promise<(CurrentTargetSet | null)[]> {
    const rows = await this.targetSets.query<
      (Omit<CurrentTargetSet, 'targets'> & { targets: [string, string, Record<string, string>][] })[]
    >(
      `SELECT t.cluster_id::text AS "clusterId", t.revision::text AS revision, t.checksum, t.bundle_revisions AS "bundleRevisions",
              COALESCE((SELECT jsonb_agg(jsonb_build_array(tt.bundle, tt.body_id, tt.target_values) ORDER BY tt.bundle COLLATE "C")
                        FROM target_set_target tt WHERE tt.cluster_id = t.cluster_id), '[]'::jsonb) AS targets
       FROM target_set t JOIN cluster c ON c.id = t.cluster_id
       WHERE t.cluster_id = ANY($1::uuid[]) AND c.state = 'active'`,
      [[...new Set(clusterIds)]],
    );
    const bodyIds = new Set<string>();
    for (const row of rows) for (const [, bodyId] of row.targets) bodyIds.add(bodyId);
    const bodies = await this.bodies.of(bodyIds, (ids) =>
      this.targetSets.query(`SELECT id, target FROM target_body WHERE id = ANY($1::text[])`, [ids]),
    );
    const byId = new Map<string, CurrentTargetSet>();
    for (const row of rows) {
      const targets: TargetSpec[] = [];
      for (const [bundle, bodyId, values] of row.targets) {
        const body = bodies.get(bodyId);
        // A body is collected only an hour after no target names it (collectBodies); one collected
        // between the two statements fails this batch, and its callers ask again (the sessions'
        // sweep, the agent's next Hello).
        if (body === undefined) throw new Error(`target body ${bodyId} of ${bundle} on cluster ${row.clusterId} is not stored`);
        targets.push({ ...body, values });
      }
      byId.set(row.clusterId, { ...row, targets });
    }
    return clusterIds.map((id) => byId.get(id) ?? null);
  }

  private async writeAcks(batch: Ack[]): Promise<void[]> {
    // The newest ack of each cluster in the batch is the one that counts.
    const newest = new Map<string, Ack>();
    for (const ack of batch) {
      const held = newest.get(ack.clusterId);
      if (held === undefined || BigInt(ack.revision) >= BigInt(held.revision)) newest.set(ack.clusterId, ack);
    }
    const acks = [...newest.values()];
    await this.targetSets.query(
      `UPDATE target_set t SET acked_revision = u.revision, acked_checksum = u.checksum, acked_at = now()
       FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS u(cluster_id, revision, checksum)
       WHERE t.cluster_id = u.cluster_id AND t.revision >= u.revision AND (t.acked_revision IS NULL OR t.acked_revision <= u.revision)`,
      [acks.map((a) => a.clusterId), acks.map((a) => a.revision), acks.map((a) => a.checksum)],
    );
    return batch.map(() => undefined);
  }
}
