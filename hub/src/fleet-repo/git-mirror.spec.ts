import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { GitMirror } from './git-mirror';

describe('GitMirror: git hardened as everywhere else', () => {
  let repo: BareRepo;
  let cacheRoot: string;

  beforeAll(async () => {
    repo = await BareRepo.create();
    await repo.commit({ 'fleet/a.yaml': 'a: 1\n' });
    cacheRoot = await mkdtemp(join(tmpdir(), 'gitfleet-mirror-'));
  });

  afterAll(async () => {
    await repo.remove();
    await rm(cacheRoot, { recursive: true, force: true });
  });

  it('runs no hook planted in the mirror (core.hooksPath=/dev/null) on a fetch that updates refs', async () => {
    const mirror = new GitMirror(repo.url, cacheRoot);
    const first = await mirror.fetchHead('main');
    expect(first).toBe(await repo.head());

    // Whatever could write into the cache (another process, a restored volume) plants a hook that
    // git would run on every ref update of a fetch.
    const [dir] = await readdir(cacheRoot);
    const marker = join(cacheRoot, 'hook-ran');
    await mkdir(join(cacheRoot, dir, 'hooks'), { recursive: true });
    const hook = join(cacheRoot, dir, 'hooks', 'reference-transaction');
    await writeFile(hook, `#!/bin/sh\ntouch '${marker}'\n`);
    await chmod(hook, 0o755);

    const second = await repo.commit({ 'fleet/a.yaml': 'a: 2\n' });
    expect(await new GitMirror(repo.url, cacheRoot).fetchHead('main')).toBe(second);
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('follows the branch on every poll: unchanged, moved on, force-pushed back to an older commit, deleted', async () => {
    const mirror = new GitMirror(repo.url, join(cacheRoot, 'follow'));
    const older = await repo.head();
    expect(await mirror.fetchHead('main')).toBe(older);
    expect(await mirror.fetchHead('main')).toBe(older);
    const newer = await repo.commit({ 'fleet/b.yaml': 'b: 1\n' });
    expect(await mirror.fetchHead('main')).toBe(newer);
    execFileSync('git', ['reset', '--hard', '--quiet', older], { cwd: repo.workPath });
    execFileSync('git', ['push', '--force', '--quiet', 'origin', `HEAD:${repo.branch}`], { cwd: repo.workPath });
    expect(await mirror.fetchHead('main')).toBe(older);
    // A branch that goes away: the poll fails with the branch named, as before any was known.
    execFileSync('git', ['push', '--quiet', 'origin', 'HEAD:refs/heads/side'], { cwd: repo.workPath });
    expect(await mirror.fetchHead('side')).toBe(older);
    execFileSync('git', ['push', '--quiet', 'origin', ':refs/heads/side'], { cwd: repo.workPath });
    await expect(mirror.fetchHead('side')).rejects.toThrow(/git fetch of .* \(branch side\) failed/);
  });

  it('asks the remote for the head only when no push webhook said the branch moved', async () => {
    // Real git behind a script on PATH that notes which of the two it was asked to run.
    const calls = join(cacheRoot, 'git-calls');
    const shim = join(cacheRoot, 'shim');
    await mkdir(shim, { recursive: true });
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await writeFile(
      join(shim, 'git'),
      `#!/bin/sh\nfor a; do case "$a" in ls-remote|fetch) echo "$a" >> '${calls}';; esac; done\nexec '${realGit}' "$@"\n`,
    );
    await chmod(join(shim, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${shim}:${path ?? ''}`;
    try {
      const mirror = new GitMirror(repo.url, join(cacheRoot, 'pushed'));
      await mirror.fetchHead('main');
      const newer = await repo.commit({ 'fleet/c.yaml': 'c: 1\n' });
      expect(await mirror.fetchHead('main', { moved: true })).toBe(newer);
      expect(await mirror.fetchHead('main')).toBe(newer);
      expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['fetch', 'fetch', 'ls-remote']);
    } finally {
      process.env.PATH = path;
    }
  });
});
