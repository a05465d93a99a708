import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { logGitCalls } from '../../../test/support/git-call-log';
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

  it('tells whether a commit is in the history of another: its own, an ancestor, one a force-push dropped, an unknown one', async () => {
    const mirror = new GitMirror(repo.url, join(cacheRoot, 'ancestry'));
    const base = await repo.head();
    const child = await repo.commit({ 'fleet/d.yaml': 'd: 1\n' });
    expect(await mirror.fetchHead('main')).toBe(child);
    execFileSync('git', ['reset', '--hard', '--quiet', base], { cwd: repo.workPath });
    const rewritten = await repo.commit({ 'fleet/e.yaml': 'e: 1\n' }, 'rewritten');
    expect(await mirror.fetchHead('main')).toBe(rewritten);
    expect(await mirror.isAncestor(base, rewritten)).toBe(true);
    expect(await mirror.isAncestor(rewritten, rewritten)).toBe(true);
    expect(await mirror.isAncestor(rewritten, base)).toBe(false);
    // Still in the mirror, no longer in the branch's history.
    expect(await mirror.isAncestor(child, rewritten)).toBe(false);
    expect(await mirror.isAncestor('f'.repeat(40), rewritten)).toBe(false);
    expect(await mirror.isAncestor(base, 'f'.repeat(40))).toBe(false);
    // An object that is no commit (the commit's tree) is in no history.
    const tree = execFileSync('git', ['rev-parse', `${rewritten}^{tree}`], { cwd: repo.workPath, encoding: 'utf8' }).trim();
    expect(await mirror.isAncestor(tree, rewritten)).toBe(false);
    expect(await mirror.isAncestor('--all', rewritten)).toBe(false);
  });

  it('asks git once for what a path names at a commit, whoever asks (paths there and not)', async () => {
    const head = await repo.commit({ 'apps/a/x.yaml': 'x: 1\n', 'apps/b/y.yaml': 'y: 1\n' });
    const git = await logGitCalls(join(cacheRoot, 'log-ids'), ['cat-file']);
    try {
      const mirror = new GitMirror(repo.url, join(cacheRoot, 'ids'));
      expect(await mirror.fetchHead('main')).toBe(head);
      const types = await mirror.pathTypes(head, ['apps/a', 'apps/b/y.yaml', 'apps/none']);
      expect(Object.fromEntries(types)).toEqual({ 'apps/a': 'tree', 'apps/b/y.yaml': 'blob' });
      expect(await git.calls()).toEqual(['cat-file']);

      // The packer's question about the same paths: answered without git, the missing one left out.
      const ids = await mirror.objectIds(head, ['apps/a', 'apps/none']);
      expect([...ids.keys()]).toEqual(['apps/a']);
      expect(ids.get('apps/a')?.type).toBe('tree');
      expect(await git.calls()).toEqual(['cat-file']);

      // Only the path not asked before goes to git; a branch name is asked each time.
      expect([...(await mirror.objectIds(head, ['apps/a', 'apps/b'])).keys()]).toEqual(['apps/a', 'apps/b']);
      expect(await git.calls()).toEqual(['cat-file', 'cat-file']);
      expect([...(await mirror.objectIds('main', ['apps/a'])).keys()]).toEqual(['apps/a']);
      expect([...(await mirror.objectIds('main', ['apps/a'])).keys()]).toEqual(['apps/a']);
      expect(await git.calls()).toEqual(['cat-file', 'cat-file', 'cat-file', 'cat-file']);
    } finally {
      git.restore();
    }
  });

  it('asks the remote for the head only when no push webhook said the branch moved', async () => {
    const git = await logGitCalls(join(cacheRoot, 'log'), ['ls-remote', 'fetch']);
    try {
      const mirror = new GitMirror(repo.url, join(cacheRoot, 'pushed'));
      await mirror.fetchHead('main');
      const newer = await repo.commit({ 'fleet/c.yaml': 'c: 1\n' });
      expect(await mirror.fetchHead('main', { moved: true })).toBe(newer);
      expect(await mirror.fetchHead('main')).toBe(newer);
      expect(await git.calls()).toEqual(['fetch', 'fetch', 'ls-remote']);
    } finally {
      git.restore();
    }
  });
});
