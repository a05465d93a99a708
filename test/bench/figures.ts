/**
 * A benchmark's figures, each with the machine's 1-minute load average when it was taken:
 * printed as each run ends, then as a markdown table of min/median/max per fleet size.
 */

export interface Figure {
  what: string;
  seconds?: number;
  value?: string;
  load: number;
}

export function printRun(title: string, figures: Figure[]): void {
  console.log(`\n${title}:`);
  for (const f of figures)
    console.log(
      `  ${f.what.padEnd(52)} ${(f.seconds !== undefined ? f.seconds.toFixed(2) : f.value!).padStart(9)}   (load ${f.load.toFixed(1)})`,
    );
}

/** One row per figure of the first size's first run, one column per size: min/median/max over the runs. */
export function printTable(sizes: number[], results: Map<number, Figure[][]>): void {
  console.log(`\n| figure | ${sizes.map((s) => s.toLocaleString('en')).join(' | ')} |`);
  console.log(`|---|${sizes.map(() => '---').join('|')}|`);
  const names = [...new Set(results.get(sizes[0])![0].map((f) => f.what))];
  for (const name of names) {
    const cells = sizes.map((size) => {
      const values = results.get(size)!.flatMap((figures) => figures.filter((f) => f.what === name));
      if (values.length === 0) return '—';
      const loads = values.map((f) => f.load);
      const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
      const spread = (numbers: number[]) => {
        const sorted = [...numbers].sort((a, b) => a - b);
        return sorted.length === 1
          ? fmt(sorted[0])
          : `${fmt(sorted[0])}/${fmt(sorted[Math.floor(sorted.length / 2)])}/${fmt(sorted[sorted.length - 1])}`;
      };
      // "a / b" values (reads / writes, CPU by process): each part spread on its own.
      const parts = values.map((f) => (f.seconds !== undefined ? [f.seconds] : f.value!.split(' / ').map(Number)));
      const shown = parts[0].map((_, i) => spread(parts.map((p) => p[i]))).join(' · ');
      return `${shown} (load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)})`;
    });
    console.log(`| ${name.trim()} | ${cells.join(' | ')} |`);
  }
}
