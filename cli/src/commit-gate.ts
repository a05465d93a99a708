import type { CommitProgress, WaitFor } from './api';
import type { CommandContext } from './command';
import { EXIT } from './exit-codes';
import { segment } from './hub-client';
import { LiveWake } from './live';
import { shortCommit } from './render/cells';
import type { Paint, Style } from './render/colour';
import { paintCondition } from './render/condition';
import { renderTable } from './render/table';

/**
 * Waiting for a pushed commit to reach the clusters (GET /api/v1/commits/:commit): what
 * `gitfleet wait` is, and what `rollout --watch --commit` ends on. The hub's answer decides;
 * the live stream only says when to ask again.
 */

export interface CommitWait {
  commit: string;
  bundles: string[];
  for: WaitFor;
}

/** How long `wait` waits when --timeout is not given. */
export const DEFAULT_WAIT_MS = 10 * 60_000;

/**
 * Asks until the answer is final, the time runs out or Ctrl-C; `shown` gets every answer.
 * Resolves to the exit code: ok when reached, problem when it cannot be, timeout, interrupted.
 */
export async function awaitCommit(
  ctx: CommandContext,
  wait: CommitWait,
  waitMs: number | undefined,
  shown: (progress: CommitProgress) => Promise<void> | void,
): Promise<number> {
  const deadline = waitMs === undefined ? undefined : ctx.now() + waitMs;
  const live = new LiveWake(ctx.hub, (e) => e.event === 'changed' || e.event === 'fleet', ctx.signal);
  try {
    for (;;) {
      const progress = await ctx.hub.get<CommitProgress>(`/api/v1/commits/${segment(wait.commit)}`, {
        bundle: wait.bundles,
        for: wait.for,
      });
      await shown(progress);
      if (progress.done) {
        if (progress.state === 'reached') return EXIT.ok;
        ctx.note(`gitfleet: ${progress.message}`);
        return EXIT.problem;
      }
      const left = deadline === undefined ? ctx.pollIntervalMs : deadline - ctx.now();
      if (left <= 0) {
        ctx.note(`gitfleet: timed out waiting for ${shortCommit(wait.commit)}: ${progress.message}${stragglers(progress)}`);
        return EXIT.timeout;
      }
      if (!(await live.wait(Math.min(ctx.pollIntervalMs, left)))) return EXIT.interrupted;
    }
  } finally {
    live.close();
  }
}

/**
 * "; not there: web on us-prod (at 7e30a75)", for the message a time-out ends with: the listed
 * ones (the hub lists those not there first), and how many more the counts have.
 */
function stragglers(p: CommitProgress): string {
  const missing = p.bundles.flatMap((b) =>
    b.clusters.filter((c) => c.state !== 'reached').map((c) => `${b.bundle} on ${c.cluster} (${c.message || c.state})`),
  );
  const more = p.counts.clusters - p.counts.reached - missing.length;
  if (missing.length === 0 && more <= 0) return '';
  return `; not there: ${missing.join(', ')}${more > 0 ? `${missing.length > 0 ? ' and' : ''} ${more} more` : ''}`;
}

const PROGRESS_STYLES: Record<string, Style> = { reached: 'green', waiting: 'yellow', failed: 'red', unreachable: 'red' };

/**
 * The answer as a person reads it: one line, then the targeted clusters the hub listed (those
 * not there first; at most its limit), and how many it left out.
 */
export function renderCommitProgress(p: CommitProgress, paint: Paint): string {
  const head = `Commit ${shortCommit(p.commit)} (${p.for}): ${p.message}\n`;
  const rejected = (p.rejected?.errors ?? []).map(
    (e) =>
      `  ${[[e.file, e.line].filter((x) => x !== null).join(':'), e.field, e.message].filter((x) => x !== null && x !== '').join(': ')}\n`,
  );
  const rows = p.bundles.flatMap((b) => b.clusters.map((c) => ({ bundle: b.bundle, ...c })));
  if (rows.length === 0) return head + rejected.join('');
  const unlisted = p.bundles.reduce((n, b) => n + b.unlisted, 0);
  const { reached, waiting, failed, unreachable } = p.counts;
  const tail =
    unlisted === 0
      ? ''
      : `… and ${unlisted} more not listed (of all ${p.counts.clusters}: ${reached} reached, ${waiting} waiting, ${failed} failed, ${unreachable} unreachable)\n`;
  return (
    head +
    renderTable<(typeof rows)[number]>(
      [
        { header: 'bundle', cell: (r) => r.bundle },
        { header: 'cluster', cell: (r) => r.cluster },
        { header: 'progress', cell: (r) => paint(PROGRESS_STYLES[r.state], r.state) },
        { header: 'state', cell: (r) => paintCondition(r.condition, paint) },
        { header: 'commit', cell: (r) => shortCommit(r.commit) },
        { header: 'note', cell: (r) => r.message || '-' },
      ],
      rows,
    ) +
    tail
  );
}
