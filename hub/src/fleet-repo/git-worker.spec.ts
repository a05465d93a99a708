import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitStreamError } from '#core';
import { BareRepo } from '../../../test/support/git';
import { GitMirror, RepositoryLimitError } from './git-mirror';
import { GitWorker, WorkerMirror } from './git-worker-client';

/** What `promise` fails with (the test fails if it does not). */
function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error as Error,
  );
}

/** The parent process id of a running or finished process, from /proc (Linux). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe("the git worker: the hub's git processes start in a small process of its own", () => {
  let repo: BareRepo;
  let dir: string;
  let path: string | undefined;
  let parents: string;

  beforeAll(async () => {
    repo = await BareRepo.create();
    await repo.commit({ 'fleet/a.yaml': 'a: 1\n', 'fleet/b.yaml': 'b: 2\n', 'src/deep/c.txt': 'ç\u0000\n' });
    dir = await mkdtemp(join(tmpdir(), 'gitfleet-git-worker-'));
    // Real git behind a script that notes which process started it.
    parents = join(dir, 'parents');
    const shim = join(dir, 'shim');
    await mkdir(shim);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await writeFile(join(shim, 'git'), `#!/bin/sh\necho "$PPID" >> '${parents}'\nexec '${realGit}' "$@"\n`);
    await chmod(join(shim, 'git'), 0o755);
    path = process.env.PATH;
    process.env.PATH = `${shim}:${path ?? ''}`;
  });

  afterAll(async () => {
    process.env.PATH = path;
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers as a mirror in this process does, and git is never a child of this process', async () => {
    const worker = new GitWorker();
    try {
      const remote = new WorkerMirror(worker, repo.url, join(dir, 'remote'));
      const local = new GitMirror(repo.url, join(dir, 'local'));
      const head = await remote.fetchHead('main');
      expect(head).toBe(await local.fetchHead('main'));
      expect(await remote.resolveRef(head)).toBe(head);
      const limits = { maxEntries: 100, maxBytes: 10_000 };
      const files = await remote.listFiles(head, [''], limits);
      expect(files).toEqual(await local.listFiles(head, [''], limits));
      expect(await remote.listTree(head, 'src', 100)).toEqual(await local.listTree(head, 'src', 100));
      expect(await remote.pathTypes(head, ['fleet', 'fleet/a.yaml', 'nowhere'])).toEqual(
        new Map([
          ['fleet', 'tree'],
          ['fleet/a.yaml', 'blob'],
        ]),
      );
      const blobs = await remote.readBlobs(
        files.map((f) => f.oid),
        10_000,
      );
      // Buffers again, not the plain byte arrays the channel carries, with every byte kept.
      const c = blobs.get(files.find((f) => f.path === 'src/deep/c.txt')!.oid)!;
      expect(Buffer.isBuffer(c)).toBe(true);
      expect(c.toString('utf8')).toBe('ç\u0000\n');
      expect(blobs).toEqual(
        await local.readBlobs(
          files.map((f) => f.oid),
          10_000,
        ),
      );

      const starters = new Set((await readFile(parents, 'utf8')).trim().split('\n').map(Number));
      // The local mirror's git processes are this process's children; the remote's are the worker's.
      expect(starters).toEqual(new Set([process.pid, worker.pid]));
      expect(worker.pid).not.toBe(process.pid);
      expect(await parentOf(worker.pid!)).toBe(process.pid);
    } finally {
      await worker.close();
    }
  });

  it('keeps the errors callers tell apart: a passed limit, a failed git (with no credentials in it)', async () => {
    const worker = new GitWorker();
    try {
      const remote = new WorkerMirror(worker, repo.url, join(dir, 'errors'));
      const head = await remote.fetchHead('main');
      const limit = remote.listFiles(head, [''], { maxEntries: 1, maxBytes: 10_000 });
      await expect(limit).rejects.toBeInstanceOf(RepositoryLimitError);
      await expect(limit).rejects.toThrow('more than 1 files');
      // A missing object: the same error as in this process.
      const missing = ['0'.repeat(40)];
      const local = new GitMirror(repo.url, join(dir, 'errors-local'));
      await local.fetchHead('main');
      const here = await failure(local.readBlobs(missing, 10));
      const there = await failure(remote.readBlobs(missing, 10));
      expect(here).toBeInstanceOf(Error);
      expect([there.name, there.message]).toEqual([here.name, here.message]);

      const secret = new WorkerMirror(worker, 'http://user:s3cret-token@127.0.0.1:9/repo.git', join(dir, 'errors'));
      const failed = await failure(secret.fetchHead('main'));
      expect(failed).toBeInstanceOf(Error);
      expect(failed.message).toMatch(/git fetch of http:\/\/127\.0\.0\.1:9\/repo\.git \(branch main\) failed/);
      expect(failed.message).not.toContain('s3cret-token');
      expect(secret.url).toBe('http://127.0.0.1:9/repo.git');
    } finally {
      await worker.close();
    }
  });

  it('fails the calls in flight when the worker dies, says so, and starts it again for the next call', async () => {
    const exits: string[] = [];
    const worker = new GitWorker((detail) => exits.push(detail));
    try {
      const remote = new WorkerMirror(worker, repo.url, join(dir, 'crash'));
      const head = await remote.fetchHead('main');
      const first = worker.pid!;
      // A call in flight when the worker is killed: a slow git (a remote that never answers)
      // holds it there. The call fails as a failed git does, not with a hang.
      const silent = await import('node:net').then(({ createServer }) => createServer(() => undefined));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      const stuck = new WorkerMirror(worker, `http://127.0.0.1:${port}/repo.git`, join(dir, 'crash')).fetchHead('main');
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.kill(first, 'SIGKILL');
      await expect(stuck).rejects.toThrow(/the git worker exited \(exit code null, signal SIGKILL\) before it answered/);
      await expect(stuck).rejects.toBeInstanceOf(GitStreamError);
      expect(exits).toEqual(['exit code null, signal SIGKILL']);
      silent.close();

      expect((await remote.listTree(head, 'fleet', 10)).map((e) => e.path)).toEqual(['fleet', 'fleet/a.yaml', 'fleet/b.yaml']);
      expect(worker.pid).not.toBe(first);
    } finally {
      await worker.close();
    }
    // Closed on purpose: not reported, and no worker left running.
    expect(exits).toHaveLength(1);
    expect(worker.pid).toBeUndefined();
  });

  it('stops the worker on close; a call after that fails', async () => {
    const worker = new GitWorker();
    const remote = new WorkerMirror(worker, repo.url, join(dir, 'close'));
    await remote.fetchHead('main');
    const pid = worker.pid!;
    await worker.close();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(remote.fetchHead('main')).rejects.toThrow(/after the git worker stopped/);
  });
});
