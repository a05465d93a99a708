import type { HistoryEntry, Pin } from '../api';
import { UsageError, positionals, stringOption, type Command, type CommandContext } from '../command';
import { EXIT } from '../exit-codes';
import { HubError, segment } from '../hub-client';

const FULL_SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{4,39}$/;

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'Pin a bundle to an earlier commit on every cluster (--to), or unpin it (--unpin)',
  help: `Usage: gitfleet rollback <bundle> --to <commit>
       gitfleet rollback <bundle> --unpin

--to pins the bundle as it was declared at that accepted fleet commit: every cluster gets it
at once and rollouts of the bundle stop. A short commit is looked up in the bundle's
deployment history. --unpin lets the bundle follow the fleet again.`,
  options: { to: { type: 'string' }, unpin: { type: 'boolean' } },
  async run(ctx, { args, values }) {
    const [bundle] = positionals('rollback', args, ['bundle']);
    const to = stringOption(values, 'to');
    const unpin = values.unpin === true;
    if ((to === undefined) === !unpin) throw new UsageError('give exactly one of --to <commit> and --unpin', 'rollback');

    if (unpin) {
      await ctx.hub.delete(`/api/v1/bundles/${segment(bundle)}/pin`);
      if (ctx.output === 'json') ctx.json({ bundle, pin: null });
      else ctx.out(`Unpinned ${bundle}: it follows the fleet again.\n`);
      return EXIT.ok;
    }
    const commit = await resolveCommit(ctx, bundle, to!.toLowerCase());
    const pin = await ctx.hub.post<Pin>(`/api/v1/bundles/${segment(bundle)}/pin`, { commit });
    if (ctx.output === 'json') ctx.json(pin);
    else ctx.out(`Pinned ${bundle} to ${pin.commit} on every cluster; undo with: gitfleet rollback ${bundle} --unpin\n`);
    return EXIT.ok;
  },
};

/** A full SHA as given; a short one, the single commit of the bundle's history it starts. */
async function resolveCommit(ctx: CommandContext, bundle: string, given: string): Promise<string> {
  if (FULL_SHA.test(given)) return given;
  if (!SHORT_SHA.test(given)) throw new UsageError(`--to must be a commit SHA (at least 4 hex digits), got "${given}"`, 'rollback');
  const history = await ctx.hub.get<{ items: HistoryEntry[] }>('/api/v1/history', { bundle, limit: 500 });
  const matches = [...new Set(history.items.map((h) => h.commit).filter((c) => c.startsWith(given)))];
  if (matches.length === 1) return matches[0];
  const why = matches.length === 0 ? 'no commit in its deployment history starts with it' : `it matches ${matches.length} commits`;
  throw new HubError(`cannot resolve ${given} for ${bundle}: ${why}; give the full 40-hex SHA`, 'commit_not_resolved', EXIT.problem);
}
