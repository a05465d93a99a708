import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { CommitTree } from './fleet-snapshot';
import { redactUserinfo, stripUserinfo } from '#core';

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  /** Bytes, for blobs. */
  size: number;
}

const GIT_TIMEOUT_MS = 120_000;

/** What git may see of the hub's environment: enough to reach a remote, nothing that runs programs. */
const PASSED_ENV = [
  'PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SSH_AUTH_SOCK', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * A bare local copy of one branch of a remote repository, one directory per repository
 * URL. Fetches force-update the local branch so that force-pushes are followed.
 */
export class GitMirror {
  private readonly dir: string;
  private git: SimpleGit | undefined;

  constructor(
    private readonly url: string,
    cacheRoot: string,
  ) {
    const key = createHash('sha256').update(stripUserinfo(url)).digest('hex').slice(0, 24);
    this.dir = join(cacheRoot, key);
  }

  /** Fetches `branch` and returns the commit SHA at its head. */
  async fetchHead(branch: string): Promise<string> {
    const git = await this.open();
    try {
      await git.raw(['fetch', '--no-tags', '--force', '--prune', '--', this.url, `+refs/heads/${branch}:refs/heads/${branch}`]);
      return (await git.raw(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`])).trim();
    } catch (error) {
      throw new Error(`git fetch of ${stripUserinfo(this.url)} (branch ${branch}) failed: ${this.describe(error)}`);
    }
  }

  /** Every entry (files and directories) under `dir` at `commit`, recursively. */
  async listTree(commit: string, dir?: string): Promise<TreeEntry[]> {
    const git = await this.open();
    const args = ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit];
    if (dir !== undefined) args.push('--', dir);
    const out = await git.raw(args);
    return out
      .split('\0')
      .filter((line) => line !== '')
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode, type, , size] = line.slice(0, tab).split(/\s+/);
        return { path: line.slice(tab + 1), mode, type: type as TreeEntry['type'], size: size === '-' ? 0 : Number(size) };
      });
  }

  async readFile(commit: string, path: string): Promise<string> {
    const git = await this.open();
    return git.raw(['cat-file', 'blob', `${commit}:${path}`]);
  }

  /** The types of all paths at a commit, for checks like "source.path exists". */
  async commitTree(commit: string): Promise<CommitTree> {
    const types = new Map<string, 'tree' | 'blob'>([['.', 'tree']]);
    for (const entry of await this.listTree(commit)) {
      if (entry.type !== 'commit') types.set(entry.path, entry.type);
    }
    return { typeOf: (path) => types.get(path) };
  }

  private async open(): Promise<SimpleGit> {
    if (this.git !== undefined) return this.git;
    await mkdir(this.dir, { recursive: true });
    const git = simpleGit({ baseDir: this.dir, timeout: { block: GIT_TIMEOUT_MS } }).env(gitEnvironment());
    const isRepo = await stat(join(this.dir, 'HEAD')).then(() => true, () => false);
    if (!isRepo) await git.raw(['init', '--bare', '--quiet']);
    this.git = git;
    return git;
  }

  private describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return redactUserinfo(message.split(this.url).join(stripUserinfo(this.url))).trim();
  }
}
