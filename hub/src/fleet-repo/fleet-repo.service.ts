import { join } from 'node:path';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';
import { BundleEntity } from './bundle.entity';
import { formatFleetError, type BundleDocument, type BundleSpec, type FleetError } from './fleet-format';
import { MAX_FLEET_FILE_BYTES } from './fleet-parser';
import { readFleetSnapshot, type FleetFile, type FleetSnapshot } from './fleet-snapshot';
import { FleetSourceEntity, type FleetSourceError } from './fleet-source.entity';
import { GitMirror } from './git-mirror';
import { stripUserinfo } from '#core';

/** A fleet commit the hub now serves, with its bundles. */
export interface FleetCommitAccepted {
  repoUrl: string;
  commit: string;
  bundles: BundleSpec[];
}

/** What GET /api/v1/fleet shows. */
export interface FleetState {
  url: string;
  branch: string;
  path: string;
  commit: string | null;
  fetchedAt: Date | null;
  error: FleetSourceError | null;
}

/**
 * Follows the fleet branch: fetches on an interval, validates each new head commit as a
 * whole and serves it only if valid. A broken commit never replaces the last good one.
 */
@Injectable()
export class FleetRepoService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly accepted: Listeners<FleetCommitAccepted>;
  private readonly mirror: GitMirror;
  private readonly repoUrl: string;
  private readonly log: Logger;
  private sourceId: number | undefined;
  /** Head commit this process last examined, valid or not: unchanged heads are not re-read. */
  private examinedCommit: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectRepository(FleetSourceEntity) private readonly sources: Repository<FleetSourceEntity>,
    @InjectRepository(BundleEntity) private readonly bundles: Repository<BundleEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.repoUrl = stripUserinfo(config.fleetRepoUrl);
    this.mirror = new GitMirror(config.fleetRepoUrl, join(config.dataDir, 'git'));
    this.log = logger.child({ module: 'fleet-repo', repo: this.repoUrl, branch: config.fleetBranch });
    this.accepted = new Listeners((error) => this.log.error({ err: error }, 'reacting to a fleet commit failed'));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.syncNow();
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }

  /** Fetches and, if the head moved, validates and accepts it. Calls are queued, never run in parallel. */
  syncNow(): Promise<void> {
    this.chain = this.chain.then(() =>
      this.sync().catch((error: unknown) => this.log.error({ err: error }, 'fleet sync failed; will retry at the next poll')),
    );
    return this.chain;
  }

  async state(): Promise<FleetState> {
    const source = await this.source();
    return {
      url: this.repoUrl,
      branch: this.config.fleetBranch,
      path: this.config.fleetPath,
      commit: source.lastGoodCommit,
      fetchedAt: source.fetchedAt,
      error: source.lastError,
    };
  }

  /** The bundles of the last good commit, by name. */
  async currentBundles(): Promise<BundleEntity[]> {
    return this.bundles.find({ order: { name: 'ASC' } });
  }

  /** The last good commit and its bundles, or null before any commit was accepted. */
  async current(): Promise<FleetCommitAccepted | null> {
    const source = await this.source();
    if (source.lastGoodCommit === null) return null;
    const bundles = await this.currentBundles();
    return { repoUrl: this.repoUrl, commit: source.lastGoodCommit, bundles: bundles.map((b) => b.spec) };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.syncNow().finally(() => this.schedule());
    }, this.config.fleetPollIntervalMs);
    this.timer.unref();
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    let commit: string;
    try {
      commit = await this.mirror.fetchHead(this.config.fleetBranch);
    } catch (error) {
      const message = (error as Error).message;
      this.log.warn({ error: message }, 'fetching the fleet repository failed; serving the last good commit');
      await this.recordError({ commit: null, errors: [{ file: null, line: null, field: null, message }] });
      return;
    }
    if (commit === this.examinedCommit) {
      await this.sources.query(
        `UPDATE fleet_source SET fetched_at = now(),
           last_error = CASE WHEN last_error->>'commit' IS NULL THEN NULL ELSE last_error END
         WHERE id = $1`,
        [await this.sourceIdentity()],
      );
      return;
    }
    const snapshot = await this.readCommit(commit);
    if (!snapshot.ok) {
      this.log.warn(
        { commit, errors: snapshot.errors.length, first: snapshot.errors.slice(0, 5).map(formatFleetError) },
        'fleet commit rejected; serving the last good commit',
      );
      await this.recordError({ commit, errors: snapshot.errors });
      this.examinedCommit = commit;
      return;
    }
    await this.accept(commit, snapshot.bundles);
    this.examinedCommit = commit;
    this.log.info({ commit, bundles: snapshot.bundles.map((b) => b.bundle.name) }, 'fleet commit accepted');
    await this.accepted.emit({ repoUrl: this.repoUrl, commit, bundles: snapshot.bundles.map((b) => b.bundle) });
  }

  private async readCommit(commit: string): Promise<FleetSnapshot> {
    const entries = await this.mirror.listTree(commit, this.config.fleetPath);
    if (entries.length === 0) {
      return { ok: false, errors: [{ file: this.config.fleetPath, line: null, field: null, message: 'directory does not exist at this commit' }] };
    }
    const errors: FleetError[] = [];
    const files: FleetFile[] = [];
    for (const entry of entries) {
      if (!/\.ya?ml$/.test(entry.path) || entry.type === 'tree') continue;
      if (entry.mode === '120000' || entry.type !== 'blob') {
        errors.push({ file: entry.path, line: null, field: null, message: 'must be a regular file (symbolic links and submodules are not read)' });
      } else if (entry.size > MAX_FLEET_FILE_BYTES) {
        errors.push({ file: entry.path, line: null, field: null, message: `file is larger than ${MAX_FLEET_FILE_BYTES} bytes` });
      } else {
        files.push({ path: entry.path, text: await this.mirror.readFile(commit, entry.path) });
      }
    }
    const snapshot = readFleetSnapshot(files, await this.mirror.commitTree(commit));
    if (errors.length === 0) return snapshot;
    return { ok: false, errors: [...errors, ...(snapshot.ok ? [] : snapshot.errors)] };
  }

  private async accept(commit: string, docs: BundleDocument[]): Promise<void> {
    const sourceId = await this.sourceIdentity();
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`DELETE FROM bundle WHERE NOT (name = ANY($1::text[]))`, [docs.map((d) => d.bundle.name)]);
      for (const doc of docs) {
        await tx.query(
          `INSERT INTO bundle (name, spec, commit, file) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, commit = EXCLUDED.commit, file = EXCLUDED.file`,
          [doc.bundle.name, JSON.stringify(doc.bundle), commit, doc.file],
        );
      }
      await tx.query(
        `UPDATE fleet_source SET last_good_commit = $2, last_error = NULL, fetched_at = now() WHERE id = $1`,
        [sourceId, commit],
      );
    });
  }

  private async recordError(error: FleetSourceError): Promise<void> {
    await this.sources.query(`UPDATE fleet_source SET last_error = $2, fetched_at = now() WHERE id = $1`, [
      await this.sourceIdentity(),
      JSON.stringify(error),
    ]);
  }

  private async source(): Promise<FleetSourceEntity> {
    const id = await this.sourceIdentity();
    return this.sources.findOneOrFail({ where: { id } });
  }

  /** The row of this repo/branch/path, created on first use. */
  private async sourceIdentity(): Promise<number> {
    if (this.sourceId !== undefined) return this.sourceId;
    const rows: { id: number }[] = await this.sources.query(
      `INSERT INTO fleet_source (url, branch, path) VALUES ($1, $2, $3)
       ON CONFLICT (url, branch, path) DO UPDATE SET url = EXCLUDED.url
       RETURNING id`,
      [this.repoUrl, this.config.fleetBranch, this.config.fleetPath],
    );
    this.sourceId = rows[0].id;
    return this.sourceId;
  }
}
