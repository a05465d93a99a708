import type { WaitFor } from '../api';
import { UsageError, positionals, stringList, stringOption, type Command } from '../command';
import { awaitCommit, DEFAULT_WAIT_MS, renderCommitProgress } from '../commit-gate';
import { exitCodesOf } from '../exit-codes';
import { liveFrames } from '../render/live-frame';

const FOR: readonly WaitFor[] = ['synced', 'healthy'];

export const waitCommand: Command = {
  name: 'wait',
  summary: 'Wait until a pushed commit has reached every cluster it targets (a gate for CI)',
  help: `Usage: gitfleet wait --commit <sha> [--bundle <b> ...] [--for synced|healthy] [--timeout 10m] [-o table|json]

Waits until the hub has seen the commit (a fleet repository's, or a bundle source
repository's: what the agents report) and every cluster targeted by the bundles at it has got
there: --for synced (default) when each reports it applied at that commit, --for healthy when
also healthy. An unreachable cluster never counts as reached; a cluster the bundle does not
target is not waited for. --bundle waits for those bundles only (repeatable). It ends at
once when the commit was rejected (the errors are printed), superseded by a newer one, or
failed on a cluster.
--timeout  how long to wait in all (default ${DEFAULT_WAIT_MS / 60_000}m)

  git push && gitfleet wait --commit "$(git rev-parse HEAD)" --for healthy --timeout 15m

${exitCodesOf({
  ok: 'every targeted cluster got there',
  problem: 'the commit was rejected, superseded, failed on a cluster, or no bundle takes its source from it',
  hub: 'the hub cannot be reached or refused the token',
  timeout: 'the time ran out first (the clusters not there are named)',
  interrupted: 'Ctrl-C',
})}`,
  options: { commit: { type: 'string' }, bundle: { type: 'string', multiple: true }, for: { type: 'string' } },
  waits: () => true,
  async run(ctx, { args, values }) {
    positionals('wait', args, []);
    const commit = stringOption(values, 'commit')?.toLowerCase();
    if (commit === undefined) throw new UsageError('give --commit <sha>', 'wait');
    if (!/^[0-9a-f]{7,40}$/.test(commit)) throw new UsageError(`--commit must be 7 to 40 hex digits, got "${commit}"`, 'wait');
    const want = (stringOption(values, 'for') ?? 'synced') as WaitFor;
    if (!FOR.includes(want)) throw new UsageError(`--for must be one of ${FOR.join(', ')}, got "${want}"`, 'wait');
    const show = liveFrames(ctx);
    return awaitCommit(ctx, { commit, bundles: stringList(values, 'bundle'), for: want }, ctx.waitMs ?? DEFAULT_WAIT_MS, (p) =>
      show(renderCommitProgress(p, ctx.paint), p, [p.state, p.message, p.bundles]),
    );
  },
};
