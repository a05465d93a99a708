import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BundleEntity } from './bundle.entity';
import type { BundleDocument, BundleSpec, ClusterGroupDocument, ClusterGroupSpec } from './fleet-format';
import type { FleetHealth } from './fleet-health';
import { keepContentCommits, keepOnlyInHistory, type InHistory } from './content-commits';

/** Where a fleet repository's source row is found: its URL without userinfo, branch and path. */
export interface FleetSourceKey {
  name: string;
  url: string;
  branch: string;
  path: string;
}

/** A fleet source's stored state: the commit served and what stands against the head. */
export interface StoredFleetSource {
  lastGoodCommit: string | null;
  /** The stored health (fleet-health.ts storedHealth reads it, older forms included). */
  lastError: unknown;
  fetchedAt: Date | null;
}

/** What an accepted commit stores: the documents (with their files) of its bundles and groups. */
export interface AcceptedCommit {
  fleetRepo: string;
  sourceId: number;
  commit: string;
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
  /** Asked, for each commit a bundle would keep, whether it is still in its source's history. */
  inHistory: InHistory;
}

interface SourceRow {
  last_good_commit: string | null;
  last_error: unknown;
  fetched_at: Date | null;
}

/**
 * The fleet repositories' tables (fleet_source, bundle, cluster_group, fleet_commit), written
 * only here: the commit a repository serves, its health, the bundles and groups of its last good
 * commit, and every accepted commit's documents (for pins and rollbacks).
 */
@Injectable()
export class FleetStore {
  private readonly sourceIds = new Map<string, number>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The id of a repository's fleet_source row, created on first use (cached per process). */
  async sourceId(key: FleetSourceKey): Promise<number> {
    const known = this.sourceIds.get(key.name);
    if (known !== undefined) return known;
    const rows: { id: number }[] = await this.db.query(
      `INSERT INTO fleet_source (url, branch, path, name) VALUES ($1, $2, $3, $4)
       ON CONFLICT (url, branch, path) DO UPDATE SET name = EXCLUDED.name
       RETURNING id`,
      [key.url, key.branch, key.path, key.name],
    );
    this.sourceIds.set(key.name, rows[0].id);
    return rows[0].id;
  }

  async source(id: number): Promise<StoredFleetSource> {
    const rows: SourceRow[] = await this.db.query(`SELECT last_good_commit, last_error, fetched_at FROM fleet_source WHERE id = $1`, [id]);
    const row = rows[0];
    if (row === undefined) throw new Error(`fleet_source ${id} is gone`);
    return { lastGoodCommit: row.last_good_commit, lastError: row.last_error, fetchedAt: row.fetched_at };
  }

  /** Stores a repository's health after a fetch or a verdict (null: healthy). */
  async setHealth(id: number, health: FleetHealth | null): Promise<void> {
    await this.db.query(`UPDATE fleet_source SET last_error = $2, fetched_at = now() WHERE id = $1`, [
      id,
      health === null ? null : JSON.stringify(health),
    ]);
  }

  /**
   * Stores an accepted commit in one transaction: the repository's bundles and groups become
   * the commit's, the commit's documents are kept, and the source serves it with no error.
   * Each bundle's contentCommit is decided here, against the last good commit as stored, with
   * the source's row locked: replicas accepting at once decide in turn, each after the other's
   * commit, so they serve the same targets (a commit kept is checked against the source's
   * history too, which is the same in every replica's mirror). Returns the bundles as stored.
   */
  async accept({ fleetRepo, sourceId, commit, bundles: candidate, groups, inHistory }: AcceptedCommit): Promise<BundleDocument[]> {
    return this.db.transaction(async (tx) => {
      // Two statements: a row lock waited for reads the row as the other transaction left it,
      // but a join in the same statement would still see the tables as they were before.
      const [source]: { commit: string | null }[] = await tx.query(
        `SELECT last_good_commit AS commit FROM fleet_source WHERE id = $1 FOR UPDATE`,
        [sourceId],
      );
      const previous: { bundles: BundleSpec[] }[] =
        source === undefined || source.commit === null
          ? []
          : await tx.query(`SELECT bundles FROM fleet_commit WHERE fleet_repo = $1 AND commit = $2`, [fleetRepo, source.commit]);
      const bundles = await keepOnlyInHistory(keepContentCommits(previous[0]?.bundles ?? [], candidate), inHistory);
      const specs = bundles.map((d) => d.bundle);
      await tx.query(`DELETE FROM bundle WHERE fleet_repo = $1 AND NOT (name = ANY($2::text[]))`, [fleetRepo, specs.map((b) => b.name)]);
      if (bundles.length > 0) {
        await tx.query(
          `INSERT INTO bundle (name, spec, commit, file, fleet_repo)
           SELECT name, spec::jsonb, $3, file, $4 FROM unnest($1::text[], $2::text[], $5::text[]) AS b(name, spec, file)
           ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, commit = EXCLUDED.commit, file = EXCLUDED.file, fleet_repo = EXCLUDED.fleet_repo`,
          [specs.map((b) => b.name), specs.map((b) => JSON.stringify(b)), commit, fleetRepo, bundles.map((d) => d.file)],
        );
      }
      await tx.query(`DELETE FROM cluster_group WHERE fleet_repo = $1`, [fleetRepo]);
      if (groups.length > 0) {
        await tx.query(
          `INSERT INTO cluster_group (name, fleet_repo, selector, commit, file)
           SELECT name, $2, selector::jsonb, $3, file FROM unnest($1::text[], $4::text[], $5::text[]) AS g(name, selector, file)`,
          [
            groups.map((d) => d.group.name),
            fleetRepo,
            commit,
            groups.map((d) => JSON.stringify(d.group.selector)),
            groups.map((d) => d.file),
          ],
        );
      }
      await tx.query(
        `INSERT INTO fleet_commit (fleet_repo, commit, bundles, groups, documents, accepted_at) VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (fleet_repo, commit) DO UPDATE SET bundles = EXCLUDED.bundles, groups = EXCLUDED.groups, documents = EXCLUDED.documents`,
        [fleetRepo, commit, JSON.stringify(specs), JSON.stringify(groups.map((d) => d.group)), JSON.stringify({ bundles, groups })],
      );
      await tx.query(`UPDATE fleet_source SET last_good_commit = $2, last_error = NULL, fetched_at = now() WHERE id = $1`, [
        sourceId,
        commit,
      ]);
      return bundles;
    });
  }

  /** The bundles and groups of an accepted commit, as specs (pins, rollbacks), or null. */
  async specsAt(fleetRepo: string, commit: string): Promise<{ bundles: BundleSpec[]; groups: ClusterGroupSpec[] } | null> {
    const rows: { bundles: BundleSpec[]; groups: ClusterGroupSpec[] }[] = await this.db.query(
      `SELECT bundles, groups FROM fleet_commit WHERE fleet_repo = $1 AND commit = $2`,
      [fleetRepo, commit],
    );
    return rows[0] ?? null;
  }

  /** The documents (bundles and groups with their files) of an accepted commit, or null. */
  async documentsAt(fleetRepo: string, commit: string): Promise<{ bundles: BundleDocument[]; groups: ClusterGroupDocument[] } | null> {
    const rows: { documents: { bundles: BundleDocument[]; groups: ClusterGroupDocument[] } }[] = await this.db.query(
      `SELECT documents FROM fleet_commit WHERE fleet_repo = $1 AND commit = $2`,
      [fleetRepo, commit],
    );
    return rows[0]?.documents ?? null;
  }

  /** Drops the bundles and groups of repositories no longer configured. */
  async keepRepos(names: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM bundle WHERE NOT (fleet_repo = ANY($1::text[]))`, [names]);
      await tx.query(`DELETE FROM cluster_group WHERE NOT (fleet_repo = ANY($1::text[]))`, [names]);
    });
  }

  /** The bundles being served, by name. */
  async bundles(): Promise<BundleEntity[]> {
    return this.db.getRepository(BundleEntity).find({ order: { name: 'ASC' } });
  }
}
