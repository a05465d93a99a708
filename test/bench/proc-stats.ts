/**
 * What the benchmarks read from /proc (Linux): a process's CPU time, resident memory and system
 * calls, the machine's busy CPU time and PostgreSQL's, and the kernel's listen queue overflows.
 */
import { readdir, readFile } from 'node:fs/promises';

/** /proc counts CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

export interface Syscalls {
  reads: number;
  writes: number;
}

/** Read and write system calls so far, from the text of /proc/<pid>/io (syscr, syscw: socket, pipe and file I/O). */
export function parseSyscalls(io: string): Syscalls {
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? 0);
  return { reads: field('syscr'), writes: field('syscw') };
}

export async function processSyscalls(pid: number): Promise<Syscalls> {
  return parseSyscalls(await readFile(`/proc/${pid}/io`, 'utf8'));
}

/**
 * CPU time (user + system, ms) so far, from the text of /proc/<pid>/stat; with `withEndedChildren`,
 * also that of the children it has waited for (a postmaster's backends come and go).
 */
export function parseCpuMs(stat: string, withEndedChildren = false): number {
  // After the command name in parentheses: utime stime cutime cstime are fields 11–14.
  const fields = stat.split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (withEndedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks * TICK_MS;
}

export async function processCpuMs(pid: number): Promise<number> {
  return parseCpuMs(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

/** The processes whose parent is `pid`, now (a hub's git worker). */
export async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // After the command name in parentheses: state, then the parent's pid.
    if (stat !== '' && Number(stat.split(') ')[1].split(' ')[1]) === pid) children.push(Number(entry));
  }
  return children;
}

/**
 * A process and its children now, as one: the sum of `measure` over them (a hub with its git
 * worker). A child gone between listing and reading counts nothing.
 */
export async function withChildren(pid: number, measure: (pid: number) => Promise<number>): Promise<number> {
  const pids = [pid, ...(await childPids(pid))];
  const values = await Promise.all(pids.map((p, i) => (i === 0 ? measure(p) : measure(p).catch(() => 0))));
  return values.reduce((a, b) => a + b, 0);
}

/** Resident set size now, bytes. */
export async function processRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU time (ms) of the whole machine (all cores, busy only) and of PostgreSQL (every process, and those that ended), so far. */
export async function machineCpu(): Promise<{ busyMs: number; postgresMs: number }> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const ticks = cpu.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
  let postgresMs = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.includes('(postgres)')) postgresMs += parseCpuMs(stat, true);
  }
  return { busyMs: busy * TICK_MS, postgresMs };
}

/** Connections the kernel dropped because a listen queue was full, machine-wide, so far (0 where unreadable). */
export async function listenOverflows(): Promise<number> {
  try {
    const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    return Number(values[names.indexOf('ListenOverflows')] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU used so far by each part of a benchmark run, to be subtracted from a later snapshot. */
export interface CpuSnapshot {
  hubMs: number;
  generatorsMs: number;
  machine: { busyMs: number; postgresMs: number };
  bench: NodeJS.CpuUsage;
}

/** Where the machine's CPU went between two snapshots: seconds of hub / generators / postgres / bench / rest (all cores). */
export function cpuSplit(before: CpuSnapshot, now: CpuSnapshot): string {
  const hubS = (now.hubMs - before.hubMs) / 1000;
  const generatorsS = (now.generatorsMs - before.generatorsMs) / 1000;
  const postgresS = (now.machine.postgresMs - before.machine.postgresMs) / 1000;
  const busyS = (now.machine.busyMs - before.machine.busyMs) / 1000;
  const benchS = (now.bench.user - before.bench.user + now.bench.system - before.bench.system) / 1e6;
  const restS = Math.max(0, busyS - hubS - generatorsS - postgresS - benchS);
  return [hubS, generatorsS, postgresS, benchS, restS].map((s) => s.toFixed(1)).join(' / ');
}
