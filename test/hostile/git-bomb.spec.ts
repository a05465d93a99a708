/**
 * Hostile input: a Git bomb — a few hundred bytes of objects that expand to ten million files
 * (a tree of ten entries, each the same tree of ten entries, seven levels deep). The hub used
 * to list whole repositories into one string on every poll (2.4 GB, minutes, sessions dropped);
 * now it lists only what it reads, streamed and bounded, and looks paths up one by one.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../../hub/src/fleet-repo/fleet-repo.service';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../../hub/src/testing/hub-fixture';

type Git = (args: string[], input?: string) => Promise<string>;

/** git in a work tree, with optional standard input; its trimmed output. */
function gitIn(cwd: string): Git {
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd }, (error, stdout) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(stdout.trim()),
      );
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input ?? '');
    });
}

/** Writes a tree of 10^levels files into the repository's object store; its id. */
async function gitBomb(git: Git, levels: number): Promise<string> {
  let id = await git(['hash-object', '-w', '--stdin'], 'kind: ConfigMap\n');
  let entry = (i: number) => `100644 blob ${id}\tf${i}.yaml`;
  for (let level = 0; level < levels; level++) {
    id = await git(['mktree'], `${Array.from({ length: 10 }, (_, i) => entry(i)).join('\n')}\n`);
    const tree = id;
    entry = (i) => `040000 tree ${tree}\td${i}`;
  }
  return id;
}

/** `tree` with `subtree` at `path` (created or replaced), built with ls-tree and mktree. */
async function withSubtree(git: Git, tree: string | undefined, path: string[], subtree: string): Promise<string> {
  const [name, ...rest] = path as [string, ...string[]];
  const listing = tree === undefined ? [] : (await git(['ls-tree', tree])).split('\n').filter((line) => line !== '');
  const existing = listing.find((line) => line.endsWith(`\t${name}`))?.split(/\s+/)[2];
  const child = rest.length === 0 ? subtree : await withSubtree(git, existing, rest, subtree);
  const entries = [...listing.filter((line) => !line.endsWith(`\t${name}`)), `040000 tree ${child}\t${name}`];
  return git(['mktree'], `${entries.join('\n')}\n`);
}

describe('a Git bomb in a fleet repository', { timeout: 120_000 }, () => {
  let t: TestHub;
  let git: Git;
  let bomb: string;

  const fleetState = async () =>
    (await t.get<{ commit: string; error: { commit: string; errors: { file: string | null; message: string }[] } | null }>('/api/v1/fleet'))
      .body;

  /**
   * A commit that adds the bomb at `prefix` on top of `files`, made with plumbing (mktree,
   * commit-tree): an index of ten million entries would cost the test what the hub must not
   * spend. The work tree stays at the commit before it, so its next commit (force-pushed)
   * replaces the bomb instead of deleting ten million files.
   */
  const commitWithBomb = async (prefix: string, files: Record<string, string> = {}) => {
    const base = await t.repo.commit(files, `before the bomb at ${prefix}`);
    const root = await withSubtree(git, `${base}^{tree}`, prefix.split('/'), bomb);
    const commit = await git(['commit-tree', root, '-p', base, '-m', `bomb at ${prefix}`]);
    await git(['push', '-q', '--force', 'origin', `${commit}:refs/heads/main`]);
    await t.app.get(FleetRepoService).syncNow();
    return commit;
  };

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    git = gitIn(t.repo.workPath);
    bomb = await gitBomb(git, 7);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('is never listed when it lies outside the fleet directory and every bundle: the commit is accepted, memory stays put', async () => {
    const rssBefore = process.memoryUsage().rss;
    const commit = await commitWithBomb('unrelated/bomb', { 'apps/web/cm.yaml': CONFIGMAP('web').replace('"1"', '"2"') });
    const state = await fleetState();
    expect(state.commit).toBe(commit);
    expect(state.error).toBeNull();
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(`git bomb outside the fleet: accepted; hub process RSS grew ${growthMb.toFixed(0)} MB`);
    expect(growthMb).toBeLessThan(200);
  });

  it('is refused after the limit, not read whole, when it lies in the fleet directory; the last good commit stays', async () => {
    const good = (await fleetState()).commit;
    const commit = await commitWithBomb('fleet/bomb');
    const state = await fleetState();
    expect(state.commit).toBe(good);
    expect(state.error?.commit).toBe(commit);
    expect(state.error?.errors).toEqual([
      { file: 'fleet', line: null, field: null, message: 'refused: more than 10000 entries under "fleet"' },
    ]);
  });

  it('fails the bundle whose source it is, naming the bundle, the limit and the field', async () => {
    const commit = await commitWithBomb('apps/bomb', { 'fleet/bomb.yaml': BUNDLE('bomb') });
    const state = await fleetState();
    expect(state.error?.commit).toBe(commit);
    expect(state.error?.errors).toEqual([
      expect.objectContaining({
        file: 'fleet/bomb.yaml',
        field: 'spec.source.path',
        message: expect.stringMatching(/source "apps\/bomb" at [0-9a-f]{12}: more than 20000 files/),
      }),
    ]);
  });
});
