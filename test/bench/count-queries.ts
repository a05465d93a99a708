/**
 * Preloaded into the hub by the scale benchmark with BENCH_PROFILE=1 (node --require): counts
 * the SQL statements the hub sends, by their first words, and on SIGUSR2 writes the counts
 * since the last signal to $BENCH_QUERY_COUNTS (appending one JSON line) — the number of
 * round trips per phase, which a CPU profile does not show (it loses the caller at the await).
 */
import { appendFileSync } from 'node:fs';
import { Client } from 'pg';

const out = process.env.BENCH_QUERY_COUNTS;
if (out !== undefined) {
  let counts = new Map<string, number>();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with the client as `this`, below
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  (Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '?');
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return original.apply(this, args);
  };
  process.on('SIGUSR2', () => {
    appendFileSync(out, `${JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])))}\n`);
    counts = new Map();
  });
}
