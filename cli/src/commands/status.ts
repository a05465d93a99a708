import {
  HEALTHS,
  PHASES,
  type Bundle,
  type BundleCluster,
  type Cluster,
  type Fleet,
  type HubSummary,
  type Page,
  type Rollout,
} from '../api';
import type { Command, CommandContext } from '../command';
import { EXIT, exitCodesOf } from '../exit-codes';
import { segment, type Query } from '../hub-client';
import { summariseFleet, type FleetSummary } from '../fleet-summary';
import { countList, shortCommit } from '../render/cells';
import { paintCounts, stateStyle } from '../render/colour';
import { renderFields } from '../render/table';

/** Clusters named per kind of trouble; the rest are counted. */
const LISTED = 20;

export const statusCommand: Command = {
  name: 'status',
  summary: 'Fleet summary; exits 1 when anything is wrong, the fleet repositories included',
  help: `Usage: gitfleet status [-o table|json]

The fleet repositories (the commit the clusters get, a newest commit the hub rejected and why,
a fetch that fails), clusters by state and connectivity, bundle placements by phase and health,
rollouts in progress or halted, and the problems: every one counted, the first ${LISTED} of each
kind named (unreachable clusters, each bundle's failed, degraded or missing clusters, drift).

${exitCodesOf({
  ok: 'all good',
  problem:
    'something is failed, degraded, missing, unreachable, halted or drifted, or a fleet repository rejected its newest commit, cannot be fetched or has no accepted commit',
  hub: 'the hub cannot be reached or refused the token',
})}`,
  options: {},
  async run(ctx) {
    // Counts from the hub, and of each kind of trouble the first clusters only: a fleet of
    // 10,000 is never read whole.
    const first = async <T>(path: string, query: Query): Promise<T[]> =>
      (await ctx.hub.get<Page<T>>(path, { ...query, limit: LISTED })).items;
    const [fleet, summary, bundles, rollouts] = await Promise.all([
      ctx.hub.get<Fleet>('/api/v1/fleet'),
      ctx.hub.get<HubSummary>('/api/v1/summary'),
      ctx.hub.list<Bundle>('/api/v1/bundles'),
      ctx.hub.list<Rollout>('/api/v1/rollouts', { clusters: 0 }),
    ]);
    const none = Promise.resolve([]);
    const [unreachable, pending, drifted] = await Promise.all([
      summary.unreachableActive === 0 ? none : first<Cluster>('/api/v1/clusters', { state: 'active', connectivity: 'unreachable' }),
      summary.states.pending === 0 ? none : first<Cluster>('/api/v1/clusters', { state: 'pending' }),
      summary.drift.placements === 0 ? none : first<Cluster>('/api/v1/clusters', { drifted: 'true' }),
    ]);
    // Clusters by name only where a bundle is failed, degraded or missing: its counts say where.
    const troubled = new Map<string, BundleCluster[]>();
    for (const b of bundles.filter((b) => b.placements.some((p) => p.condition.tone === 'bad')))
      troubled.set(b.name, await first<BundleCluster>(`/api/v1/bundles/${segment(b.name)}/clusters`, { tone: 'bad' }));
    const status = summariseFleet({ fleet: fleet.repos, summary, unreachable, pending, drifted, bundles, troubled, rollouts }, ctx.now());
    if (ctx.output === 'json') ctx.json(status);
    else ctx.out(renderStatus(status, ctx));
    return status.ok ? EXIT.ok : EXIT.problem;
  },
};

const REPO_STYLE = { ok: 'green', rejected: 'red', unreachable: 'red', pending: 'yellow' } as const;

function renderStatus(s: FleetSummary, ctx: CommandContext): string {
  const paint = ctx.paint;
  const coloured = (counts: Record<string, number>, order?: readonly string[]) => paintCounts(countList(counts, order), paint);
  const c = s.clusters;
  const r = s.rollouts;
  const rollouts = (['progressing', 'paused', 'halted'] as const)
    .filter((state) => r[state].length > 0)
    .map((state) => `${paint(stateStyle(state), `${r[state].length} ${state}`)} (${r[state].join(', ')})`);
  const fleet = s.fleet.map((repo) => `${repo.name} at ${shortCommit(repo.commit)} (${paint(REPO_STYLE[repo.state], repo.state)})`);
  const fields: [string, string][] = [
    ['Hub', ctx.hub.displayUrl],
    ['Fleet', fleet.length === 0 ? '-' : fleet.join(', ')],
    ['Clusters', `${c.total} total: ${coloured(c.byConnectivity)}; ${coloured(c.byState)}`],
    ['Bundles', `${s.bundles.total} in ${s.placements.total} placements: ${coloured(s.placements.byPhase, PHASES)}`],
    ['Health', coloured(s.placements.byHealth, HEALTHS)],
    ['Ready', `${s.placements.ready}/${s.placements.total} placements synced and healthy`],
    ['Rollouts', rollouts.length === 0 ? 'none in progress' : rollouts.join(', ')],
  ];
  if (s.drifted > 0) fields.push(['Drift', paint('yellow', `${s.drifted} resource${s.drifted === 1 ? '' : 's'}`)]);
  if (s.bundles.pinned.length > 0) fields.push(['Pinned', s.bundles.pinned.join(', ')]);
  if (c.pendingCount > 0)
    fields.push([
      'Awaiting approval',
      [...c.pending, ...(c.pendingCount > c.pending.length ? [`and ${c.pendingCount - c.pending.length} more`] : [])].join(', '),
    ]);
  let text = renderFields(fields);
  if (s.problemCount === 0) return text + `\n${paint('green', 'fleet OK')}\n`;
  text += `\n${paint('red', `${s.problemCount} problem${s.problemCount === 1 ? '' : 's'}:`)}\n`;
  for (const p of s.problems) {
    text += p.more === undefined ? `  ${paint('red', '✗')} ${p.text}\n` : `    ${p.text}\n`;
    for (const line of p.details ?? []) text += `      ${line}\n`;
  }
  return text;
}
