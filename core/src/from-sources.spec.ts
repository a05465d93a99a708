import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFromSources } from './from-sources';

const run = promisify(execFile);

describe('loadFromSources', () => {
  let dir: string;
  let temp: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'from-sources-'));
    temp = join(dir, 'tmp');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `entry` as a process started from sources would, with its own temporary directory. */
  const start = async (entry: string) =>
    (await run(process.execPath, ['-e', loadFromSources(entry)], { env: { ...process.env, TMPDIR: temp }, cwd: process.cwd() })).stdout;
  const kept = async () => (await readdir(join(temp, 'gitfleet-from-sources-1'))).sort();

  it('runs TypeScript modules, keeps what it compiled, and keeps one version per file', async () => {
    const entry = join(dir, 'entry.ts');
    await writeFile(join(dir, 'greeting.ts'), `export const greeting: string = 'one';\n`);
    await writeFile(entry, `import { greeting } from './greeting';\nconsole.log(greeting satisfies string);\n`);

    expect(await start(entry)).toBe('one\n');
    const first = await kept();
    expect(first).toHaveLength(2);
    // Started again from what was kept: the same two files, the same answer.
    expect(await start(entry)).toBe('one\n');
    expect(await kept()).toEqual(first);

    // A changed file is compiled again, and what was kept for its earlier version goes.
    await writeFile(join(dir, 'greeting.ts'), `export const greeting: string = 'two';\n`);
    expect(await start(entry)).toBe('two\n');
    const second = await kept();
    expect(second).toHaveLength(2);
    expect(second.filter((name) => first.includes(name))).toHaveLength(1);
  });
});
