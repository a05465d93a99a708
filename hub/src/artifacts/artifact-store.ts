import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { RecurringJob } from '../database/recurring-job';
import { LOGGER, type Logger } from '../logging/logger';
import { ArtifactEntity } from './artifact.entity';

/** What placement puts into a Target: the digest and sizes of a packed source. */
export interface ArtifactRef {
  digest: string;
  /** Bytes of the uncompressed tar. */
  size: number;
  /** Bytes of the gzip stream. */
  compressedSize: number;
}

/** pg_try_advisory_lock key: one replica collects at a time ("gfartgc" in ASCII). */
const COLLECT_LOCK_KEY = 0x67666172746763n;
const COLLECT_INTERVAL_MS = 60 * 60_000;
const FIRST_COLLECT_AFTER_MS = 5 * 60_000;
/** An artifact no TargetSet references is kept this long after it was last packed or found (a commit being placed). */
const UNREFERENCED_GRACE = '1 hour';
/** Artifacts held in memory per replica for serving (most recently used first). */
const MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * The artifacts, in PostgreSQL: written once by whichever replica packs them, read by every
 * replica that serves them (kept in memory, bounded, while in demand), and collected hourly
 * once unused for an hour and referenced by no TargetSet (no target body), no bundle of a last good fleet
 * commit and no pinned commit (whose bundles placement may send to a cluster any time).
 */
@Injectable()
export class ArtifactStore implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private readonly loading = new Map<string, Promise<Buffer | undefined>>();
  private readonly collection = new RecurringJob(() => this.collect(), {
    firstAfterMs: FIRST_COLLECT_AFTER_MS,
    everyMs: COLLECT_INTERVAL_MS,
    failed: (error) => this.log.warn({ err: error }, 'collecting unreferenced artifacts failed; next hour'),
  });
  private collecting: Promise<number> | undefined;

  constructor(
    @InjectRepository(ArtifactEntity) private readonly artifacts: Repository<ArtifactEntity>,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'artifacts' });
  }

  onModuleInit(): void {
    this.collection.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.collection.stop();
    await this.collecting?.catch(() => undefined);
  }

  /** The artifact already packed from this content, if any; marked used now (so it is not collected before its TargetSets are written). */
  async byContentKey(contentKey: string): Promise<ArtifactRef | undefined> {
    return (await this.byContentKeys([contentKey])).get(contentKey);
  }

  /** byContentKey for many keys in one statement: content key → artifact, for those found. */
  async byContentKeys(contentKeys: readonly string[]): Promise<Map<string, ArtifactRef>> {
    const rows: { key: string; digest: string; size: string; compressed: number }[] = await this.artifacts.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH touched AS (UPDATE artifact SET used_at = now() WHERE content_key = ANY($1::text[]) RETURNING content_key, digest, size, data)
       SELECT content_key AS key, digest, size::text AS size, octet_length(data) AS compressed FROM touched`,
      [contentKeys],
    );
    return new Map(rows.map((row) => [row.key, { digest: row.digest, size: Number(row.size), compressedSize: row.compressed }]));
  }

  /** Stores a packed artifact (a replica that packed the same content first wins; same bytes either way). */
  async save(artifact: { digest: string; contentKey: string; size: number; data: Buffer }): Promise<ArtifactRef> {
    await this.artifacts.query(`INSERT INTO artifact (digest, content_key, size, data) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      artifact.digest,
      artifact.contentKey,
      artifact.size,
      artifact.data,
    ]);
    const stored = await this.byContentKey(artifact.contentKey);
    if (stored === undefined) throw new Error(`artifact ${artifact.digest} was not stored`);
    return stored;
  }

  /** The gzip stream of an artifact, from memory or the database; undefined when there is none. */
  read(digest: string): Promise<Buffer | undefined> {
    const cached = this.memory.get(digest);
    if (cached !== undefined) {
      this.memory.delete(digest);
      this.memory.set(digest, cached);
      return Promise.resolve(cached);
    }
    let loading = this.loading.get(digest);
    if (loading === undefined) {
      // Ten thousand agents asking at once read it from PostgreSQL once.
      loading = this.load(digest).finally(() => this.loading.delete(digest));
      this.loading.set(digest, loading);
    }
    return loading;
  }

  /** Deletes artifacts no TargetSet has referenced for an hour; how many. 0 when another replica is at it. */
  collect(): Promise<number> {
    return (this.collecting ??= this.collectOnce().finally(() => (this.collecting = undefined)));
  }

  private async load(digest: string): Promise<Buffer | undefined> {
    const rows: { data: Buffer }[] = await this.artifacts.query(`SELECT data FROM artifact WHERE digest = $1`, [digest]);
    const data = rows[0]?.data;
    if (data === undefined) return undefined;
    if (data.length <= MEMORY_BYTES / 4) {
      this.memory.set(digest, data);
      this.memoryBytes += data.length;
      for (const [key, value] of this.memory) {
        if (this.memoryBytes <= MEMORY_BYTES) break;
        this.memory.delete(key);
        this.memoryBytes -= value.length;
      }
    }
    return data;
  }

  private async collectOnce(): Promise<number> {
    return this.artifacts.manager.transaction(async (tx) => {
      const [{ locked }] = await tx.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        COLLECT_LOCK_KEY.toString(),
      ]);
      if (!locked) return 0;
      const gone: { digest: string }[] = await tx.query(
        `WITH gone AS (
           DELETE FROM artifact a
           WHERE a.used_at < now() - interval '${UNREFERENCED_GRACE}'
             -- A target body, used or not (TargetSetStore.collectBodies lets go of unused ones after the same hour).
             AND NOT EXISTS (SELECT 1 FROM target_body tb WHERE tb.artifact_digest = a.digest)
             AND NOT EXISTS (SELECT 1 FROM bundle b WHERE b.spec -> 'source' -> 'artifact' ->> 'digest' = a.digest)
             AND NOT EXISTS (
               SELECT 1 FROM bundle_pin p JOIN fleet_commit c ON c.fleet_repo = p.fleet_repo AND c.commit = p.commit,
                 jsonb_array_elements(c.bundles) spec
               WHERE spec ->> 'name' = p.bundle AND spec -> 'source' -> 'artifact' ->> 'digest' = a.digest)
           RETURNING digest)
         SELECT digest FROM gone`,
      );
      for (const { digest } of gone) {
        const cached = this.memory.get(digest);
        if (cached !== undefined) {
          this.memory.delete(digest);
          this.memoryBytes -= cached.length;
        }
      }
      if (gone.length > 0) this.log.info({ collected: gone.length }, 'unreferenced artifacts collected');
      return gone.length;
    });
  }
}
