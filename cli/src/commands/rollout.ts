import type { Rollout } from '../api';
import { positionals, type Command, type CommandContext } from '../command';
import { EXIT } from '../exit-codes';
import { segment } from '../hub-client';
import { LiveWake, type LiveEvent } from '../live';
import { age, shortCommit } from '../render/cells';
import { stateStyle, type Paint } from '../render/colour';
import { renderTable } from '../render/table';

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: "A bundle's rollout partition by partition; --watch follows it live until done or halted",
  help: `Usage: gitfleet rollout <bundle> [--watch] [-o table|json]

Shows the rollout of the bundle's current revision: each partition's state and clusters.
--watch  redraws on every change the hub's live stream reports (and every 10 s should it be
         away) until the rollout is done (exit 0) or halted (exit 1, with the cause); Ctrl-C
         stops watching. With -o json, one JSON line per change.

Exit codes: 0 progressing, paused or done; 1 halted (or no rollout for the bundle).`,
  options: { watch: { type: 'boolean', short: 'w' } },
  async run(ctx, { args, values }) {
    const [bundle] = positionals('rollout', args, ['bundle']);
    const path = `/api/v1/rollouts/${segment(bundle)}`;
    if (values.watch !== true) {
      const rollout = await ctx.hub.get<Rollout>(path);
      if (ctx.output === 'json') ctx.json(rollout);
      else ctx.out(renderRollout(rollout, ctx.paint, ctx.now()));
      return rollout.state === 'halted' ? EXIT.problem : EXIT.ok;
    }
    return watch(ctx, path, bundle);
  },
};

/**
 * Follows the rollout until it settles, asking again whenever the live stream reports a change
 * of the bundle; a terminal redraws in place, a pipe gets each change once.
 */
async function watch(ctx: CommandContext, path: string, bundle: string): Promise<number> {
  const live = new LiveWake(ctx.hub, (e) => concernsBundle(e, bundle), ctx.signal);
  try {
    return await follow(ctx, path, live);
  } finally {
    live.close();
  }
}

/** A change hint naming the bundle, or a fleet event of it (rollout events included). */
function concernsBundle(event: LiveEvent, bundle: string): boolean {
  const data = event.data as { bundles?: unknown; bundle?: unknown } | null;
  if (event.event === 'changed') return Array.isArray(data?.bundles) && data.bundles.includes(bundle);
  return event.event === 'fleet' && data?.bundle === bundle;
}

async function follow(ctx: CommandContext, path: string, live: LiveWake): Promise<number> {
  let lastChange = '';
  let drawn = 0;
  for (;;) {
    const rollout = await ctx.hub.get<Rollout>(path);
    const change = JSON.stringify([rollout.revision, rollout.state, rollout.halt, rollout.partitions]);
    if (ctx.output === 'json') {
      if (change !== lastChange) ctx.out(`${JSON.stringify(rollout)}\n`);
    } else if (ctx.interactive) {
      const text = renderRollout(rollout, ctx.paint, ctx.now());
      // Cursor up to where the last frame began, clear to the end, draw the new frame.
      ctx.out(`${drawn > 0 ? `\u001b[${drawn}F\u001b[J` : ''}${text}`);
      drawn = text.split('\n').length - 1;
    } else if (change !== lastChange) {
      ctx.out(`${renderRollout(rollout, ctx.paint, ctx.now())}\n`);
    }
    lastChange = change;
    if (rollout.state === 'done') return EXIT.ok;
    if (rollout.state === 'halted') {
      ctx.note(`gitfleet: rollout of ${rollout.bundle} halted: ${rollout.halt?.message ?? 'no reason given'}`);
      return EXIT.problem;
    }
    if (!(await live.wait(ctx.pollIntervalMs))) return EXIT.interrupted;
  }
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
          const done = p.clusters.filter((c) => c.state === 'done').length;
          const total = p.clusters.length;
          const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
          return `[${paint('green', '#'.repeat(filled))}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
        },
      },
      { header: 'max unavailable', cell: (p) => String(p.maxUnavailable), align: 'right' },
      {
        header: 'clusters',
        cell: (p) =>
          p.clusters.map((c) => paint(stateStyle(c.state) ?? 'grey', `${c.name}${CLUSTER_MARK[c.state] ?? ''}`)).join(' ') || '-',
      },
    ],
    r.partitions,
  );
  const halt = r.halt === null ? '' : `${paint('red', 'Halted:')} ${r.halt.message}\n`;
  return head + table + halt;
}

/** Cluster state at a glance, readable without colour too. */
const CLUSTER_MARK: Record<string, string> = { done: '✓', updating: '…', failed: '✗' };
