import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { gitAuthEnvironment, separateCredentials, type GitAuth } from './git-auth';
import {
  CatFileBatchParser,
  gitEnvironment,
  isCommitSha,
  RecordSplitter,
  redactUserinfo,
  SAFE_GIT_CONFIG,
  streamGit,
  stripUserinfo,
} from '#core';

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  /** Bytes, for blobs. */
  size: number;
  /** Git's object id. */
  oid: string;
}

/** Bounds on one listing or read of repository content; passing one stops git at once. */
export interface ReadLimits {
  maxEntries: number;
  maxBytes: number;
}

/** A listing or read of repository content that passed a limit. */
export class RepositoryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryLimitError';
  }
}

const GIT_TIMEOUT_MS = 120_000;

/**
 * What the hub asks of a mirror: a GitMirror in this process, or one in the git worker
 * (git-worker-client.ts), where the hub's git processes are started.
 */
export type RepositoryMirror = Pick<
  GitMirror,
  'url' | 'fetchHead' | 'resolveRef' | 'listTree' | 'objectIds' | 'listFiles' | 'readBlobs' | 'pathTypes' | 'isAncestor'
>;

/** The methods of RepositoryMirror: the only calls the git worker answers. */
export const MIRROR_METHODS = [
  'fetchHead',
  'resolveRef',
  'listTree',
  'objectIds',
  'listFiles',
  'readBlobs',
  'pathTypes',
  'isAncestor',
] as const;
export type MirrorMethod = (typeof MIRROR_METHODS)[number];

/**
 * A bare local copy of a remote repository, one directory per repository URL. Fetches
 * force-update local refs so that force-pushes are followed. Operations on one mirror run
 * one at a time (several fleet repositories may use the same source repository).
 */
export class GitMirror {
  private readonly dir: string;
  /** The URL without credentials: the only form git is given. */
  readonly url: string;
  private readonly authEnv: Record<string, string>;
  private git: SimpleGit | undefined;
  /**
   * commit:path → its object id and type (null: not there), for objectIds and pathTypes. A
   * commit never changes, so neither does what its paths name: the fleet's reader and the packer
   * ask about the same bundle paths of a commit, and the second asks git nothing.
   */
  private readonly objects = new Map<string, { oid: string; type: string } | null>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Branch → the commit its local ref was fetched at (by fetchHead). */
  private readonly heads = new Map<string, string>();

  constructor(url: string, cacheRoot: string, auth: GitAuth = {}) {
    const separated = separateCredentials(url, auth);
    this.url = separated.url;
    this.authEnv = gitAuthEnvironment(separated.url, separated.auth);
    const key = createHash('sha256').update(stripUserinfo(url)).digest('hex').slice(0, 24);
    this.dir = join(cacheRoot, key);
  }

  /**
   * Fetches `branch` and returns the commit SHA at its head. Asks the remote for the branch's
   * head first and fetches only when it moved: an unchanged poll, the usual one, runs one git
   * process instead of two (each a fork of the hub, milliseconds of its event loop). `moved`: a
   * push webhook said the branch moved, so the question is skipped.
   */
  fetchHead(branch: string, { moved = false }: { moved?: boolean } = {}): Promise<string> {
    return this.exclusive(async (git) => {
      try {
        const known = this.heads.get(branch);
        if (known !== undefined && !moved) {
          const listed = await git.raw(['ls-remote', '--', this.url, `refs/heads/${branch}`]);
          const [sha, name] = listed.split('\n')[0].split('\t');
          if (name === `refs/heads/${branch}` && sha === known) return known;
        }
        await git.raw(['fetch', '--no-tags', '--force', '--prune', '--', this.url, `+refs/heads/${branch}:refs/heads/${branch}`]);
        const head = (await git.raw(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`])).trim();
        this.heads.set(branch, head);
        return head;
      } catch (error) {
        throw new Error(`git fetch of ${this.url} (branch ${branch}) failed: ${this.describe(error)}`);
      }
    });
  }

  /**
   * Resolves a branch, tag or commit SHA of the remote to the exact commit and makes sure
   * that commit is here. A branch wins over a tag of the same name.
   */
  resolveRef(ref: string): Promise<string> {
    return this.exclusive(async (git) => {
      try {
        if (isCommitSha(ref)) {
          if (!(await this.hasCommit(git, ref))) await git.raw(['fetch', '--no-tags', '--', this.url, ref]);
          if (!(await this.hasCommit(git, ref))) throw new Error(`commit ${ref} is not in the repository`);
          return ref;
        }
        const listed = await git.raw(['ls-remote', '--', this.url, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/tags/${ref}^{}`]);
        const refs = new Map(
          listed
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [sha, name] = line.split('\t');
              return [name, sha] as const;
            }),
        );
        const remoteRef = refs.has(`refs/heads/${ref}`)
          ? `refs/heads/${ref}`
          : refs.has(`refs/tags/${ref}`)
            ? `refs/tags/${ref}`
            : undefined;
        if (remoteRef === undefined) throw new Error(`no branch or tag named "${ref}"`);
        const commit = refs.get(`${remoteRef}^{}`) ?? refs.get(remoteRef)!;
        if (!(await this.hasCommit(git, commit))) {
          await git.raw(['fetch', '--no-tags', '--force', '--', this.url, `+${remoteRef}:refs/sources/${remoteRef.slice('refs/'.length)}`]);
        }
        return (await git.raw(['rev-parse', '--verify', `${commit}^{commit}`])).trim();
      } catch (error) {
        throw new Error(`resolving "${ref}" in ${this.url} failed: ${this.describe(error)}`);
      }
    });
  }

  /**
   * Every entry (files and directories) under `dir` at `commit`, recursively, streamed: more
   * than `maxEntries` entries stops git and throws (a repository of millions of files is
   * refused after the limit, not read whole into memory).
   */
  listTree(commit: string, dir: string | undefined, maxEntries: number): Promise<TreeEntry[]> {
    return this.exclusive(async () => {
      const entries: TreeEntry[] = [];
      const records = new RecordSplitter('\0');
      const args = ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit];
      if (dir !== undefined) args.push('--', `:(literal)${dir}`);
      await this.stream(args, undefined, (chunk) => {
        for (const record of records.push(chunk)) {
          if (record === '') continue;
          entries.push(parseTreeRecord(record));
          if (entries.length > maxEntries) throw new RepositoryLimitError(`more than ${maxEntries} entries under "${dir ?? '.'}"`);
        }
      });
      return entries;
    });
  }

  /**
   * Object id and type of each `commit:path` ('' is the commit's root tree); paths that do not
   * exist are left out. One git process for all the paths not asked before at that commit (none
   * when all were: see `objects`).
   */
  async objectIds(commit: string, paths: readonly string[]): Promise<Map<string, { oid: string; type: string }>> {
    const found = new Map<string, { oid: string; type: string }>();
    // Only a commit SHA names the same tree forever; anything else (a branch) is asked each time.
    const cached = isCommitSha(commit);
    const unknown: string[] = [];
    for (const path of paths) {
      const known = cached ? this.objects.get(`${commit}:${path}`) : undefined;
      if (known === undefined) unknown.push(path);
      else if (known !== null) found.set(path, known);
    }
    if (unknown.length === 0) return found;
    const read = await this.exclusive(async () => {
      const answers = new Map<string, { oid: string; type: string }>();
      const lines = new RecordSplitter('\n');
      let index = 0;
      const take = (line: string): void => {
        const path = unknown[index++];
        const [oid = '', type = ''] = line.split(' ');
        if (path !== undefined && type !== 'missing' && type !== 'ambiguous') answers.set(path, { oid, type });
      };
      const asked = unknown.map((p) => `${commit}:${p}`);
      await this.stream(['cat-file', '--batch-check=%(objectname) %(objecttype)'], asked.join('\n') + '\n', (chunk) => {
        for (const line of lines.push(chunk)) take(line);
      });
      return answers;
    });
    for (const path of unknown) {
      const answer = read.get(path);
      if (answer !== undefined) found.set(path, answer);
      if (cached) this.objects.set(`${commit}:${path}`, answer ?? null);
    }
    while (this.objects.size > 10_000) this.objects.delete(this.objects.keys().next().value as string);
    return found;
  }

  /**
   * Every file (blob, symlink) at or under `roots` at `commit`, recursively, streamed: more
   * than `limits.maxEntries` entries or `limits.maxBytes` of content stops git and throws.
   */
  listFiles(commit: string, roots: readonly string[], limits: ReadLimits): Promise<TreeEntry[]> {
    return this.exclusive(async () => {
      const entries: TreeEntry[] = [];
      let bytes = 0;
      const records = new RecordSplitter('\0');
      const args = ['ls-tree', '-r', '-l', '-z', '--full-tree', commit];
      if (!roots.includes('')) args.push('--', ...roots.map((r) => `:(literal)${r}`));
      await this.stream(args, undefined, (chunk) => {
        for (const record of records.push(chunk)) {
          if (record === '') continue;
          const entry = parseTreeRecord(record);
          if (entry.type === 'tree') continue;
          entries.push(entry);
          bytes += entry.size;
          if (entries.length > limits.maxEntries) throw new RepositoryLimitError(`more than ${limits.maxEntries} files`);
          if (bytes > limits.maxBytes) throw new RepositoryLimitError(`more than ${limits.maxBytes} bytes`);
        }
      });
      return entries;
    });
  }

  /** The contents of these blobs, streamed; more than `maxBytes` in all stops git and throws. */
  readBlobs(oids: readonly string[], maxBytes: number): Promise<Map<string, Buffer>> {
    return this.exclusive(async () => {
      const blobs = new Map<string, Buffer>();
      if (oids.length === 0) return blobs;
      let bytes = 0;
      const parser = new CatFileBatchParser(
        (_oid, type, size) => {
          if (type !== 'blob') throw new RepositoryLimitError(`object is a ${type}, not a file`);
          bytes += size;
          if (bytes > maxBytes) throw new RepositoryLimitError(`more than ${maxBytes} bytes`);
        },
        (object) => blobs.set(object.oid, object.data),
      );
      await this.stream(['cat-file', '--batch'], [...new Set(oids)].join('\n') + '\n', (chunk) => parser.push(chunk));
      return blobs;
    });
  }

  /**
   * 'tree' or 'blob' for each of `paths` that exists at `commit` (checks like "source.path
   * exists"): objectIds, one cat-file for all of them, never a listing of the repository; a poll
   * of an unchanged commit asks git nothing.
   */
  async pathTypes(commit: string, paths: readonly string[]): Promise<Map<string, 'tree' | 'blob'>> {
    const answer = new Map<string, 'tree' | 'blob'>();
    for (const [path, { type }] of await this.objectIds(commit, paths)) if (type === 'tree' || type === 'blob') answer.set(path, type);
    return answer;
  }

  /**
   * Whether commit `ancestor` is `descendant` or in its history. A commit this mirror does not
   * have (one a force-push dropped before it was fetched here) is in no history.
   */
  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (!isCommitSha(ancestor) || !isCommitSha(descendant)) return Promise.resolve(false);
    // The merge base of a commit and one of its descendants is that commit; of unrelated ones,
    // none (exit 1, which simple-git takes for success: no output). A commit this mirror does not
    // have, or an object that is no commit, fails (no base). One git process: it was three, each
    // commit's presence asked first, and a process is ~15 ms of a commit's intake.
    return this.exclusive((git) =>
      git.raw(['merge-base', ancestor, descendant]).then(
        (out) => out.trim() === ancestor,
        () => false,
      ),
    );
  }

  private async hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
    return git.raw(['cat-file', '-e', `${sha}^{commit}`]).then(
      () => true,
      () => false,
    );
  }

  /** git with streamed output, in this mirror, with what git may see of the environment. */
  private async stream(args: string[], input: string | undefined, onData: (chunk: Buffer) => void): Promise<void> {
    await this.open();
    await streamGit(
      args,
      { gitDir: this.dir, env: { ...gitEnvironment(), ...this.authEnv }, ...(input !== undefined ? { input } : {}) },
      onData,
    );
  }

  private exclusive<T>(work: (git: SimpleGit) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => work(await this.open()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async open(): Promise<SimpleGit> {
    if (this.git !== undefined) return this.git;
    await mkdir(this.dir, { recursive: true });
    const git = simpleGit({
      baseDir: this.dir,
      // The same hardening as every other git the hub and agent run (core's streamGit): no hooks,
      // no fsmonitor, no ext:: or fd:: transports, no submodule recursion.
      config: Object.entries(SAFE_GIT_CONFIG).map(([key, value]) => `${key}=${value}`),
      timeout: { block: GIT_TIMEOUT_MS },
      // Credentials and the SSH key reach git through these variables and nothing else. simple-git
      // calls any hooksPath, fsmonitor or protocol.*.allow setting unsafe, since one could enable
      // them; the only ones given here (SAFE_GIT_CONFIG) switch them off.
      unsafe: {
        allowUnsafeConfigEnvCount: true,
        allowUnsafeSshCommand: true,
        allowUnsafeHooksPath: true,
        allowUnsafeFsMonitor: true,
        allowUnsafeProtocolOverride: true,
      },
    }).env({ ...gitEnvironment(), ...this.authEnv });
    const isRepo = await stat(join(this.dir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!isRepo) await git.raw(['init', '--bare', '--quiet']);
    this.git = git;
    return git;
  }

  private describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return redactUserinfo(message).trim();
  }
}

/** One record of `git ls-tree -l -z`: "<mode> <type> <oid> <size>\t<path>" (size "-" for trees and submodules). */
function parseTreeRecord(record: string): TreeEntry {
  const tab = record.indexOf('\t');
  const [mode = '', type = '', oid = '', size = '-'] = record.slice(0, tab).split(/\s+/);
  return { path: record.slice(tab + 1), mode, type: type as TreeEntry['type'], size: size === '-' ? 0 : Number(size), oid };
}

/** The mirror, with its branch fetches passed through `time` (the fleet repository's fetch metrics). */
export function timedFetches(mirror: RepositoryMirror, time: <T>(fetch: () => Promise<T>) => Promise<T>): RepositoryMirror {
  return new Proxy(mirror, {
    get: (target, property) => {
      if (property === 'fetchHead') return (branch: string, options?: { moved?: boolean }) => time(() => target.fetchHead(branch, options));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
