/**
 * The figures a run notes, each with the machine's load when it was taken, and the CPU time and
 * system calls behind the per-agent ones.
 */
import { loadavg } from 'node:os';
import { cpuSplit, machineCpu, type CpuSnapshot, type Syscalls } from '../proc-stats';
import type { Run } from './run-setup';

export function note(run: Run, what: string, seconds: number): void {
  run.figures.push({ what, seconds, load: loadavg()[0] });
}

export function noteValue(run: Run, what: string, value: string): void {
  run.figures.push({ what, value, load: loadavg()[0] });
}

export function noteSyscalls(run: Run, what: string, before: Syscalls, after: Syscalls): void {
  noteValue(
    run,
    what,
    `${((after.reads - before.reads) / run.size).toFixed(1)} / ${((after.writes - before.writes) / run.size).toFixed(1)}`,
  );
}

/**
 * CPU so far, by part: the generators count from their start, so a phase before it (the cold
 * start) counts all of theirs.
 */
export async function cpuNow(run: Run): Promise<CpuSnapshot> {
  return {
    hubMs: await run.hubsTogether.cpuMs(),
    generatorsMs: run.fleet === undefined ? 0 : (await run.fleet.times()).cpuMs,
    machine: await machineCpu(),
    bench: process.cpuUsage(),
  };
}

export async function noteCpu(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, cpuSplit(before, await cpuNow(run)));
}

export async function noteHubCpuPerAgent(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, (((await run.hubsTogether.cpuMs()) - before.hubMs) / run.size).toFixed(2));
}
