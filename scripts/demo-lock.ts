import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One demo per DEMO_DIR: a lock file holding the running demo's pid (checked for liveness, so a
 * demo that crashed leaves no lock behind that matters) and where to find it. A second demo
 * refuses to start, with one line naming the first, before it builds, deletes or binds anything.
 */

export interface DemoLockInfo {
  pid: number;
  dir: string;
  startedAt: string;
  /** The dashboard's address once the hub listens. */
  httpUrl?: string;
}

export interface DemoLock {
  /** Records what the running demo serves. */
  update(info: Partial<DemoLockInfo>): void;
  release(): void;
}

export class DemoAlreadyRunning extends Error {
  constructor(readonly running: DemoLockInfo) {
    super(describeRunningDemo(running));
    this.name = 'DemoAlreadyRunning';
  }
}

export function lockPath(dir: string): string {
  return join(dir, 'demo.lock');
}

/** The demo holding `dir`'s lock while its process lives; undefined when none does. */
export function runningDemo(dir: string): DemoLockInfo | undefined {
  let info: DemoLockInfo;
  try {
    info = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as DemoLockInfo;
  } catch {
    return undefined;
  }
  return Number.isInteger(info.pid) && isAlive(info.pid) ? info : undefined;
}

export function describeRunningDemo(info: DemoLockInfo): string {
  const where = info.httpUrl === undefined ? '' : `, dashboard ${info.httpUrl}`;
  return `a demo is already running in ${info.dir} (pid ${info.pid}, since ${info.startedAt}${where}); stop it first (Ctrl-C in its terminal, or kill ${info.pid}), or give this one another DEMO_DIR, HTTP_PORT and GRPC_PORT`;
}

/** Takes `dir`'s lock for this process, or throws DemoAlreadyRunning. A lock of a process that is gone is taken over. */
export function acquireDemoLock(dir: string, now = new Date()): DemoLock {
  mkdirSync(dir, { recursive: true });
  const path = lockPath(dir);
  let info: DemoLockInfo = { pid: process.pid, dir, startedAt: now.toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, JSON.stringify(info));
      closeSync(fd);
      return {
        update(more) {
          info = { ...info, ...more };
          writeFileSync(path, JSON.stringify(info));
        },
        release() {
          if (runningDemo(dir)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const running = runningDemo(dir);
      if (running !== undefined) throw new DemoAlreadyRunning(running);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the demo lock ${path}: another demo is starting at the same moment`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it lives, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
