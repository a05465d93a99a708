import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Real git behind a script put first on PATH that notes, one per line, which of `words` each
 * git process was given as an argument: for specs that count the git processes a piece of the
 * hub runs. Until `restore()`, every git this process starts through PATH goes through it.
 */
export async function logGitCalls(dir: string, words: readonly string[]): Promise<{ calls(): Promise<string[]>; restore(): void }> {
  const log = join(dir, 'git-calls');
  const shim = join(dir, 'git-shim');
  await mkdir(shim, { recursive: true });
  await writeFile(log, '');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const cases = words.map((w) => w.replace(/[^\w.=-]/g, '')).join('|');
  await writeFile(
    join(shim, 'git'),
    `#!/bin/sh\nfor a; do case "$a" in ${cases}) echo "$a" >> '${log}';; esac; done\nexec '${realGit}' "$@"\n`,
  );
  await chmod(join(shim, 'git'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${shim}:${path ?? ''}`;
  return {
    calls: async () => (await readFile(log, 'utf8')).split('\n').filter((line) => line !== ''),
    restore: () => {
      process.env.PATH = path;
    },
  };
}
