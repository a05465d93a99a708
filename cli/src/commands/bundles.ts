import type { Bundle, BundleCluster, Fleet } from '../api';
import { UsageError, positionals, type Command, type CommandContext } from '../command';
import { EXIT, exitCodesOf } from '../exit-codes';
import { fleetProblems } from '../fleet-summary';
import { segment } from '../hub-client';
import { shortCommit } from '../render/cells';
import { stateStyle } from '../render/colour';
import { conditionCounts, isProblem, paintCondition } from '../render/condition';
import { renderFields, renderTable, type Column } from '../render/table';

export const bundlesCommand: Command = {
  name: 'bundles',
  summary: 'List bundles; `bundles get <name>` for its per-cluster matrix',
  help: `Usage: gitfleet bundles [-o table|wide|json]
       gitfleet bundles get <name> [-o table|json]

The list shows each bundle's fleet commit, its clusters ready (synced and healthy) and the
state of each placement ("synced · progressing", "failed", "unknown" for an unreachable
cluster), rollout and pin. A note on stderr says when a fleet repository's newest commit was
rejected or cannot be fetched: the bundles are then at the last good commit.
\`get\` shows one bundle on every cluster it targets: state and commit.

${exitCodesOf({ ok: 'every placement shown is fine', problem: 'a placement shown failed, is degraded or missing, or its cluster is unreachable; or no such bundle' })}`,
  options: {},
  async run(ctx, { args }) {
    if (args[0] === 'get') {
      const [, name] = positionals('bundles', args, ['get', 'name']);
      return showBundle(ctx, name);
    }
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}" (did you mean "bundles get ${args[0]}"?)`, 'bundles');
    const [bundles, fleet] = await Promise.all([ctx.hub.list<Bundle>('/api/v1/bundles'), ctx.hub.get<Fleet>('/api/v1/fleet')]);
    if (ctx.output === 'json') ctx.json({ items: bundles });
    else ctx.out(bundles.length === 0 ? 'No bundles.\n' : renderTable(bundleColumns(ctx), bundles));
    for (const problem of fleet.repos.flatMap((repo) => fleetProblems(repo, ctx.now())))
      ctx.note(`note: ${problem.text.replace(/:$/, '')}; see gitfleet status`);
    return bundles.some(hasProblem) ? EXIT.problem : EXIT.ok;
  },
};

function hasProblem(bundle: Bundle): boolean {
  return bundle.placements.some((p) => isProblem(p.condition));
}

/** Clusters where it is synced and healthy. */
function ready(bundle: Bundle): number {
  return bundle.placements.reduce((n, p) => n + (p.condition.tone === 'ok' ? p.clusters : 0), 0);
}

function bundleColumns(ctx: CommandContext): Column<Bundle>[] {
  const { paint } = ctx;
  const columns: Column<Bundle>[] = [
    { header: 'name', cell: (b) => b.name },
    { header: 'commit', cell: (b) => shortCommit(b.commit) },
    { header: 'ready', cell: (b) => `${ready(b)}/${b.summary.total}`, align: 'right' },
    { header: 'clusters', cell: (b) => conditionCounts(b.placements, paint) },
    { header: 'rollout', cell: (b) => (b.rollout === null ? '-' : paint(stateStyle(b.rollout), b.rollout)) },
    { header: 'pin', cell: (b) => (b.pin === null ? '-' : paint('magenta', shortCommit(b.pin.commit))) },
  ];
  if (ctx.output === 'wide') columns.push({ header: 'path', cell: (b) => b.path }, { header: 'full commit', cell: (b) => b.commit });
  return columns;
}

async function showBundle(ctx: CommandContext, name: string): Promise<number> {
  const path = `/api/v1/bundles/${segment(name)}`;
  const bundle = await ctx.hub.get<Bundle>(path);
  // Every cluster, page after page: the bundle itself only counts them.
  const clusters = await ctx.hub.list<BundleCluster>(`${path}/clusters`);
  const code = hasProblem(bundle) ? EXIT.problem : EXIT.ok;
  if (ctx.output === 'json') {
    ctx.json({ ...bundle, clusters });
    return code;
  }
  const { paint } = ctx;
  const fields: [string, string][] = [
    ['Name', bundle.name],
    ['Path', bundle.path],
    ['Commit', bundle.commit],
    ['Pin', bundle.pin === null ? '-' : `${paint('magenta', bundle.pin.commit)} since ${bundle.pin.pinnedAt}`],
    ['Rollout', bundle.rollout === null ? '-' : paint(stateStyle(bundle.rollout), bundle.rollout)],
  ];
  const matrix = renderTable<BundleCluster>(
    [
      { header: 'cluster', cell: (c) => c.cluster },
      { header: 'state', cell: (c) => paintCondition(c.condition, paint) },
      { header: 'commit', cell: (c) => shortCommit(c.commit) },
    ],
    clusters,
  );
  ctx.out(`${renderFields(fields)}\nClusters:\n${clusters.length === 0 ? 'none targeted\n' : matrix}`);
  return code;
}
