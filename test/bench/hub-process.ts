/**
 * The hub as the benchmarks measure it: the built hub (dist/hub/src/main.js) in a process of
 * its own, configured by environment variables as in production, with its CPU time and RSS
 * read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { processCpuMs, processRss, processSyscalls, withChildren, type Syscalls } from './proc-stats';

export interface HubProcess {
  grpcAddress: string;
  httpUrl: string;
  child: ChildProcess;
  /** Lines the hub logged (JSON), for counting events such as "artifact packed". */
  logLines: string[];
  /** CPU time (user + system) the hub and its git worker have used so far, ms. */
  cpuMs(): Promise<number>;
  /** Resident set size of the hub and its git worker now, bytes. */
  rss(): Promise<number>;
  /** Read and write system calls the hub has made so far (/proc/<pid>/io: socket, pipe and file I/O). */
  syscalls(): Promise<Syscalls>;
  stop(): Promise<void>;
}

/**
 * The Node flags the hub chart starts the hub with (its value runtime.nodeFlags), so that a
 * benchmark measures the hub as it ships; flags given to startHubProcess come after them, and
 * V8 takes the last of a repeated one (--max-semi-space-size=16 measures V8's default again).
 */
export function shippedNodeArgs(): string[] {
  // From sources (test/bench) or built (dist/test/bench).
  const chart = [join(__dirname, '../../charts'), join(__dirname, '../../../charts')].find((dir) => existsSync(join(dir, 'gitfleet-hub')));
  if (chart === undefined) throw new Error(`the hub chart is not beside ${__dirname}`);
  const values = parse(readFileSync(join(chart, 'gitfleet-hub/values.yaml'), 'utf8')) as { runtime?: { nodeFlags?: string[] } };
  return values.runtime?.nodeFlags ?? [];
}

/** The variables of the heap-sampling.ts preload, for a hub started with it (BENCH_HUB_NODE_ARGS="--require …"). */
function heapSamplingEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('HEAP_SAMPLING_') && e[1] !== undefined),
  );
}

export async function startHubProcess(env: Record<string, string>, execArgv: string[] = []): Promise<HubProcess> {
  const child = spawn(process.execPath, [...shippedNodeArgs(), ...execArgv, join(__dirname, '../../hub/src/main.js')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HTTP_PORT: '0', GRPC_PORT: '0', ...heapSamplingEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines: string[] = [];
  // BENCH_HUB_LOG=<file>: everything the hub prints (its log, --trace-gc, …) also goes there.
  const logFile = process.env.BENCH_HUB_LOG ? createWriteStream(process.env.BENCH_HUB_LOG, { flags: 'a' }) : undefined;
  if (logFile !== undefined) {
    child.stdout.pipe(logFile, { end: false });
    child.stderr.pipe(logFile, { end: false });
    child.once('exit', () => logFile.end());
  }
  let buffered = '';
  const started = new Promise<{ httpUrl: string; grpcAddress: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start within 60 s:\n${logLines.slice(-20).join('\n')}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (logLines.length < 200_000) logLines.push(line);
        const match = /gitfleet hub: HTTP (\S+)\s+gRPC (\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve({ httpUrl: match[1], grpcAddress: match[2] });
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the hub exited with ${code}:\n${logLines.slice(-20).join('\n')}`));
    });
  });
  const { httpUrl, grpcAddress } = await started;
  return {
    grpcAddress,
    httpUrl,
    child,
    logLines,
    // The hub's git worker (hub/src/fleet-repo/git-worker-client.ts) is part of the hub.
    cpuMs: () => withChildren(child.pid!, processCpuMs),
    rss: () => withChildren(child.pid!, processRss),
    syscalls: () => processSyscalls(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

/** Several hubs (replicas) measured as one: their CPU time, RSS and system calls summed. */
export function replicasTogether(hubs: HubProcess[]): Pick<HubProcess, 'cpuMs' | 'rss' | 'syscalls'> {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    cpuMs: async () => sum(await Promise.all(hubs.map((h) => h.cpuMs()))),
    rss: async () => sum(await Promise.all(hubs.map((h) => h.rss()))),
    syscalls: async () => {
      const all = await Promise.all(hubs.map((h) => h.syscalls()));
      return { reads: sum(all.map((c) => c.reads)), writes: sum(all.map((c) => c.writes)) };
    },
  };
}
