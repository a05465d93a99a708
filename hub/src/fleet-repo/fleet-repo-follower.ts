import type { FleetRepoConfig } from '../config/hub-config';
import type { Logger } from '../logging/logger';
import { formatFleetError, type BundleDocument, type ClusterGroupDocument, type FleetError } from './fleet-format';
import { MAX_FLEET_FILE_BYTES } from './fleet-parser';
import { commitTreeOf, localSourcePaths, readFleetSnapshot, type FleetFile, type FleetSnapshot } from './fleet-snapshot';
import { RepositoryLimitError, type RepositoryMirror, type TreeEntry } from './git-mirror';
import { resolveSources, type ResolvedSource } from './source-resolver';

/** Entries (files and directories) a fleet directory may hold: more is refused, not read. */
const MAX_FLEET_ENTRIES = 10_000;
/** Bytes of fleet files read from one commit. */
const MAX_FLEET_BYTES = 64 * 1024 * 1024;

/** A fleet commit of one repository that passed its own checks, sources resolved. */
export interface FleetCandidate {
  repo: FleetRepoConfig;
  commit: string;
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
}

export interface FollowerHooks {
  mirrorOf(url: string): RepositoryMirror;
  /** The branch was fetched (whatever its head holds). */
  fetched(repo: FleetRepoConfig): Promise<void>;
  /** Checks the candidate against the other repositories and serves it if the fleet stays valid. */
  offer(candidate: FleetCandidate): Promise<void>;
  /** Records why the head (or the fetch) was not accepted; commit null for fetch failures. */
  reject(repo: FleetRepoConfig, commit: string | null, errors: FleetError[]): Promise<void>;
  /** Packs each bundle's source into an artifact (source.artifact); errors name the bundle's file and field. */
  pack(bundles: BundleDocument[]): Promise<{ bundles: BundleDocument[]; errors: FleetError[] }>;
}

/**
 * Follows the branch of one fleet repository: fetches on an interval or on request,
 * validates each new head on its own, resolves the bundles' sources on every fetch (a
 * source branch may move while the fleet does not) and offers the result to the service.
 * At most one sync runs per repository, plus one queued: bursts of requests coalesce.
 */
export class FleetRepoFollower {
  /** Sources of other repositories the last examined commit uses, for webhook matching. */
  sources: ResolvedSource[] = [];
  private readonly mirror: RepositoryMirror;
  private examinedCommit: string | undefined;
  /** Documents of the examined commit when it passed its own checks; undefined when it did not. */
  private examined: { bundles: BundleDocument[]; groups: ClusterGroupDocument[] } | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A push webhook said the branch moved since the last sync started: the next fetches without asking first. */
  private pushed = false;

  constructor(
    readonly repo: FleetRepoConfig,
    private readonly pollIntervalMs: number,
    private readonly hooks: FollowerHooks,
    private readonly log: Logger,
  ) {
    this.mirror = hooks.mirrorOf(repo.url);
  }

  /**
   * Syncs now, or right after the sync in flight; concurrent callers share one queued sync.
   * `pushed`: a push webhook said this repository's branch moved.
   */
  request({ pushed = false }: { pushed?: boolean } = {}): Promise<void> {
    if (pushed) this.pushed = true;
    if (this.queued !== undefined) return this.queued;
    if (this.running === undefined) return this.start();
    this.queued = this.running.then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.request().finally(() => this.schedule()), this.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queued;
    await this.running;
  }

  private start(): Promise<void> {
    const run = this.sync()
      .catch((error: unknown) => this.log.error({ err: error }, 'fleet sync failed; will retry at the next poll'))
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    let commit: string;
    try {
      const moved = this.pushed;
      this.pushed = false;
      commit = await this.mirror.fetchHead(this.repo.branch, { moved });
    } catch (error) {
      const message = (error as Error).message;
      this.log.warn({ error: message }, 'fetching the fleet repository failed; serving the last good commit');
      await this.hooks.reject(this.repo, null, [{ file: null, line: null, field: null, message }]);
      return;
    }
    await this.hooks.fetched(this.repo);
    if (commit !== this.examinedCommit) {
      const snapshot = await this.readCommit(commit);
      this.examinedCommit = commit;
      this.examined = snapshot.ok ? { bundles: snapshot.bundles, groups: snapshot.groups } : undefined;
      if (!snapshot.ok) {
        this.sources = [];
        this.log.warn(
          { commit, errors: snapshot.errors.length, first: snapshot.errors.slice(0, 5).map(formatFleetError) },
          'fleet commit rejected; serving the last good commit',
        );
        await this.hooks.reject(this.repo, commit, snapshot.errors);
        return;
      }
    }
    if (this.examined === undefined) return;
    const resolved = await resolveSources(this.examined.bundles, { ...this.repo, commit }, (url) => this.hooks.mirrorOf(url));
    this.sources = resolved.sources;
    if (resolved.errors.length > 0) {
      this.log.warn(
        { commit, first: resolved.errors.slice(0, 5).map(formatFleetError) },
        'bundle sources of the fleet commit cannot be resolved',
      );
      await this.hooks.reject(this.repo, commit, resolved.errors);
      return;
    }
    const packed = await this.hooks.pack(resolved.bundles);
    if (packed.errors.length > 0) {
      this.log.warn(
        { commit, first: packed.errors.slice(0, 5).map(formatFleetError) },
        'bundle sources of the fleet commit cannot be packed',
      );
      await this.hooks.reject(this.repo, commit, packed.errors);
      return;
    }
    await this.hooks.offer({ repo: this.repo, commit, bundles: packed.bundles, groups: this.examined.groups });
  }

  private async readCommit(commit: string): Promise<FleetSnapshot> {
    let entries;
    try {
      entries = await this.mirror.listTree(commit, this.repo.path, MAX_FLEET_ENTRIES);
    } catch (error) {
      if (!(error instanceof RepositoryLimitError)) throw error;
      return { ok: false, errors: [{ file: this.repo.path, line: null, field: null, message: `refused: ${error.message}` }] };
    }
    if (entries.length === 0) {
      return { ok: false, errors: [{ file: this.repo.path, line: null, field: null, message: 'directory does not exist at this commit' }] };
    }
    const errors: FleetError[] = [];
    const files: FleetFile[] = [];
    const wanted: TreeEntry[] = [];
    for (const entry of entries) {
      if (!/\.ya?ml$/.test(entry.path) || entry.type === 'tree') continue;
      if (entry.mode === '120000' || entry.type !== 'blob') {
        errors.push({
          file: entry.path,
          line: null,
          field: null,
          message: 'must be a regular file (symbolic links and submodules are not read)',
        });
      } else if (entry.size > MAX_FLEET_FILE_BYTES) {
        errors.push({ file: entry.path, line: null, field: null, message: `file is larger than ${MAX_FLEET_FILE_BYTES} bytes` });
      } else {
        wanted.push(entry);
      }
    }
    const blobs = await this.mirror.readBlobs(
      wanted.map((e) => e.oid),
      MAX_FLEET_BYTES,
    );
    for (const entry of wanted) files.push({ path: entry.path, text: blobs.get(entry.oid)?.toString('utf8') ?? '' });
    const tree = commitTreeOf(await this.mirror.pathTypes(commit, localSourcePaths(files)));
    const snapshot = readFleetSnapshot(files, tree);
    if (errors.length === 0) return snapshot;
    return { ok: false, errors: [...errors, ...(snapshot.ok ? [] : snapshot.errors)] };
  }
}
