/**
 * hostile-manifests: what hostile manifests cost the agent. Each case runs in a fresh process
 * (so peak RSS is its own) in three ways:
 *  - whole-parse: the YAML library over the whole file at once, as the agent read files before
 *    documents were counted while splitting (the "before" figure; 1/10 of the input by default,
 *    the whole input with BENCH_BASELINE=full: minutes and ~1 GB);
 *  - reader: today's reader in the agent's own thread (documents counted and sized as cut);
 *  - isolated: today's reading in a worker thread within the target's budget, as the engine does.
 * Printed per run: outcome, wall ms, peak RSS of the process, and the longest stall of the
 * agent's event loop (perf_hooks.monitorEventLoopDelay) while it ran.
 *
 *   npm run build:bench && node dist/test/bench/hostile-manifests.js
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { defaultSourceLimits } from '../../agent/src/source/limits';
import { readIsolated } from '../../agent/src/source/manifest-isolation';
import { readManifests } from '../../agent/src/source/manifest-reader';

const cm = (name: string, data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${data}`;

const manyKeys = (keys: number): string => cm('heavy', `data:\n${Array.from({ length: keys }, (_, i) => `  k${i}: "v${i}"\n`).join('')}`);

const CASES: Record<string, (scale: number) => string> = {
  /** 590k empty documents in 4 MB. */
  'empty-doc bomb': (scale) => '---\n\n\n'.repeat(Math.round(590_000 * scale)),
  /** A million document markers. */
  '1M ---': (scale) => '---\n'.repeat(Math.round(1_000_000 * scale)),
  /** A flow sequence nested 100k deep. */
  'deep nesting': (scale) => cm('deep', `data: ${'['.repeat(100_000 * scale)}${']'.repeat(100_000 * scale)}\n`),
  /** One ConfigMap of 40k keys (0.9 MB): within every limit and budget, but the parser's duplicate-key check is quadratic (~8 s). */
  'CPU-heavy, 40k keys': (scale) => manyKeys(Math.round(40_000 * scale)),
  /** The same with 80k keys (1.8 MB, ~30 s): over the reader's heap or time budget. */
  'CPU-heavy, 80k keys': (scale) => manyKeys(Math.round(80_000 * scale)),
};

type Mode = 'whole-parse' | 'reader' | 'isolated';

interface Figures {
  outcome: string;
  ms: number;
  maxRssMb: number;
  loopMaxMs: number;
}

async function runOne(name: string, mode: Mode, scale: number): Promise<Figures> {
  const root = await mkdtemp(join(tmpdir(), 'gitfleet-bench-hostile-'));
  try {
    await mkdir(join(root, 'app'));
    await writeFile(join(root, 'app', 'bomb.yaml'), CASES[name](scale));
    const limits = defaultSourceLimits();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // The monitor measures from its first sample on: let it take one before the work starts.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = performance.now();
    let outcome: string;
    try {
      if (mode === 'whole-parse') {
        const { readFile } = await import('node:fs/promises');
        const documents = parseAllDocuments(await readFile(join(root, 'app', 'bomb.yaml'), 'utf8'));
        const all = Array.isArray(documents) ? documents : [documents];
        for (const document of all) document.toJS({ maxAliasCount: limits.maxYamlAliases });
        outcome = `parsed ${all.length} documents`;
      } else if (mode === 'reader') {
        outcome = `read ${(await readManifests(root, 'app', limits)).length} manifests`;
      } else {
        outcome = `read ${(await readIsolated({ kind: 'files', checkoutRoot: root, sourcePath: 'app', limits }, '"app"')).length} manifests`;
      }
    } catch (error) {
      outcome = `refused: ${(error instanceof Error ? error.message : String(error)).slice(0, 110)}`;
    }
    const ms = performance.now() - started;
    // A loop blocked by the work records its stall at its next turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    delay.disable();
    return { outcome, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, loopMaxMs: delay.max / 1e6 };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [, , name, mode, scale] = process.argv;
  if (name !== undefined) {
    const figures = await runOne(name, mode as Mode, Number(scale));
    process.stdout.write(JSON.stringify(figures));
    process.exit(0); // idle reader workers are kept for the next read; a benchmark has none
  }
  const baselineScale = process.env['BENCH_BASELINE'] === 'full' ? 1 : 0.1;
  console.log('case                  how                   outcome                                        ms   peak RSS  loop stall');
  for (const caseName of Object.keys(CASES)) {
    for (const [how, scale] of [
      ['whole-parse', baselineScale],
      ['reader', 1],
      ['isolated', 1],
    ] as const) {
      const child = spawnSync(process.execPath, [__filename, caseName, how, String(scale)], { encoding: 'utf8', timeout: 15 * 60_000 });
      const label = `${how}${scale !== 1 ? ` (${scale}×)` : ''}`;
      if (child.status !== 0) {
        console.log(`${caseName.padEnd(22)}${label.padEnd(22)}failed: ${(child.stderr || String(child.signal)).trim().split('\n').pop()}`);
        continue;
      }
      const f = JSON.parse(child.stdout) as Figures;
      console.log(
        `${caseName.padEnd(22)}${label.padEnd(22)}${f.outcome.slice(0, 44).padEnd(45)}${f.ms.toFixed(0).padStart(7)}` +
          `${f.maxRssMb.toFixed(0).padStart(8)} MB${f.loopMaxMs.toFixed(0).padStart(9)} ms`,
      );
    }
  }
}

void main();
