import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Batcher } from '../database/batcher';
import { arrayLiteral, jsonbArraySql } from '../database/pg-arrays';
import { TargetSetEntity } from './target-set.entity';
import { builtFromTarget, canonicalTarget, sortedTargets, targetDigest, type TargetSpec } from './target-set';

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
}

interface Ack {
  clusterId: string;
  revision: string;
  checksum: string;
}

/** TargetSets written or read per statement. */
export const TARGET_SET_CHUNK = 1000;

/**
 * The `target_set` table: what each cluster is to run (written by placement, a chunk per
 * statement), what its agent acknowledged (acks of all sessions, a batch per statement), and the
 * reads of the gateway (Hellos, artifact checks: a batch per statement) and of the API.
 */
@Injectable()
export class TargetSetStore implements BeforeApplicationShutdown {
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

  constructor(@InjectRepository(TargetSetEntity) private readonly targetSets: Repository<TargetSetEntity>) {}

  /** The TargetSet of an active cluster (a pending or revoked cluster gets none). */
  async current(clusterId: string): Promise<CurrentTargetSet | null> {
    return this.currents.submit(clusterId);
  }

  /** The stored row, with what the agent acknowledged. */
  async ofCluster(clusterId: string): Promise<TargetSetEntity | null> {
    return this.targetSets.findOne({ where: { clusterId } });
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
              COALESCE((SELECT jsonb_agg(jsonb_build_object('bundle', x->>'bundle', 'source', jsonb_build_object('commit', x->'source'->>'commit')) ORDER BY n)
                        FROM jsonb_array_elements(t.targets) WITH ORDINALITY AS e(x, n)), '[]'::jsonb) AS targets
       FROM target_set t WHERE t.cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
  }

  /** The bundles that the TargetSets of these clusters hold, read in PostgreSQL (a few rows back). */
  async bundlesHeldBy(clusterIds: string[]): Promise<Set<string>> {
    if (clusterIds.length === 0) return new Set();
    const rows: { bundle: string }[] = await this.targetSets.query(
      `SELECT DISTINCT x->>'bundle' AS bundle
         FROM target_set t CROSS JOIN LATERAL jsonb_array_elements(t.targets) AS x
        WHERE t.cluster_id = ANY($1::uuid[])`,
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
   * that predate the digests (their digests are computed from them).
   */
  async held(clusterIds: string[], needsTargets: (clusterId: string) => boolean): Promise<Map<string, HeldTargetSet>> {
    const rows = await this.targetSets.query<
      (Omit<HeldTargetSet, 'digests' | 'digestsMissing' | 'targets'> & { digests: Record<string, string> | null })[]
    >(
      `SELECT cluster_id::text AS id, revision::text AS revision, checksum, bundle_revisions, target_digests AS digests
       FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
      [clusterIds],
    );
    const missing = rows.filter((r) => r.digests === null || needsTargets(r.id)).map((r) => r.id);
    const targetsOf = new Map<string, TargetSpec[]>();
    for (let i = 0; i < missing.length; i += TARGET_SET_CHUNK) {
      const read = await this.targetSets.query<{ id: string; targets: TargetSpec[] }[]>(
        `SELECT cluster_id::text AS id, targets FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
        [missing.slice(i, i + TARGET_SET_CHUNK)],
      );
      for (const row of read) targetsOf.set(row.id, row.targets);
    }
    return new Map(
      rows.map((row) => {
        const targets = targetsOf.get(row.id);
        const digests = row.digests ?? Object.fromEntries((targets ?? []).map((t) => [t.bundle, targetDigest(t)]));
        return [row.id, { ...row, digests, digestsMissing: row.digests === null, targets }];
      }),
    );
  }

  /**
   * One multi-row statement for a chunk; a row is only rewritten (and its revision bumped) when
   * its checksum changed. Returns the rows written, at their new revisions.
   */
  async write(chunk: PendingTargetSet[]): Promise<CurrentTargetSet[]> {
    // A column per parameter (pg-arrays.ts), the JSON texts embedded as they are: as arrays
    // that pg built, every quote of every TargetSet was escaped again, element by element. Each
    // target is a bundle target and the cluster's values where it can be (writtenTargets).
    const { bundleTargets, targetsOf } = writtenTargets(chunk);
    // A written target is {"t": whole target} or {"b": key in $6, "v": values}; the stored
    // targets are the whole targets either way, in the order written (jsonb_agg of none is null).
    const rows: { cluster_id: string; revision: string }[] = await this.targetSets.query(
      `INSERT INTO target_set (cluster_id, revision, checksum, targets, bundle_revisions, target_digests, updated_at)
       SELECT u.id, 1, u.checksum,
              COALESCE((SELECT jsonb_agg(COALESCE(x->'t', ($6::jsonb -> (x->>'b')) || jsonb_build_object('values', x->'v')) ORDER BY n)
                        FROM jsonb_array_elements(u.targets) WITH ORDINALITY AS e(x, n)), '[]'::jsonb),
              u.bundle_revisions, u.target_digests, now()
       FROM unnest($1::uuid[], $2::text[], ${jsonbArraySql('$3')}, ${jsonbArraySql('$4')}, ${jsonbArraySql('$5')})
         AS u(id, checksum, targets, bundle_revisions, target_digests)
       ON CONFLICT (cluster_id) DO UPDATE
         SET revision = target_set.revision + 1, checksum = EXCLUDED.checksum, targets = EXCLUDED.targets,
             bundle_revisions = EXCLUDED.bundle_revisions, target_digests = EXCLUDED.target_digests, updated_at = now()
         WHERE target_set.checksum <> EXCLUDED.checksum
       RETURNING cluster_id::text AS cluster_id, revision::text AS revision`,
      [
        arrayLiteral(chunk, (p) => p.clusterId),
        arrayLiteral(chunk, (p) => p.checksum),
        `[${targetsOf.join(',')}]`,
        JSON.stringify(chunk.map((p) => p.bundleRevisions)),
        JSON.stringify(chunk.map((p) => p.digests)),
        bundleTargets,
      ],
    );
    const byId = new Map(chunk.map((p) => [p.clusterId, p]));
    return rows.map((row) => {
      const { clusterId, checksum, targets, bundleRevisions } = byId.get(row.cluster_id)!;
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

  /** The TargetSets of a batch of clusters (Hellos of a reconnect storm), in one read. */
  private async readCurrent(clusterIds: string[]): Promise<(CurrentTargetSet | null)[]> {
    const rows: CurrentTargetSet[] = await this.targetSets.query(
      `SELECT t.cluster_id::text AS "clusterId", t.revision::text AS revision, t.checksum, t.targets, t.bundle_revisions AS "bundleRevisions"
       FROM target_set t JOIN cluster c ON c.id = t.cluster_id
       WHERE t.cluster_id = ANY($1::uuid[]) AND c.state = 'active'`,
      [[...new Set(clusterIds)]],
    );
    const byId = new Map(rows.map((r) => [r.clusterId, r]));
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

/**
 * The targets of a chunk of TargetSets as its write sends them (by bundle, as stored). A target
 * a TargetBuilder built is the bundle target it was built from (in `bundleTargets`, once per
 * chunk, under a key) and the cluster's values; PostgreSQL puts the two together. A target from
 * elsewhere (a held or pinned one read back) is sent whole. The whole targets of 10,000
 * clusters were 10 MB of JSON per fleet commit for PostgreSQL to parse into jsonb, and the
 * chunks took about twice as long to write (docs/scale-rounds.md, thirteenth round).
 */
export function writtenTargets(chunk: Pick<PendingTargetSet, 'targets'>[]): { bundleTargets: string; targetsOf: string[] } {
  const keys = new Map<TargetSpec, string>();
  const texts: string[] = [];
  const targetsOf = chunk.map(({ targets }) => {
    const written = sortedTargets(targets).map((target) => {
      const built = builtFromTarget(target);
      if (built === undefined) return `{"t":${canonicalTarget(target)}}`;
      const { from, valuesJson } = built;
      let key = keys.get(from);
      if (key === undefined) {
        key = String(keys.size);
        keys.set(from, key);
        texts.push(`"${key}":${canonicalTarget(from)}`);
      }
      return `{"b":"${key}","v":${valuesJson}}`;
    });
    return `[${written.join(',')}]`;
  });
  return { bundleTargets: `{${texts.join(',')}}`, targetsOf };
}
