import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadFromSources } from '#core';
import { SourceError, type SourceLimits } from './limits';
import { ManifestError, type Manifest } from './manifest-reader';
import type { SubstitutionValues } from './substitution';

/** What a worker is asked to read: the manifest files under a path, or a renderer's output. */
export type ReadRequest = { limits: SourceLimits; values?: SubstitutionValues } & (
  { kind: 'files'; checkoutRoot: string; sourcePath: string } | { kind: 'text'; text: string; name: string }
);

export type ReadJob = ReadRequest & { id: number };

export type ReadAnswer =
  | { id: number; manifests: Manifest[] }
  | { id: number; error: { kind: 'manifest' | 'source' | 'other'; message: string; problems?: string[] } };

/** The least heap a worker run from TypeScript sources gets (tests only; see startWorker). */
const SOURCES_HEAP_FLOOR_MB = 96;

/**
 * A new worker, once it has loaded (it says `ready`): a target's budget is for reading, not
 * for starting a thread (or compiling sources, in tests).
 */
function startWorker(limits: SourceLimits): Promise<Worker> {
  const compiled = join(__dirname, 'manifest-worker.js');
  const built = existsSync(compiled);
  // Run from its TypeScript sources (tests), the worker first compiles them, which takes some
  // 40 MiB of heap of its own: a smaller budget would fail the start, not the read.
  const heapMb = built ? limits.maxParseHeapMb : Math.max(limits.maxParseHeapMb, SOURCES_HEAP_FLOOR_MB);
  const resourceLimits = { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 16 };
  const worker = built
    ? new Worker(compiled, { resourceLimits })
    : // Run from its TypeScript sources (tests), the worker compiles them as it loads them.
      new Worker(loadFromSources(join(__dirname, 'manifest-worker.ts')), {
        eval: true,
        execArgv: ['--conditions=source'],
        resourceLimits,
      });
  return new Promise((resolve, reject) => {
    const failed = (error: Error | number): void => {
      worker.off('message', ready);
      reject(new Error(`the manifest reader could not start: ${typeof error === 'number' ? `exit code ${error}` : error.message}`));
    };
    const ready = (message: unknown): void => {
      if ((message as { ready?: boolean }).ready !== true) return;
      worker.off('message', ready).off('error', failed).off('exit', failed);
      resolve(worker);
    };
    worker.on('message', ready).once('error', failed).once('exit', failed);
  });
}

/**
 * Reads at once, across all targets: each may take its heap budget, and the agent's memory is
 * small (the chart gives it 256 MiB). Further reads wait their turn; their budget starts when
 * they get a worker.
 */
const MAX_READERS = 2;
/** Idle workers kept for the next read (reading is rare; a worker costs some MiB while it waits). */
const MAX_IDLE = 2;
const idle: { worker: Worker; heapMb: number }[] = [];
const waiting: (() => void)[] = [];
let reading = 0;
let nextId = 1;

/** Runs `read` once fewer than MAX_READERS reads are running. */
async function inTurn<T>(read: () => Promise<T>): Promise<T> {
  if (reading >= MAX_READERS) await new Promise<void>((resolve) => waiting.push(resolve));
  reading += 1;
  try {
    return await read();
  } finally {
    reading -= 1;
    waiting.shift()?.();
  }
}

/**
 * Reads a target's manifests in a worker thread, within the target's budget: more than
 * `limits.maxParseMs` of reading, or a heap over `limits.maxParseHeapMb`, stops the worker
 * and refuses the target with a SourceError naming `where` and the budget. The agent's event
 * loop (heartbeats, other targets) goes on meanwhile. At most MAX_READERS reads run at once.
 */
export function readIsolated(job: ReadRequest, where: string): Promise<Manifest[]> {
  return inTurn(() => readInWorker(job, where));
}

async function readInWorker(job: ReadRequest, where: string): Promise<Manifest[]> {
  const id = nextId++;
  const kept = idle.findIndex((w) => w.heapMb === job.limits.maxParseHeapMb);
  const worker = kept >= 0 ? idle.splice(kept, 1)[0].worker : await startWorker(job.limits);
  worker.ref();
  return new Promise<Manifest[]>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void, keep: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep && idle.length < MAX_IDLE) {
        worker.unref();
        idle.push({ worker, heapMb: job.limits.maxParseHeapMb });
      } else {
        void worker.terminate();
      }
      outcome();
    };
    const timer = setTimeout(() => {
      const seconds = job.limits.maxParseMs / 1000;
      finish(() => reject(new SourceError(`${where}: reading the manifests took longer than the budget of ${seconds} s`)), false);
    }, job.limits.maxParseMs);
    const onMessage = (answer: ReadAnswer): void => {
      if (answer.id !== id) return;
      if ('manifests' in answer) finish(() => resolve(answer.manifests), true);
      else finish(() => reject(rebuild(answer.error)), true);
    };
    // Over a budget is the content's doing: a SourceError, not retried at this key. A reader
    // that failed otherwise (it could not start, it stopped) is the agent's: retried with backoff.
    const onError = (error: Error & { code?: string }): void => {
      const refusal = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(
        () =>
          reject(
            refusal
              ? new SourceError(`${where}: reading the manifests needed more than the budget of ${job.limits.maxParseHeapMb} MiB`)
              : new Error(`${where}: the manifest reader failed: ${error.message}`),
          ),
        false,
      );
    };
    const onExit = (code: number): void => {
      finish(() => reject(new Error(`${where}: the manifest reader stopped (exit code ${code})`)), false);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ ...job, id });
  });
}

function rebuild(error: { kind: 'manifest' | 'source' | 'other'; message: string; problems?: string[] }): Error {
  if (error.kind === 'manifest') return new ManifestError(error.problems ?? [error.message]);
  if (error.kind === 'source') return new SourceError(error.message);
  return new Error(error.message);
}
