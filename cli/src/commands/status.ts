import { HEALTHS, PHASES, type Bundle, type Cluster, type Rollout } from '../api';
import type { Command, CommandContext } from '../command';
import { EXIT } from '../exit-codes';
import { summariseFleet, type FleetSummary } from '../fleet-summary';
import { countList } from '../render/cells';
import { paintCounts, stateStyle } from '../render/colour';
import { renderFields } from '../render/table';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Fleet summary; exits 1 when anything is failed, degraded, unreachable or halted',
  help: `Usage: gitfleet status [-o table|json]

Clusters by state and connectivity, bundle placements by phase and health, rollouts in
progress or halted, and every problem by name.

Exit codes: 0 all good; 1 something is failed, degraded, missing, unreachable or halted;
3 the hub cannot be reached or refused the token.`,
  options: {},
  async run(ctx) {
    const [clusters, bundles, rollouts] = await Promise.all([
      ctx.hub.list<Cluster>('/api/v1/clusters'),
      ctx.hub.list<Bundle>('/api/v1/bundles'),
      ctx.hub.list<Rollout>('/api/v1/rollouts'),
    ]);
    const summary = summariseFleet(clusters, bundles, rollouts, ctx.now());
    if (ctx.output === 'json') ctx.json(summary);
    else ctx.out(renderStatus(summary, ctx));
    return summary.ok ? EXIT.ok : EXIT.problem;
  },
};

function renderStatus(s: FleetSummary, ctx: CommandContext): string {
  const paint = ctx.paint;
  const coloured = (counts: Record<string, number>, order?: readonly string[]) => paintCounts(countList(counts, order), paint);
  const c = s.clusters;
  const r = s.rollouts;
  const rollouts = (['progressing', 'paused', 'halted'] as const)
    .filter((state) => r[state].length > 0)
    .map((state) => `${paint(stateStyle(state), `${r[state].length} ${state}`)} (${r[state].join(', ')})`);
  const fields: [string, string][] = [
    ['Hub', ctx.hub.displayUrl],
    ['Clusters', `${c.total} total: ${coloured(c.byConnectivity)}; ${coloured(c.byState)}`],
    ['Bundles', `${s.bundles.total} in ${s.placements.total} placements: ${coloured(s.placements.byPhase, PHASES)}`],
    ['Health', coloured(s.placements.byHealth, HEALTHS)],
    ['Rollouts', rollouts.length === 0 ? 'none in progress' : rollouts.join(', ')],
  ];
  if (s.bundles.pinned.length > 0) fields.push(['Pinned', s.bundles.pinned.join(', ')]);
  if (c.pending.length > 0) fields.push(['Awaiting approval', c.pending.join(', ')]);
  let text = renderFields(fields);
  if (s.problems.length === 0) return text + `\n${paint('green', 'fleet OK')}\n`;
  text += `\n${paint('red', `${s.problems.length} problem${s.problems.length === 1 ? '' : 's'}:`)}\n`;
  for (const p of s.problems) text += `  ${paint('red', '✗')} ${p.text}\n`;
  return text;
}
