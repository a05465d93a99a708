import type { ClusterDetail } from '../api';
import { positionals, type Command } from '../command';
import { EXIT, exitCodesOf } from '../exit-codes';
import { HubError, segment } from '../hub-client';
import { colourDiff } from '../render/diff';
import { resourceName } from './clusters';

export const diffCommand: Command = {
  name: 'diff',
  summary: "Show a cluster's drift (live ≠ desired) as coloured diffs; exits 1 when there is drift",
  help: `Usage: gitfleet diff <cluster> [<bundle>] [-o table|json]

Prints the drift the cluster's agent reported: for each drifted resource, a unified diff from
the live object to the desired one (Secret values masked by the agent).

${exitCodesOf({ ok: 'no drift', problem: 'drift (or the cluster or bundle does not exist)' })}`,
  options: {},
  async run(ctx, { args }) {
    const [clusterName, bundleName] = positionals('diff', args, ['cluster'], ['bundle']);
    const cluster = await ctx.hub.get<ClusterDetail>(`/api/v1/clusters/${segment(clusterName)}`);
    const bundles = bundleName === undefined ? cluster.bundles : cluster.bundles.filter((b) => b.bundle === bundleName);
    if (bundleName !== undefined && bundles.length === 0) {
      throw new HubError(
        `cluster ${cluster.name} is not targeted by a bundle named "${bundleName}"`,
        'bundle_not_found',
        EXIT.problem,
        404,
      );
    }
    const drifted = bundles.flatMap((b) => b.resources.filter((r) => r.drifted).map((r) => ({ bundle: b.bundle, ...r })));

    if (ctx.output === 'json') {
      ctx.json({ cluster: cluster.name, items: drifted });
      return drifted.length === 0 ? EXIT.ok : EXIT.problem;
    }
    // An unreachable cluster's drift is what it last said, not what is true now.
    if (cluster.connectivity !== 'connected')
      ctx.note(`note: cluster ${cluster.name} is ${cluster.connectivity}; this is the drift it last reported`);
    if (drifted.length === 0) {
      ctx.out(`No drift on ${cluster.name}${bundleName === undefined ? '' : ` for ${bundleName}`}.\n`);
      return EXIT.ok;
    }
    for (const r of drifted) {
      ctx.out(`${ctx.paint('yellow', `# ${r.bundle}: ${resourceName(r)}`)}\n`);
      const diff = r.driftDiff.endsWith('\n') || r.driftDiff === '' ? r.driftDiff : `${r.driftDiff}\n`;
      ctx.out(diff === '' ? '(drifted; the agent sent no diff)\n' : colourDiff(diff, ctx.paint));
    }
    ctx.out(`\n${drifted.length} drifted resource${drifted.length === 1 ? '' : 's'} on ${cluster.name}\n`);
    return EXIT.problem;
  },
};
