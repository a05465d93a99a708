import { Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson } from '#core';
import { createHash } from 'node:crypto';
import type { HaltCause, PlannedPartition, RolloutState } from './rollout-plan';

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

interface RolloutRow {
  bundle: string;
  revision: string;
  commit: string;
  state: RolloutState;
  paused: boolean;
  admitted: string[];
  partitions: PlannedPartition[];
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
   * Rollouts of the bundles that are not pinned. A pinned bundle is not rolled out, but its
   * rollout (admitted clusters, pause) is kept, unseen, for when it is unpinned.
   */
  async rollouts(tx: EntityManager | DataSource = this.db): Promise<Map<string, StoredRollout>> {
    const rows: RolloutRow[] = await tx.query(`SELECT * FROM rollout WHERE bundle NOT IN (SELECT bundle FROM bundle_pin)`);
    return new Map(rows.map((r) => [r.bundle, rolloutOf(r)]));
  }

  async save(rollout: Omit<StoredRollout, 'startedAt' | 'updatedAt'>, tx: EntityManager): Promise<void> {
    await tx.query(
      `INSERT INTO rollout (bundle, revision, commit, state, paused, admitted, partitions, halt, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now())
       ON CONFLICT (bundle) DO UPDATE
         SET started_at = CASE WHEN rollout.revision = EXCLUDED.revision THEN rollout.started_at ELSE now() END,
             revision = EXCLUDED.revision, commit = EXCLUDED.commit, state = EXCLUDED.state, admitted = EXCLUDED.admitted,
             partitions = EXCLUDED.partitions, halt = EXCLUDED.halt, updated_at = now()`,
      [
        rollout.bundle,
        rollout.revision,
        rollout.commit,
        rollout.state,
        rollout.paused,
        JSON.stringify(rollout.admitted),
        JSON.stringify(rollout.partitions),
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

function rolloutOf(r: RolloutRow): StoredRollout {
  return {
    bundle: r.bundle,
    revision: r.revision,
    commit: r.commit,
    state: r.state,
    paused: r.paused,
    admitted: r.admitted,
    partitions: r.partitions,
    halt: r.halt,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
  };
}

/** The store alone, so that placement (which gates targets) and rollout (which writes) both import it without importing each other. */
@Module({ providers: [RolloutStore], exports: [RolloutStore] })
export class RolloutStoreModule {}
