import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDemoLock, DemoAlreadyRunning, lockPath, runningDemo } from './demo-lock';

describe('the demo lock: one demo per DEMO_DIR', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitfleet-demo-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second demo while the first lives, in one line naming it', () => {
    const lock = acquireDemoLock(dir, new Date('2026-01-02T03:04:05.000Z'));
    lock.update({ httpUrl: 'http://127.0.0.1:8080' });
    expect(() => acquireDemoLock(dir)).toThrow(DemoAlreadyRunning);
    expect(() => acquireDemoLock(dir)).toThrow(
      `a demo is already running in ${dir} (pid ${process.pid}, since 2026-01-02T03:04:05.000Z, dashboard http://127.0.0.1:8080); ` +
        `stop it first (Ctrl-C in its terminal, or kill ${process.pid}), or give this one another DEMO_DIR, HTTP_PORT and GRPC_PORT`,
    );
    lock.release();
    expect(runningDemo(dir)).toBeUndefined();
    acquireDemoLock(dir).release();
  });

  it('takes over the lock of a demo whose process is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    await writeFile(lockPath(dir), JSON.stringify({ pid, dir, startedAt: '2026-01-01T00:00:00.000Z' }));
    expect(runningDemo(dir)).toBeUndefined();
    const lock = acquireDemoLock(dir);
    expect(JSON.parse(await readFile(lockPath(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });
});
