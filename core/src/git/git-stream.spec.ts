import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnvironment, GitStreamError, runGit, streamGit } from './git-stream';

describe('the one git runner', () => {
  let root: string;
  let gitDir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gitfleet-git-'));
    gitDir = join(root, 'repo.git');
    await runGit(['init', '--bare', '--quiet', gitDir], { gitDir: root, env: gitEnvironment() });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('passes git only the allow-listed environment, never secrets of the process', () => {
    const env = gitEnvironment({ PATH: '/bin', HOME: '/h', KUBERNETES_TOKEN: 'secret', GIT_SSH_COMMAND: 'evil' });
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' });
  });

  it('runs with the safe settings first and the caller’s after, in a work tree when asked', async () => {
    const config = await runGit(['config', '--get', 'core.hooksPath'], { gitDir, env: gitEnvironment() });
    expect(config.trim()).toBe('/dev/null');
    const forced = await runGit(['config', '--get', 'protocol.version'], {
      gitDir,
      env: gitEnvironment(),
      config: { 'protocol.version': '1' },
    });
    expect(forced.trim()).toBe('1');
    const work = join(root, 'work');
    const blob = (await runGit(['hash-object', '-w', '--stdin'], { gitDir, env: gitEnvironment(), input: 'hello\n' })).trim();
    const index = join(root, 'index');
    await runGit(['update-index', '--add', '--cacheinfo', `100644,${blob},greeting.txt`], {
      gitDir,
      env: { ...gitEnvironment(), GIT_INDEX_FILE: index },
    });
    await mkdir(work);
    await runGit(['checkout-index', '--all', '--force'], { gitDir, workTree: work, env: { ...gitEnvironment(), GIT_INDEX_FILE: index } });
    expect(await readFile(join(work, 'greeting.txt'), 'utf8')).toBe('hello\n');
  });

  it('fails with what git said, and without the credentials of a URL', async () => {
    await expect(
      runGit(['fetch', 'https://bot:tok-s3cret@127.0.0.1:1/nowhere.git'], { gitDir, env: gitEnvironment(), timeoutMs: 20_000 }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof GitStreamError && /git fetch failed/.test(error.message) && !error.message.includes('tok-s3cret'),
    );
  });

  it('keeps a short answer short: output past its cap stops git', async () => {
    const big = (
      await runGit(['hash-object', '-w', '--stdin'], { gitDir, env: gitEnvironment(), input: 'x'.repeat(2 * 1024 * 1024) })
    ).trim();
    await expect(runGit(['cat-file', 'blob', big], { gitDir, env: gitEnvironment() })).rejects.toThrow(/answered more than 1048576 bytes/);
    // The same content read as a stream is the caller's to bound.
    let bytes = 0;
    await streamGit(['cat-file', 'blob', big], { gitDir, env: gitEnvironment() }, (chunk) => (bytes += chunk.length));
    expect(bytes).toBe(2 * 1024 * 1024);
  });
});
