import { PHASES, type Bundle } from '../api';
import { UsageError, positionals, type Command, type CommandContext } from '../command';
import { EXIT } from '../exit-codes';
import { segment } from '../hub-client';
import { countList, shortCommit } from '../render/cells';
import { healthStyle, paintCounts, phaseStyle, stateStyle } from '../render/colour';
import { renderFields, renderTable, type Column } from '../render/table';

export const bundlesCommand: Command = {
  name: 'bundles',
  summary: 'List bundles; `bundles get <name>` for its per-cluster matrix',
  help: `Usage: gitfleet bundles [-o table|wide|json]
       gitfleet bundles get <name> [-o table|json]

The list shows each bundle's fleet commit, its clusters by phase, rollout and pin.
\`get\` shows one bundle on every cluster it targets: phase, health and commit.`,
  options: {},
  async run(ctx, { args }) {
    if (args[0] === 'get') {
      const [, name] = positionals('bundles', args, ['get', 'name']);
      return showBundle(ctx, name);
    }
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}" (did you mean "bundles get ${args[0]}"?)`, 'bundles');
    const bundles = await ctx.hub.list<Bundle>('/api/v1/bundles');
    if (ctx.output === 'json') ctx.json({ items: bundles });
    else ctx.out(bundles.length === 0 ? 'No bundles.\n' : renderTable(bundleColumns(ctx), bundles));
    return EXIT.ok;
  },
};

function bundleColumns(ctx: CommandContext): Column<Bundle>[] {
  const { paint } = ctx;
  const columns: Column<Bundle>[] = [
    { header: 'name', cell: (b) => b.name },
    { header: 'commit', cell: (b) => shortCommit(b.commit) },
    { header: 'synced', cell: (b) => `${b.summary.synced ?? 0}/${b.summary.total ?? b.clusters.length}`, align: 'right' },
    {
      header: 'phases',
      cell: (b) => {
        const { total: _total, ...phases } = b.summary;
        return paintCounts(countList(phases, PHASES), paint);
      },
    },
    { header: 'rollout', cell: (b) => (b.rollout === null ? '-' : paint(stateStyle(b.rollout), b.rollout)) },
    { header: 'pin', cell: (b) => (b.pin === null ? '-' : paint('magenta', shortCommit(b.pin.commit))) },
  ];
  if (ctx.output === 'wide') columns.push({ header: 'path', cell: (b) => b.path }, { header: 'full commit', cell: (b) => b.commit });
  return columns;
}

async function showBundle(ctx: CommandContext, name: string): Promise<number> {
  const bundle = await ctx.hub.get<Bundle>(`/api/v1/bundles/${segment(name)}`);
  if (ctx.output === 'json') {
    ctx.json(bundle);
    return EXIT.ok;
  }
  const { paint } = ctx;
  const fields: [string, string][] = [
    ['Name', bundle.name],
    ['Path', bundle.path],
    ['Commit', bundle.commit],
    ['Pin', bundle.pin === null ? '-' : `${paint('magenta', bundle.pin.commit)} since ${bundle.pin.pinnedAt}`],
    ['Rollout', bundle.rollout === null ? '-' : paint(stateStyle(bundle.rollout), bundle.rollout)],
  ];
  const matrix = renderTable<Bundle['clusters'][number]>(
    [
      { header: 'cluster', cell: (c) => c.cluster },
      { header: 'phase', cell: (c) => paint(phaseStyle(c.phase), c.phase) },
      { header: 'health', cell: (c) => paint(healthStyle(c.health), c.health) },
      { header: 'commit', cell: (c) => shortCommit(c.commit) },
    ],
    bundle.clusters,
  );
  ctx.out(`${renderFields(fields)}\nClusters:\n${bundle.clusters.length === 0 ? 'none targeted\n' : matrix}`);
  return EXIT.ok;
}
