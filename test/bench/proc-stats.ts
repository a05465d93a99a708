/**
 * What the benchmarks read of Linux's /proc: a process's CPU time and read/write system calls,
 * the whole machine's busy CPU time. Clock ticks are taken as 10 ms (USER_HZ 100, as on every
 * Linux the benches run on).
 */
import { readdir, readFile } from 'node:fs/promises';

const MS_PER_TICK = 10;

/** Read and write system calls a process has made so far (/proc/<pid>/io: socket, pipe and file I/O). */
export async function ioSyscalls(pid: number | 'self'): Promise<{ reads: number; writes: number }> {
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? 0);
  return { reads: field('syscr'), writes: field('syscw') };
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): index 11 is utime. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** CPU time (ms) a process has used so far, user and system. */
export async function processCpuMs(pid: number): Promise<number> {
  const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** CPU time (ms) of the whole machine (all cores, busy only) and of PostgreSQL (every process, and those that ended), so far. */
export async function machineCpu(): Promise<{ busyMs: number; postgresMs: number }> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const ticks = cpu.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
  let postgres = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat.includes('(postgres)')) continue;
    // Its own CPU, and that of its children that ended (the postmaster's: backends come and go).
    const fields = statFields(stat);
    postgres += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return { busyMs: busy * MS_PER_TICK, postgresMs: postgres * MS_PER_TICK };
}
