/** What the benchmarks share for the processes they fork: messages awaited, CPU profiles asked for. */
import type { ChildProcess } from 'node:child_process';

/** The next message of `type` from a child (rejects on an `error` message or after `timeoutMs`). */
export function waitFor<T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from the child process within ${timeoutMs} ms`)), timeoutMs);
    const listener = (message: { type: string } & T & { at: number }): void => {
      if (message.type === 'error') reject(new Error(String((message as { message?: string }).message)));
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}

/** BENCH_CPU_PROFILE=<dir>: every process of the run writes a V8 CPU profile there (for chrome://inspect or scripts). */
export function profileArgs(name: string): string[] {
  const dir = cpuProfileDir();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
}

/** Where BENCH_CPU_PROFILE asks CPU profiles to go, or undefined when it does not. */
export function cpuProfileDir(): string | undefined {
  return process.env['BENCH_CPU_PROFILE'] || undefined;
}
