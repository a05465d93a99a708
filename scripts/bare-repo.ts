import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'gitfleet-test',
  GIT_AUTHOR_EMAIL: 'test@gitfleet.invalid',
  GIT_COMMITTER_NAME: 'gitfleet-test',
  GIT_COMMITTER_EMAIL: 'test@gitfleet.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * A real bare repository on disk plus a work tree that pushes to it: the demo's fleet
 * repository, and the repositories of tests and benchmarks (test/support/git.ts). `url` is what
 * hub and agents clone from (file://).
 */
export class BareRepo {
  private constructor(
    readonly root: string,
    readonly barePath: string,
    readonly workPath: string,
    readonly branch: string,
  ) {}

  static async create(options: { branch?: string; root?: string } = {}): Promise<BareRepo> {
    const branch = options.branch ?? 'main';
    const root = options.root ?? (await mkdtemp(join(tmpdir(), 'gitfleet-repo-')));
    const barePath = join(root, 'repo.git');
    const workPath = join(root, 'work');
    await mkdir(barePath, { recursive: true });
    await git(barePath, 'init', '--bare', `--initial-branch=${branch}`);
    await mkdir(workPath, { recursive: true });
    await git(workPath, 'init', `--initial-branch=${branch}`);
    await git(workPath, 'remote', 'add', 'origin', barePath);
    return new BareRepo(root, barePath, workPath, branch);
  }

  /** Re-opens a repository made earlier by create() in `root`. */
  static async open(root: string, branch = 'main'): Promise<BareRepo> {
    const barePath = join(root, 'repo.git');
    const workPath = join(root, 'work');
    await git(barePath, 'rev-parse', '--git-dir');
    await git(workPath, 'rev-parse', '--git-dir');
    return new BareRepo(root, barePath, workPath, branch);
  }

  get url(): string {
    return `file://${this.barePath}`;
  }

  /** Writes files (path → content; null deletes), commits them and pushes. Returns the commit SHA. */
  async commit(files: Record<string, string | null>, message = 'change'): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.workPath, path);
      if (content === null) {
        await rm(full, { force: true, recursive: true });
      } else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    await git(this.workPath, 'add', '-A');
    await git(this.workPath, 'commit', '--allow-empty', '-m', message);
    await git(this.workPath, 'push', '--force', 'origin', `HEAD:${this.branch}`);
    return this.head();
  }

  async head(): Promise<string> {
    return git(this.workPath, 'rev-parse', 'HEAD');
  }

  /** Runs any git command in the work tree (for history rewrites, symlinks and the like). */
  async git(...args: string[]): Promise<string> {
    return git(this.workPath, ...args);
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
