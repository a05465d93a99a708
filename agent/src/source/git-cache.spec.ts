import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { fetchManifests } from './fetch-manifests';
import { GitCache } from './git-cache';
import { defaultSourceLimits } from './limits';

const limits = defaultSourceLimits();
const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

let repo: BareRepo;
let cacheDir: string;

beforeEach(async () => {
  repo = await BareRepo.create();
  cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-cache-'));
});
afterEach(async () => {
  await repo.remove();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('GitCache', () => {
  it('fetches an exact older commit after newer ones exist, and its tree matches that commit', async () => {
    const first = await repo.commit({ 'apps/web/cm.yaml': cm('web', 'one'), 'apps/web/old.yaml': cm('old', 'x') });
    await repo.commit({ 'apps/web/cm.yaml': cm('web', 'two'), 'apps/web/old.yaml': null });
    await repo.commit({ 'apps/web/new.yaml': cm('new', 'three') });

    const cache = new GitCache(cacheDir);
    const checkout = await cache.checkout(repo.url, first);
    expect((await readdir(join(checkout.root, 'apps/web'))).sort()).toEqual(['cm.yaml', 'old.yaml']);
    expect(await readFile(join(checkout.root, 'apps/web/cm.yaml'), 'utf8')).toBe(cm('web', 'one'));
    checkout.release();
  });

  it('fetches shallowly: only the wanted commit, not its history', async () => {
    await repo.commit({ 'a.yaml': cm('a', '1') });
    const second = await repo.commit({ 'a.yaml': cm('a', '2') });
    await repo.commit({ 'a.yaml': cm('a', '3') });
    const cache = new GitCache(cacheDir);
    (await cache.checkout(repo.url, second)).release();
    const repos = await readdir(join(cacheDir, 'repos'));
    expect(repos).toHaveLength(1);
    const shallow = await readFile(join(cacheDir, 'repos', repos[0], 'shallow'), 'utf8');
    expect(shallow.trim()).toBe(second);
  });

  it('falls back to a full fetch when the server refuses unadvertised commits', async () => {
    const first = await repo.commit({ 'apps/web/cm.yaml': cm('web', 'one') });
    await repo.commit({ 'apps/web/cm.yaml': cm('web', 'two') });
    // Protocol v0 without allowReachableSHA1InWant refuses a want for a non-tip commit.
    const cache = new GitCache(cacheDir, { gitConfig: { 'protocol.version': '0' } });
    const manifests = await fetchManifests(cache, { repoUrl: repo.url, commit: first, path: 'apps/web' }, limits);
    expect(manifests.map((m) => m.object.data)).toEqual([{ v: 'one' }]);
  });

  it('serves a second target at the same commit from the same checkout', async () => {
    const commit = await repo.commit({ 'a/x.yaml': cm('x', '1'), 'b/y.yaml': cm('y', '1') });
    const cache = new GitCache(cacheDir);
    const [a, b] = await Promise.all([
      fetchManifests(cache, { repoUrl: repo.url, commit, path: 'a' }, limits),
      fetchManifests(cache, { repoUrl: repo.url, commit, path: 'b' }, limits),
    ]);
    expect([a[0].object.metadata.name, b[0].object.metadata.name]).toEqual(['x', 'y']);
    const checkouts = await readdir(join(cacheDir, 'checkouts'));
    expect(await readdir(join(cacheDir, 'checkouts', checkouts[0]))).toEqual([commit]);
  });

  it('refuses a commit that is not a full SHA, without resolving it as a branch', async () => {
    await repo.commit({ 'a.yaml': cm('a', '1') });
    const cache = new GitCache(cacheDir);
    await expect(cache.checkout(repo.url, 'main')).rejects.toThrow('commit "main" is not a full commit SHA');
  });

  it('names a missing commit without the credentials of the URL', async () => {
    await repo.commit({ 'a.yaml': cm('a', '1') });
    const cache = new GitCache(cacheDir);
    const url = `file://alice:hunter2@localhost${repo.barePath}`;
    const error = await cache.checkout(url, 'f'.repeat(40)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('alice');
  });

  it('refuses repository URLs that would run commands', async () => {
    const cache = new GitCache(cacheDir);
    await expect(cache.checkout('ext::sh -c touch% /tmp/pwned', 'f'.repeat(40))).rejects.toThrow(/not valid|not allowed/);
    await expect(cache.checkout('-uhttps://x', 'f'.repeat(40))).rejects.toThrow(/not valid/);
  });

  it('refuses a committed symlink that points outside the checkout', async () => {
    await repo.commit({ 'apps/web/cm.yaml': cm('web', 'one') });
    await symlink('/etc/hostname', join(repo.workPath, 'apps/web/host.yaml'));
    const commit = await repo.commit({}, 'add an escaping symlink');
    const cache = new GitCache(cacheDir);
    await expect(fetchManifests(cache, { repoUrl: repo.url, commit, path: 'apps/web' }, limits)).rejects.toThrow(
      'apps/web/host.yaml: symlink resolves outside the repository',
    );
  });

  it('refuses a commit whose tree is over the checkout limit before writing it', async () => {
    const commit = await repo.commit({ 'big/a.yaml': cm('a', 'x'.repeat(5000)) });
    const cache = new GitCache(cacheDir, { limits: { ...limits, maxCheckoutBytes: 1000 } });
    await expect(cache.checkout(repo.url, commit)).rejects.toThrow(/over the limit of 1000 B/);
    expect(existsSync(join(cacheDir, 'checkouts'))).toBe(false);
  });

  it('refuses a Git bomb of a million files after reading the listing only up to the file limit', async () => {
    const gitIn = (args: string[], input = ''): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = execFile(
          'git',
          ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args],
          { cwd: repo.workPath },
          (error, out) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(out.trim())),
        );
        child.stdin!.on('error', () => undefined); // git may exit before reading its input: its answer says why
        child.stdin!.end(input);
      });
    await repo.commit({ 'a.yaml': cm('a', '1') });
    let entry = `100644 blob ${await gitIn(['hash-object', '-w', '--stdin'], cm('b', '1'))}\tf`;
    for (let level = 0; level < 6; level++) {
      const tree = await gitIn(['mktree'], Array.from({ length: 10 }, (_, i) => `${entry}${i}${level === 0 ? '.yaml' : ''}\n`).join(''));
      entry = `040000 tree ${tree}\td`;
    }
    const commit = await gitIn(['commit-tree', entry.split(/\s/)[2], '-m', 'bomb']);
    await repo.git('push', 'origin', `${commit}:refs/heads/bomb`);

    const cache = new GitCache(cacheDir, { limits: { ...limits, maxCheckoutFiles: 1000 } });
    await expect(cache.checkout(repo.url, commit)).rejects.toThrow(`commit ${commit} has more files than the checkout limit of 1000`);
    expect(existsSync(join(cacheDir, 'checkouts'))).toBe(false);
  });

  it('prunes checkouts that are neither held nor wanted', async () => {
    const first = await repo.commit({ 'a.yaml': cm('a', '1') });
    const second = await repo.commit({ 'a.yaml': cm('a', '2') });
    const cache = new GitCache(cacheDir);
    const held = await cache.checkout(repo.url, first);
    (await cache.checkout(repo.url, second)).release();
    await cache.prune([]);
    expect(existsSync(held.root)).toBe(true);
    held.release();
    await cache.prune([{ repoUrl: repo.url, commit: second }]);
    expect(existsSync(held.root)).toBe(false);
  });
});
