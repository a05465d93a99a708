import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitStreamError, loadFromSources } from '#core';
import { separateCredentials, type GitAuth } from './git-auth';
import { RepositoryLimitError, type GitMirror, type MirrorMethod, type RepositoryMirror } from './git-mirror';

/** A call to the git worker: a method of the mirror of `mirror.url`, with its arguments. */
export interface WorkerCall {
  id: number;
  mirror: { url: string; cacheRoot: string; auth: GitAuth };
  method: MirrorMethod;
  args: unknown[];
}

/** The worker's answer to call `id`: the method's result, or the name and message of what it threw. */
export type WorkerAnswer = { id: number; value: unknown } | { id: number; error: { name: string; message: string } };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The hub's git processes are started by a small process of its own, the git worker
 * (git-worker.ts), never by the hub. Starting a process forks the one that starts it, and a
 * large process pays twice: its page tables are copied while its event loop waits, and every page
 * of its memory stays copy-on-write until written again, each first write a page fault. On a
 * 2-core VM (`npm run bench -- fork-cost`): spawn() held a 575 MB process 39.5 ms, and writing a
 * byte per page of 500 MB took 1.7 s right after one spawn, 2.5 ms without. A hub holding 10,000
 * agents uses about 500 MB and runs 8 git processes per fleet commit (one or two per poll of each
 * repository); started from the hub, they doubled its CPU per commit (docs/scaling.md, "Git
 * processes").
 *
 * The worker is started at the first call (at boot, when the hub is small) and again after it
 * exits; calls in flight when it exits fail with a GitStreamError, as a failed git does.
 */
export class GitWorker {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** `exited` hears of every exit the hub did not ask for, with the exit code or signal. */
  constructor(private readonly exited: (detail: string) => void = () => undefined) {}

  /** The worker's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async call(mirror: WorkerCall['mirror'], method: MirrorMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) throw new GitStreamError(`git ${method} was asked for after the git worker stopped`);
    const child = await this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An idle worker does not keep the hub's process alive; one with calls in flight does.
      if (this.pending.size === 1) child.channel?.ref();
      child.send({ id, mirror, method, args } satisfies WorkerCall, (error) => {
        if (error)
          this.settle({ id, error: { name: 'GitStreamError', message: `the git worker did not take git ${method}: ${error.message}` } });
      });
    });
  }

  /** Stops the worker; calls after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child ?? (await this.starting?.catch(() => undefined));
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The worker exits when its channel closes; one that does not is killed.
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private started(): Promise<ChildProcess> {
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private start(): Promise<ChildProcess> {
    const compiled = join(__dirname, 'git-worker.js');
    const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
    // Built, the worker is the compiled file, without the hub's node options (a profiler, an
    // inspector, a heap size for 10,000 agents); run from sources (tests), it compiles them.
    const child = existsSync(compiled)
      ? fork(compiled, [], { stdio: [...stdio], serialization: 'advanced', execArgv: [] })
      : spawn(process.execPath, ['--conditions=source', '-e', loadFromSources(join(__dirname, 'git-worker.ts'))], {
          stdio: [...stdio],
          serialization: 'advanced',
        });
    child.unref();
    return new Promise((resolve, reject) => {
      const failed = (error: Error | number | null, signal?: NodeJS.Signals | null): void => {
        child.off('message', ready);
        const detail = error instanceof Error ? error.message : `exit code ${error}, signal ${signal ?? 'none'}`;
        reject(new GitStreamError(`the git worker could not start: ${detail}`));
      };
      const ready = (message: unknown): void => {
        if ((message as { ready?: boolean }).ready !== true) return;
        child.off('message', ready).off('error', failed).off('exit', failed);
        child.on('message', (answer: WorkerAnswer) => this.settle(answer));
        child.once('exit', (code, signal) => this.lost(child, `exit code ${code}, signal ${signal ?? 'none'}`));
        child.channel?.unref();
        this.child = child;
        resolve(child);
      };
      child.on('message', ready).once('error', failed).once('exit', failed);
    });
  }

  private settle(answer: WorkerAnswer): void {
    const pending = this.pending.get(answer.id);
    if (pending === undefined) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.child?.channel?.unref();
    if ('error' in answer) pending.reject(revived(answer.error));
    else pending.resolve(answer.value);
  }

  private lost(child: ChildProcess, detail: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.starting = undefined;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(new GitStreamError(`the git worker exited (${detail}) before it answered`));
    if (!this.closed) this.exited(detail);
  }
}

/** The worker's error as the caller would have seen it in-process (the classes callers test for). */
function revived(error: { name: string; message: string }): Error {
  if (error.name === 'RepositoryLimitError') return new RepositoryLimitError(error.message);
  if (error.name === 'GitStreamError') return new GitStreamError(error.message);
  const plain = new Error(error.message);
  plain.name = error.name;
  return plain;
}

type MirrorCall<M extends MirrorMethod> = (...args: Parameters<GitMirror[M]>) => ReturnType<GitMirror[M]>;

/** A mirror kept by the git worker: the same questions and answers as a GitMirror in this process. */
export class WorkerMirror implements RepositoryMirror {
  readonly url: string;
  private readonly spec: WorkerCall['mirror'];

  constructor(
    private readonly worker: GitWorker,
    url: string,
    cacheRoot: string,
    auth: GitAuth = {},
  ) {
    this.url = separateCredentials(url, auth).url;
    // Only what git needs crosses to the worker (callers pass a whole repository's settings).
    const { username, password, sshKeyFile, knownHostsFile } = auth;
    this.spec = { url, cacheRoot, auth: { username, password, sshKeyFile, knownHostsFile } };
  }

  readonly fetchHead = this.forward('fetchHead');
  readonly resolveRef = this.forward('resolveRef');
  readonly listTree = this.forward('listTree');
  readonly objectIds = this.forward('objectIds');
  readonly listFiles = this.forward('listFiles');
  readonly pathTypes = this.forward('pathTypes');
  readonly isAncestor = this.forward('isAncestor');
  readonly readBlobs: MirrorCall<'readBlobs'> = async (oids, maxBytes) => {
    const blobs = (await this.forward('readBlobs')(oids, maxBytes)) as Map<string, Uint8Array>;
    // Structured clone hands Buffers over as plain Uint8Arrays; callers read them as Buffers.
    return new Map([...blobs].map(([oid, data]) => [oid, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  };

  private forward<M extends MirrorMethod>(method: M): MirrorCall<M> {
    return ((...args: unknown[]) => this.worker.call(this.spec, method, args)) as unknown as MirrorCall<M>;
  }
}
