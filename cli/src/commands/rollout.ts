import type { Rollout } from '../api';
import { UsageError, positionals, stringOption, type Command, type CommandContext } from '../command';
import { awaitCommit, renderCommitProgress } from '../commit-gate';
import { EXIT, exitCodesOf } from '../exit-codes';
import { HubError, segment } from '../hub-client';
import { LiveWake, type LiveEvent } from '../live';
import { liveFrames } from '../render/live-frame';
import { age, shortCommit } from '../render/cells';
import { stateStyle, type Paint } from '../render/colour';
import { renderTable } from '../render/table';

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: "A bundle's rollout partition by partition; --watch follows it live, --commit until that commit is out",
  help: `Usage: gitfleet rollout <bundle> [--watch [--commit <sha>] [--timeout 30m]] [-o table|json]

Shows the rollout of the bundle's current revision: each partition's state, progress and
clusters; of a large fleet the hub lists 100 clusters (failed, updating and waiting first) and
counts the rest.
--watch   redraws on every change the hub's live stream reports (and every 10 s should it be
          away) until the rollout is done (exit 0) or halted (exit 1, with the cause); Ctrl-C
          stops watching. With -o json, one JSON line per change.
--commit  with --watch: follow the rollout of this commit — the one you pushed — waiting first
          for the hub to see it; done only when every cluster the bundle targets is synced and
          healthy at it (as \`gitfleet wait --commit <sha> --bundle <bundle> --for healthy\`). A
          bundle without a rollout goes to all its clusters at once: their progress is shown.
          Without --commit, --watch follows whatever revision is being rolled out, and a rollout
          already done ends at once: right after a push, give --commit.
--timeout with --watch, how long to watch in all (default: until done or Ctrl-C)

${exitCodesOf({
  ok: 'progressing, paused or done (with --watch: done; with --commit: every targeted cluster synced and healthy at it)',
  problem: 'halted, no rollout for the bundle (without --commit), or the commit was rejected, superseded or failed',
  hub: 'the hub cannot be reached or refused the token',
  timeout: '--timeout ran out',
  interrupted: 'Ctrl-C',
})}`,
  options: { watch: { type: 'boolean', short: 'w' }, commit: { type: 'string' } },
  waits: (values) => values.watch === true,
  async run(ctx, { args, values }) {
    const [bundle] = positionals('rollout', args, ['bundle']);
    const path = `/api/v1/rollouts/${segment(bundle)}`;
    const commit = stringOption(values, 'commit')?.toLowerCase();
    if (commit !== undefined && values.watch !== true) throw new UsageError('--commit goes with --watch', 'rollout');
    if (commit !== undefined && !/^[0-9a-f]{7,40}$/.test(commit))
      throw new UsageError(`--commit must be 7 to 40 hex digits, got "${commit}"`, 'rollout');
    if (commit !== undefined) return watchCommit(ctx, bundle, commit);
    if (values.watch !== true) {
      const rollout = await rolloutOf(ctx, path, bundle);
      if (ctx.output === 'json') ctx.json(rollout);
      else ctx.out(renderRollout(rollout, ctx.paint, ctx.now()));
      return rollout.state === 'halted' ? EXIT.problem : EXIT.ok;
    }
    return watch(ctx, path, bundle);
  },
};

/** The rollout, or a 404 that says what to do instead. */
async function rolloutOf(ctx: CommandContext, path: string, bundle: string): Promise<Rollout> {
  try {
    return await ctx.hub.get<Rollout>(path);
  } catch (error) {
    if (error instanceof HubError && error.code === 'rollout_not_found')
      throw new HubError(
        `${error.message} (it goes to all its clusters at once); to wait for a commit: gitfleet wait --commit <sha> --bundle ${bundle}`,
        error.code,
        error.exitCode,
        error.status,
      );
    throw error;
  }
}

/**
 * Follows the rollout until it settles, asking again whenever the live stream reports a change
 * of the bundle; a terminal redraws in place, a pipe gets each change once.
 */
async function watch(ctx: CommandContext, path: string, bundle: string): Promise<number> {
  const live = new LiveWake(ctx.hub, (e) => concernsBundle(e, bundle), ctx.signal);
  const deadline = ctx.waitMs === undefined ? undefined : ctx.now() + ctx.waitMs;
  const show = liveFrames(ctx);
  try {
    for (let first = true; ; first = false) {
      const rollout = await rolloutOf(ctx, path, bundle);
      show(renderRollout(rollout, ctx.paint, ctx.now()), rollout, [rollout.revision, rollout.state, rollout.halt, rollout.partitions]);
      if (rollout.state === 'done') {
        if (first)
          ctx.note(
            `note: the rollout of ${bundle} at ${shortCommit(rollout.commit)} was already done; to follow a commit you pushed, give --commit <sha>`,
          );
        return EXIT.ok;
      }
      if (rollout.state === 'halted') {
        ctx.note(`gitfleet: rollout of ${rollout.bundle} halted: ${rollout.halt?.message ?? 'no reason given'}`);
        return EXIT.problem;
      }
      const left = deadline === undefined ? ctx.pollIntervalMs : deadline - ctx.now();
      if (left <= 0) {
        ctx.note(`gitfleet: timed out: the rollout of ${bundle} is ${rollout.state}`);
        return EXIT.timeout;
      }
      if (!(await live.wait(Math.min(ctx.pollIntervalMs, left)))) return EXIT.interrupted;
    }
  } finally {
    live.close();
  }
}

/**
 * The rollout of one commit: the hub must see the commit first; it is out when every cluster
 * the bundle targets is synced and healthy at it. Shows the rollout of that commit when the
 * bundle has one, else the clusters' progress.
 */
async function watchCommit(ctx: CommandContext, bundle: string, commit: string): Promise<number> {
  const show = liveFrames(ctx);
  return awaitCommit(ctx, { commit, bundles: [bundle], for: 'healthy' }, ctx.waitMs, async (progress) => {
    const rollout = progress.bundles[0]?.rollout === null ? undefined : await currentRollout(ctx, bundle);
    if (rollout !== undefined && rollout.commit === progress.commit) {
      show(renderRollout(rollout, ctx.paint, ctx.now()), rollout, [rollout.revision, rollout.state, rollout.halt, rollout.partitions]);
    } else {
      show(renderCommitProgress(progress, ctx.paint), progress, [progress.state, progress.message, progress.bundles]);
    }
  });
}

async function currentRollout(ctx: CommandContext, bundle: string): Promise<Rollout | undefined> {
  try {
    return await ctx.hub.get<Rollout>(`/api/v1/rollouts/${segment(bundle)}`);
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return undefined;
    throw error;
  }
}

/** A change hint naming the bundle, or a fleet event of it (rollout events included). */
function concernsBundle(event: LiveEvent, bundle: string): boolean {
  const data = event.data as { bundles?: unknown; bundle?: unknown } | null;
  if (event.event === 'changed') return Array.isArray(data?.bundles) && data.bundles.includes(bundle);
  return event.event === 'fleet' && data?.bundle === bundle;
}

const BAR_WIDTH = 10;

export function renderRollout(r: Rollout, paint: Paint, now: number): string {
  const head =
    `Rollout of ${r.bundle} at ${shortCommit(r.commit)}: ${paint(stateStyle(r.state), r.state)}` +
    `${r.paused && r.state !== 'paused' ? ' (paused)' : ''}, started ${age(r.startedAt, now)} ago, updated ${age(r.updatedAt, now)} ago\n`;
  const table = renderTable<Rollout['partitions'][number]>(
    [
      { header: 'partition', cell: (p) => p.name },
      { header: 'state', cell: (p) => paint(stateStyle(p.state), p.state) },
      {
        header: 'progress',
        cell: (p) => {
          const total = clustersIn(p);
          const filled = total === 0 ? BAR_WIDTH : Math.round((p.counts.done / total) * BAR_WIDTH);
          return `[${paint('green', '#'.repeat(filled))}${'.'.repeat(BAR_WIDTH - filled)}] ${p.counts.done}/${total}`;
        },
      },
      { header: 'max unavailable', cell: (p) => String(p.maxUnavailable), align: 'right' },
      {
        header: 'clusters',
        cell: (p) =>
          [
            ...p.clusters.map((c) => paint(stateStyle(c.state) ?? 'grey', `${c.name}${CLUSTER_MARK[c.state] ?? ''}`)),
            ...(p.unlisted > 0 ? [`+${p.unlisted} more`] : []),
          ].join(' ') || '-',
      },
    ],
    r.partitions,
  );
  const unlisted = r.partitions.reduce((n, p) => n + p.unlisted, 0);
  const more =
    unlisted === 0
      ? ''
      : `… ${unlisted} more ${unlisted === 1 ? 'cluster' : 'clusters'} not listed: the hub lists failed, updating and waiting ones first, and counts all\n`;
  const halt = r.halt === null ? '' : `${paint('red', 'Halted:')} ${r.halt.message}\n`;
  return head + table + more + halt;
}

function clustersIn(p: Rollout['partitions'][number]): number {
  return p.counts.waiting + p.counts.updating + p.counts.done + p.counts.failed;
}

/** Cluster state at a glance, readable without colour too. */
const CLUSTER_MARK: Record<string, string> = { done: '✓', updating: '…', failed: '✗' };
