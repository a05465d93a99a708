/**
 * A benchmark's phases and, with a profiled hub (BENCH_PROFILE=1), what the hub did in each: the
 * SQL statements count-queries.ts counted, and the top functions by self time in its CPU profile.
 */
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Phase {
  name: string;
  from: number;
  to: number;
}

/** What makes a hub process profile itself into `dir`: CPU and heap profiles written as it exits, statements counted. */
export function profilingOptions(dir: string): { env: Record<string, string>; execArgv: string[] } {
  return {
    env: { BENCH_QUERY_COUNTS: join(dir, 'queries.jsonl') },
    execArgv: [
      '--require',
      join(__dirname, 'count-queries.js'),
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      '--heap-prof',
      `--heap-prof-dir=${dir}`,
    ],
  };
}

/**
 * The phases of a run, in order. With a profiled hub, the start of the first and the end of each
 * ask it (SIGUSR2) to write the statements counted since, and leave it 0.2 s to do so.
 */
export class Phases {
  readonly list: Phase[] = [];

  constructor(private readonly profiled: ChildProcess | undefined) {}

  /** Start-up's statements. */
  async begin(): Promise<void> {
    await this.mark();
  }

  async end(name: string, from: number): Promise<void> {
    this.list.push({ name, from, to: Date.now() });
    await this.mark();
  }

  private async mark(): Promise<void> {
    if (this.profiled === undefined) return;
    this.profiled.kill('SIGUSR2');
    await sleep(200);
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The statements of each phase, and its top functions by self time from the hub's CPU profile.
 * The profile's clock (µs) starts as the hub process does, which is when it was spawned give or
 * take a few ms.
 */
export async function printProfile(dir: string, spawnedAt: number, phases: Phase[], size: number): Promise<void> {
  // Statements per phase (the first line is start-up's).
  const counts = (await readFile(join(dir, 'queries.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '')
    .slice(1)
    .map((l) => JSON.parse(l) as Record<string, number>);
  phases.forEach((phase, i) => {
    const statements = Object.entries(counts[i] ?? {});
    const total = statements.reduce((n, [, c]) => n + c, 0);
    console.log(`  ${phase.name}: ${total} SQL statements (${(total / size).toFixed(1)} per agent)`);
    for (const [sql, n] of statements.slice(0, 8)) console.log(`    ${String(n).padStart(7)}  ${sql}`);
  });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return console.log(`  (no CPU profile in ${dir})`);
  const profile = JSON.parse(await readFile(join(dir, files[0]), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  console.log(`  CPU profile: ${join(dir, files[0])} (heap profile beside it)`);
  for (const phase of phases) {
    const lo = profile.startTime + (phase.from - spawnedAt) * 1000;
    const hi = profile.startTime + (phase.to - spawnedAt) * 1000;
    const self = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      if (times[i] < lo || times[i] > hi) return;
      const node = byId.get(id)!;
      const frame = node.callFrame;
      const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`;
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      self.set(where, (self.get(where) ?? 0) + dt);
      total += dt;
    });
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    // The window in seconds from the profile's start: for reading the profile further with other tools.
    const window = `${((lo - profile.startTime) / 1e6).toFixed(1)}–${((hi - profile.startTime) / 1e6).toFixed(1)} s of the profile`;
    console.log(`  ${phase.name}: ${total.toFixed(0)} ms sampled (${window})`);
    for (const [where, ms] of top)
      console.log(`    ${ms.toFixed(0).padStart(6)} ms ${((ms / (total || 1)) * 100).toFixed(1).padStart(5)}%  ${where}`);
  }
}
