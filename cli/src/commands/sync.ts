import type { SyncAnswer } from '../api';
import { UsageError, positionals, stringOption, type Command } from '../command';
import { EXIT, exitCodesOf } from '../exit-codes';
import { HubError, segment, type HubClient } from '../hub-client';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'Ask agents to sync now: one cluster, or a bundle on all its clusters',
  help: `Usage: gitfleet sync <cluster>
       gitfleet sync --bundle <bundle>
       gitfleet sync <cluster> --bundle <bundle>

With a cluster: its agent re-applies all its targets now. With --bundle alone: every agent
holding the bundle syncs it now. With both, the cluster syncs whole (the API syncs a
cluster's targets together), after checking that it holds the bundle.
Agents not connected get nothing; they sync when they reconnect.

${exitCodesOf({ ok: 'at least one agent was reached', problem: 'none was' })}`,
  options: { bundle: { type: 'string' } },
  async run(ctx, { args, values }) {
    const [cluster] = positionals('sync', args, [], ['cluster']);
    const bundle = stringOption(values, 'bundle');
    let answer: SyncAnswer;
    if (cluster !== undefined) {
      if (bundle !== undefined) await ensureHolds(ctx.hub, cluster, bundle);
      answer = await ctx.hub.post<SyncAnswer>(`/api/v1/clusters/${segment(cluster)}/sync`);
    } else if (bundle !== undefined) {
      answer = await ctx.hub.post<SyncAnswer>(`/api/v1/bundles/${segment(bundle)}/sync`);
    } else {
      throw new UsageError('give a <cluster>, --bundle <bundle>, or both', 'sync');
    }
    if (ctx.output === 'json') ctx.json(answer);
    else {
      const what = cluster !== undefined ? `cluster ${cluster}` : `bundle ${bundle}`;
      ctx.out(
        `Sync requested for ${what}: ${answer.reached.length === 0 ? 'no agent reached' : `reached ${answer.reached.join(', ')}`}.\n`,
      );
      if (answer.notConnected.length > 0) ctx.out(`Not connected (they sync when they reconnect): ${answer.notConnected.join(', ')}\n`);
    }
    return answer.reached.length > 0 ? EXIT.ok : EXIT.problem;
  },
};

async function ensureHolds(hub: HubClient, cluster: string, bundle: string): Promise<void> {
  const detail = await hub.get<{ name: string; bundles: { bundle: string }[] }>(`/api/v1/clusters/${segment(cluster)}`);
  if (!detail.bundles.some((b) => b.bundle === bundle)) {
    throw new HubError(`cluster ${detail.name} does not hold bundle "${bundle}"`, 'bundle_not_found', EXIT.problem, 404);
  }
}
