import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitProgress } from '../hub/src/api-contract';
import { eventually } from '../test/support/eventually';
import { DemoAlreadyRunning } from './demo-lock';
import { demoSettings, startDemo, type RunningDemo } from './demo';

const run = promisify(execFile);
const quiet = { write: () => undefined, interactive: false };

describe('the demo', () => {
  let dir: string;
  let demo: RunningDemo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitfleet-demo-'));
    demo = await startDemo(
      { ...demoSettings({ DEMO_DIR: dir, DEMO_CLUSTERS: '1', LOG_LEVEL: 'silent' }), httpPort: 0, grpcPort: 0 },
      quiet,
    );
  }, 60_000);

  afterAll(async () => {
    await demo?.stop();
    // Seen once in CI on a loaded machine: ENOTEMPTY on hub/pg/pg_logical while the directory was
    // removed after the demo had stopped. rm retries that (and EBUSY) by itself when asked to.
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('refuses to start a second time on the same DEMO_DIR, naming the running one, and leaves it whole', async () => {
    const second = await startDemo({ ...demoSettings({ DEMO_DIR: dir, LOG_LEVEL: 'silent' }), httpPort: 0, grpcPort: 0 }, quiet).then(
      async (d) => {
        await d.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(second).toBeInstanceOf(DemoAlreadyRunning);
    expect((second as Error).message).toContain(`a demo is already running in ${dir} (pid ${process.pid}`);
    expect((second as Error).message).toContain(`dashboard ${demo.hub.httpUrl}`);
    // Nothing of the first was deleted: its hub still reads its git cache and answers.
    expect((await stat(join(dir, 'hub', 'git'))).isDirectory()).toBe(true);
    expect((await fetch(`${demo.hub.httpUrl}/readyz`)).status).toBe(200);
  });

  it('has a work tree where a plain git commit and git push reach the cluster, as the README says', async () => {
    const work = demo.repo.workPath;
    const config = join(work, 'apps', 'edge-config', 'config.yaml');
    await writeFile(config, `${await readFile(config, 'utf8')}\n# touched by the demo test\n`);
    await run('git', ['commit', '-am', 'touch edge-config'], { cwd: work });
    await run('git', ['push'], { cwd: work });
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: work });
    const commit = head.trim();
    await eventually(
      async () => {
        const res = await fetch(`${demo.hub.httpUrl}/api/v1/commits/${commit}`, {
          headers: { authorization: `Bearer ${demo.adminToken}` },
        });
        expect(((await res.json()) as CommitProgress).state).toBe('reached');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  }, 45_000);

  it('lets the next demo start once this one stopped', async () => {
    await demo.stop();
    demo = await startDemo(
      { ...demoSettings({ DEMO_DIR: dir, DEMO_CLUSTERS: '1', LOG_LEVEL: 'silent' }), httpPort: 0, grpcPort: 0 },
      quiet,
    );
    expect((await fetch(`${demo.hub.httpUrl}/readyz`)).status).toBe(200);
  }, 60_000);
});
