import type { Cluster, ClusterBundleDetail, ClusterDetail, Resource } from '../api';
import { UsageError, positionals, stringList, stringOption, type Command, type CommandContext } from '../command';
import { EXIT, exitCodesOf } from '../exit-codes';
import { segment } from '../hub-client';
import { age, labelList, shortCommit } from '../render/cells';
import { healthStyle, stateStyle } from '../render/colour';
import { isProblem, paintCondition } from '../render/condition';
import { renderFields, renderTable, type Column } from '../render/table';

const STATES = ['pending', 'active', 'revoked'];
const CONNECTIVITY = ['connected', 'unreachable'];

export const clustersCommand: Command = {
  name: 'clusters',
  summary: 'List clusters (filter by --label, --state); `clusters get <name>` for one',
  help: `Usage: gitfleet clusters [--label k=v ...] [--state s] [--drifted] [-o table|wide|json]
       gitfleet clusters get <name> [-o table|json]

The list shows each cluster's state, connectivity, bundles ready (synced and healthy) and
failed (failed, degraded or missing), and drift.
--label k=v   only clusters with this label (repeat: all must match)
--state s     only clusters in this state: ${[...STATES, ...CONNECTIVITY].join(', ')}
--drifted     only clusters with a drifted resource in some bundle

\`get\` shows the cluster's targets — each bundle's state ("synced · progressing", "failed",
"unknown" while the cluster is unreachable), the commit its TargetSet asks for (desired), the
commit it last applied whole, the commit it last attempted — and every resource with its
health, action and drift.

${exitCodesOf({
  ok: 'everything shown is fine',
  problem: 'a cluster shown is unreachable, or a bundle on it failed, is degraded or missing, or drifted; or no such cluster',
})}`,
  options: { label: { type: 'string', multiple: true }, state: { type: 'string' }, drifted: { type: 'boolean' } },
  async run(ctx, { args, values }) {
    if (args[0] === 'get') {
      const [, name] = positionals('clusters', args, ['get', 'name']);
      return showCluster(ctx, name);
    }
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}" (did you mean "clusters get ${args[0]}"?)`, 'clusters');
    const labels = stringList(values, 'label').map(parseLabel);
    const state = stringOption(values, 'state');
    if (state !== undefined && !STATES.includes(state) && !CONNECTIVITY.includes(state)) {
      throw new UsageError(`--state must be one of ${[...STATES, ...CONNECTIVITY].join(', ')}, got "${state}"`, 'clusters');
    }
    // Filtered by the hub: of a large fleet only the matching clusters are read.
    const clusters = await ctx.hub.list<Cluster>('/api/v1/clusters', {
      label: labels.map(([k, v]) => `${k}=${v}`),
      ...(state === undefined ? {} : STATES.includes(state) ? { state } : { connectivity: state }),
      ...(values.drifted === true ? { drifted: 'true' } : {}),
    });
    if (ctx.output === 'json') ctx.json({ items: clusters });
    else ctx.out(clusters.length === 0 ? 'No clusters.\n' : renderTable(clusterColumns(ctx), clusters));
    return clusters.some(hasProblem) ? EXIT.problem : EXIT.ok;
  },
};

/** An active cluster that is unreachable, or a bundle on it that is wrong or drifted. */
function hasProblem(cluster: Cluster): boolean {
  if (cluster.state === 'active' && cluster.connectivity === 'unreachable') return true;
  return cluster.bundles.some((b) => isProblem(b.condition) || b.driftCount > 0);
}

function parseLabel(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`--label must be key=value, got "${text}"`, 'clusters');
  return [text.slice(0, at), text.slice(at + 1)];
}

function clusterColumns(ctx: CommandContext): Column<Cluster>[] {
  const { paint } = ctx;
  const now = ctx.now();
  const columns: Column<Cluster>[] = [
    { header: 'name', cell: (c) => c.name },
    { header: 'state', cell: (c) => paint(stateStyle(c.state), c.state) },
    { header: 'connectivity', cell: (c) => paint(stateStyle(c.connectivity), c.connectivity) },
    { header: 'ready', cell: (c) => `${c.bundles.filter((b) => b.condition.tone === 'ok').length}/${c.bundles.length}`, align: 'right' },
    {
      header: 'failed',
      cell: (c) => {
        const n = c.bundles.filter((b) => b.condition.tone === 'bad').length;
        return n === 0 ? '0' : paint('red', String(n));
      },
      align: 'right',
    },
    { header: 'drift', cell: (c) => String(c.bundles.reduce((n, b) => n + b.driftCount, 0)), align: 'right' },
    { header: 'last seen', cell: (c) => age(c.lastSeenAt, now) },
  ];
  if (ctx.output === 'wide') {
    columns.push(
      {
        header: 'revision',
        cell: (c) => (c.targetSet === null ? '-' : `${c.targetSet.revision} (acked ${c.targetSet.ackedRevision ?? '-'})`),
      },
      { header: 'id', cell: (c) => c.id },
    );
  }
  columns.push({ header: 'labels', cell: (c) => labelList(c.labels) });
  return columns;
}

async function showCluster(ctx: CommandContext, name: string): Promise<number> {
  const cluster = await ctx.hub.get<ClusterDetail>(`/api/v1/clusters/${segment(name)}`);
  const code = hasProblem(cluster) ? EXIT.problem : EXIT.ok;
  if (ctx.output === 'json') {
    ctx.json(cluster);
    return code;
  }
  const { paint } = ctx;
  const now = ctx.now();
  const fields: [string, string][] = [
    ['Name', cluster.name],
    ['ID', cluster.id],
    ['State', paint(stateStyle(cluster.state), cluster.state)],
    ['Connectivity', `${paint(stateStyle(cluster.connectivity), cluster.connectivity)} (last seen ${age(cluster.lastSeenAt, now)} ago)`],
    ['Labels', labelList(cluster.labels)],
    ['Registered', cluster.registeredAt],
    [
      'TargetSet',
      cluster.targetSet === null ? '-' : `revision ${cluster.targetSet.revision}, acked ${cluster.targetSet.ackedRevision ?? 'not yet'}`,
    ],
  ];
  let text = renderFields(fields);
  text += `\nTargets:\n${cluster.bundles.length === 0 ? 'none\n' : renderTable(targetColumns(ctx), cluster.bundles)}`;
  const resources = cluster.bundles.flatMap((b) => b.resources.map((r) => ({ bundle: b.bundle, ...r })));
  text += `\nResources:\n${resources.length === 0 ? 'none reported\n' : renderTable(resourceColumns(ctx), resources)}`;
  for (const b of cluster.bundles) {
    const note = stillLive(b);
    if (note !== undefined) text += `${paint('yellow', `${b.bundle}:`)} ${note}\n`;
  }
  const drifted = resources.filter((r) => r.drifted).length;
  if (drifted > 0)
    text += `\n${paint('yellow', `${drifted} resource${drifted === 1 ? ' has' : 's have'} drifted`)}; see: gitfleet diff ${cluster.name}\n`;
  ctx.out(text);
  return code;
}

/** After an attempt that did not apply the bundle whole: what the cluster still runs. */
export function stillLive(b: ClusterBundleDetail): string | undefined {
  if (b.commit === null || b.lastApplied?.commit === b.commit) return undefined;
  const attempt = `the last attempt was at ${shortCommit(b.commit)}`;
  if (b.lastApplied === null) return `nothing applied yet (${attempt})`;
  const s = b.lastApplied.summary;
  const n = s === null ? undefined : s.created + s.configured + s.unchanged;
  const live = n === undefined ? '' : ` (${n} object${n === 1 ? '' : 's'})`;
  return `the cluster still runs what ${shortCommit(b.lastApplied.commit)} applied${live}; ${attempt}`;
}

function targetColumns(ctx: CommandContext): Column<ClusterBundleDetail>[] {
  const { paint } = ctx;
  const now = ctx.now();
  return [
    { header: 'bundle', cell: (b) => b.bundle },
    // An unreachable cluster claims nothing; what was true when it was last heard from helps anyway.
    {
      header: 'state',
      cell: (b) =>
        paintCondition(b.condition, paint) +
        (b.phase === 'unknown' ? ` (was ${b.lastKnownPhase}${b.lastKnownHealth === 'unknown' ? '' : ` · ${b.lastKnownHealth}`})` : ''),
    },
    { header: 'desired', cell: (b) => shortCommit(b.desiredCommit) },
    { header: 'applied', cell: (b) => shortCommit(b.lastApplied?.commit) },
    { header: 'attempted', cell: (b) => shortCommit(b.commit) },
    { header: 'drift', cell: (b) => String(b.driftCount), align: 'right' },
    { header: 'rollout', cell: (b) => b.rollout ?? '-' },
    { header: 'reported', cell: (b) => age(b.lastReportAt, now) },
    { header: 'message', cell: (b) => b.message || '-' },
  ];
}

function resourceColumns(ctx: CommandContext): Column<Resource & { bundle: string }>[] {
  const { paint } = ctx;
  return [
    { header: 'bundle', cell: (r) => r.bundle },
    { header: 'resource', cell: (r) => resourceName(r) },
    { header: 'action', cell: (r) => (r.action === 'failed' ? paint('red', r.action) : r.action) },
    { header: 'health', cell: (r) => paint(healthStyle(r.health), r.health) },
    { header: 'drift', cell: (r) => (r.drifted ? paint('yellow', 'drifted') : '-') },
    { header: 'message', cell: (r) => r.error || r.healthMessage || '-' },
  ];
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how errors name objects too. */
export function resourceName(r: Pick<Resource, 'kind' | 'namespace' | 'name'>): string {
  return r.namespace === '' ? `${r.kind}/${r.name}` : `${r.kind}/${r.namespace}/${r.name}`;
}
