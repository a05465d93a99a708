/**
 * A unified diff of two texts, line by line (longest common subsequence), with `context`
 * lines around each change. Empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = lineOps(a, b);
  const hunks = groupHunks(ops, context);
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const hunk of hunks) {
    const first = hunk[0];
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${rangeStart(first.aIndex, oldCount)},${oldCount} +${rangeStart(first.bIndex, newCount)},${newCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.text}`);
  }
  return `${out.join('\n')}\n`;
}

interface LineOp {
  kind: ' ' | '-' | '+';
  text: string;
  /** Position in `a` (for ' ' and '-') or where in `a` it would go (for '+'). */
  aIndex: number;
  bIndex: number;
}

/** Beyond this many cells the LCS table is not worth it: show a full replacement. */
const MAX_CELLS = 4_000_000;

function lineOps(a: string[], b: string[]): LineOp[] {
  // Trim the common head and tail first: drift is usually a few lines in a long object.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: LineOp[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: ' ', text: a[i], aIndex: i, bIndex: i });
  ops.push(...middleOps(midA, midB, head));
  for (let i = 0; i < tail; i++) {
    const ai = a.length - tail + i;
    const bi = b.length - tail + i;
    ops.push({ kind: ' ', text: a[ai], aIndex: ai, bIndex: bi });
  }
  return ops;
}

function middleOps(a: string[], b: string[], offset: number): LineOp[] {
  const ops: LineOp[] = [];
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    a.forEach((text, i) => ops.push({ kind: '-', text, aIndex: offset + i, bIndex: offset }));
    b.forEach((text, j) => ops.push({ kind: '+', text, aIndex: offset + a.length, bIndex: offset + j }));
    return ops;
  }
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i], aIndex: offset + i, bIndex: offset + j });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j])) {
      ops.push({ kind: '+', text: b[j], aIndex: offset + i, bIndex: offset + j });
      j++;
    } else {
      ops.push({ kind: '-', text: a[i], aIndex: offset + i, bIndex: offset + j });
      i++;
    }
  }
  // Show removals before additions within a change, as diff(1) does.
  return reorderChanges(ops);
}

function reorderChanges(ops: LineOp[]): LineOp[] {
  const out: LineOp[] = [];
  let run: LineOp[] = [];
  const flush = (): void => {
    out.push(...run.filter((op) => op.kind === '-'), ...run.filter((op) => op.kind === '+'));
    run = [];
  };
  for (const op of ops) {
    if (op.kind === ' ') {
      flush();
      out.push(op);
    } else run.push(op);
  }
  flush();
  return out;
}

function groupHunks(ops: LineOp[], context: number): LineOp[][] {
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  const hunks: LineOp[][] = [];
  let start = -1;
  let end = -1;
  for (const index of changed) {
    if (start >= 0 && index - context <= end + 1) {
      end = Math.min(ops.length - 1, index + context);
      continue;
    }
    if (start >= 0) hunks.push(ops.slice(start, end + 1));
    start = Math.max(0, index - context);
    end = Math.min(ops.length - 1, index + context);
  }
  if (start >= 0) hunks.push(ops.slice(start, end + 1));
  return hunks;
}

function rangeStart(index: number, count: number): number {
  return count === 0 ? index : index + 1;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
