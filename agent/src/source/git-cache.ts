import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultSourceLimits, formatBytes, SourceError, type SourceLimits } from './limits';
import { gitEnvironment, GitStreamError, RecordSplitter, redactUserinfo, repoUrlProblem, runGit, streamGit, stripUserinfo } from '#core';

/** A fetch of a large repository may take a while; short commands end long before. */
const GIT_TIMEOUT_MS = 300_000;

const COMMIT_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

export interface GitCacheOptions {
  limits?: SourceLimits;
  /** Extra git settings for every command (tests force the pre-v2 wire protocol with it). */
  gitConfig?: Record<string, string>;
}

/** A materialised commit; `root` stays on disk until released and pruned. */
export interface Checkout {
  readonly root: string;
  release(): void;
}

/**
 * Local copies of application repositories: one bare repository per URL (named by a hash of
 * it, so that no URL, nor its credentials, lands in a path) and one read-only tree per commit.
 * Only exact commits are fetched; branches are never resolved here.
 */
export class GitCache {
  private readonly limits: SourceLimits;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly leases = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly options: GitCacheOptions = {},
  ) {
    this.limits = options.limits ?? defaultSourceLimits();
  }

  /** Fetches `commit` of `repoUrl` if needed and returns its tree on disk. Release it when done. */
  async checkout(repoUrl: string, commit: string): Promise<Checkout> {
    const problem = repoUrlProblem(repoUrl);
    if (problem !== undefined) throw new SourceError(problem);
    if (!COMMIT_SHA.test(commit)) {
      throw new SourceError(`commit "${commit}" is not a full commit SHA`);
    }
    const key = repoKey(repoUrl);
    const root = join(this.dir, 'checkouts', key, commit);
    await this.exclusive(key, async () => {
      if (!existsSync(root)) {
        const gitDir = await this.ensureRepository(key);
        await this.fetchCommit(gitDir, repoUrl, commit);
        await this.checkLimits(gitDir, commit);
        await this.materialise(gitDir, commit, root);
      }
      // Leased under the lock, so that a concurrent prune cannot remove it in between.
      this.leases.set(root, (this.leases.get(root) ?? 0) + 1);
    });
    let released = false;
    return {
      root,
      release: () => {
        if (released) return;
        released = true;
        const count = (this.leases.get(root) ?? 1) - 1;
        if (count <= 0) this.leases.delete(root);
        else this.leases.set(root, count);
      },
    };
  }

  /** Deletes checked-out trees that nobody holds and that are not in `keep` ("url@commit"). */
  async prune(keep: Iterable<{ repoUrl: string; commit: string }>): Promise<void> {
    const wanted = new Set<string>();
    for (const { repoUrl, commit } of keep) wanted.add(join(this.dir, 'checkouts', repoKey(repoUrl), commit));
    const base = join(this.dir, 'checkouts');
    if (!existsSync(base)) return;
    for (const key of await readdir(base)) {
      await this.exclusive(key, async () => {
        for (const commit of await readdir(join(base, key))) {
          const root = join(base, key, commit);
          if (!wanted.has(root) && !this.leases.has(root)) {
            await rm(root, { recursive: true, force: true });
          }
        }
      });
    }
  }

  private async ensureRepository(key: string): Promise<string> {
    const gitDir = join(this.dir, 'repos', `${key}.git`);
    if (!existsSync(join(gitDir, 'HEAD'))) {
      await mkdir(gitDir, { recursive: true });
      await this.git(['init', '--bare', '--quiet'], gitDir);
    }
    return gitDir;
  }

  private async fetchCommit(gitDir: string, repoUrl: string, commit: string): Promise<void> {
    if (await this.hasCommit(gitDir, commit)) return;
    // The URL is passed on each fetch rather than stored as a remote, so that credentials in
    // it never sit in the cache's config and rotated ones take effect at once.
    const pin = `+${commit}:refs/gitfleet/${commit}`;
    try {
      await this.git(['fetch', '--quiet', '--no-tags', '--depth', '1', repoUrl, pin], gitDir);
    } catch {
      // Servers that refuse unadvertised objects (protocol v0/v1 without
      // allowReachableSHA1InWant) need a full fetch of branches and tags.
      const shallow = (await this.git(['rev-parse', '--is-shallow-repository'], gitDir)).trim() === 'true';
      await this.git(
        [
          'fetch',
          '--quiet',
          ...(shallow ? ['--unshallow'] : []),
          repoUrl,
          '+refs/heads/*:refs/gitfleet-heads/*',
          '+refs/tags/*:refs/tags/*',
        ],
        gitDir,
      );
    }
    if (!(await this.hasCommit(gitDir, commit))) {
      throw new SourceError(`commit ${commit} is not in ${redactUserinfo(repoUrl)}`);
    }
  }

  private async hasCommit(gitDir: string, commit: string): Promise<boolean> {
    try {
      await this.git(['cat-file', '-e', `${commit}^{commit}`], gitDir);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Refuses a commit whose tree is too large before a single file is written. The listing is
   * read as git writes it and git is stopped the moment a limit is passed, so a Git bomb of
   * millions of files costs a bounded read, never its whole listing in memory.
   */
  private async checkLimits(gitDir: string, commit: string): Promise<void> {
    const records = new RecordSplitter('\0');
    let files = 0;
    let bytes = 0;
    try {
      await streamGit(['ls-tree', '-r', '-l', '-z', commit], { gitDir, env: gitEnvironment() }, (chunk) => {
        for (const entry of records.push(chunk)) {
          if (entry === '') continue;
          // "<mode> <type> <object> <size>\t<path>"; size is "-" for submodules.
          const size = Number(entry.slice(0, entry.indexOf('\t')).trim().split(/\s+/)[3]);
          files += 1;
          bytes += Number.isFinite(size) ? size : 0;
          if (files > this.limits.maxCheckoutFiles) {
            throw new SourceError(`commit ${commit} has more files than the checkout limit of ${this.limits.maxCheckoutFiles}`);
          }
          if (bytes > this.limits.maxCheckoutBytes) {
            throw new SourceError(
              `commit ${commit} holds more than the checkout limit: over the limit of ${formatBytes(this.limits.maxCheckoutBytes)}`,
            );
          }
        }
      });
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw error instanceof GitStreamError ? error : new GitStreamError(`git ls-tree ${commit} failed: ${String(error)}`);
    }
  }

  /** Writes the commit's tree to a fresh directory, then renames it into place (never half a tree). */
  private async materialise(gitDir: string, commit: string, root: string): Promise<void> {
    const staging = `${root}.tmp-${randomBytes(4).toString('hex')}`;
    const index = `${staging}.index`;
    await mkdir(staging, { recursive: true });
    try {
      const env = { GIT_INDEX_FILE: index };
      await this.git(['read-tree', commit], gitDir, { env });
      await this.git(['checkout-index', '--all', '--force'], gitDir, { env, workTree: staging });
      await rename(staging, root);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(index, { force: true });
    }
  }

  private git(args: string[], gitDir: string, extra: { env?: Record<string, string>; workTree?: string } = {}): Promise<string> {
    return runGit(args, {
      gitDir,
      env: { ...gitEnvironment(), ...extra.env },
      timeoutMs: GIT_TIMEOUT_MS,
      ...(extra.workTree !== undefined ? { workTree: extra.workTree } : {}),
      ...(this.options.gitConfig ? { config: this.options.gitConfig } : {}),
    });
  }

  /** Serialises work on one repository; different repositories proceed in parallel. */
  private async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(work);
    this.locks.set(key, current);
    try {
      return await current;
    } finally {
      if (this.locks.get(key) === current) this.locks.delete(key);
    }
  }
}

/**
 * The cache directory name of a repository: a hash of its URL without credentials, so that
 * no URL lands in a path and a rotated password keeps the cache.
 */
export function repoKey(repoUrl: string): string {
  return createHash('sha256').update(stripUserinfo(repoUrl)).digest('hex').slice(0, 24);
}
