import { NOTHING_KNOWN, sortedTargets, type TargetSpec } from './target-set';
import type { PendingTargetSet } from './target-set-store';

/**
 * What a chunk's write sends of its TargetSets' targets: of each, the targets whose digest
 * differs from its base's (all, without a base), by bundle, and the bundles of its base it no
 * longer has. A target a TargetBuilder built is the bundle target it was built from (in
 * `bundleTargets`, once per chunk, under a key) and the cluster's values. A target from
 * elsewhere (a held or pinned one read back) is sent whole. The whole targets of 10,000
 * clusters were 10 MB of JSON per fleet commit for PostgreSQL to parse into jsonb, and the
 * chunks took about twice as long to write (docs/scale-rounds.md, thirteenth round).
 */
export function writtenTargets(chunk: Pick<PendingTargetSet, 'clusterId' | 'targets' | 'digests' | 'base' | 'known'>[]): {
  bundleTargets: string;
  targetsOf: string[];
  removed: { clusterId: string; bundle: string }[];
} {
  const keys = new Map<TargetSpec, string>();
  const texts: string[] = [];
  const removed: { clusterId: string; bundle: string }[] = [];
  const targetsOf = chunk.map(({ clusterId, targets, digests, base, known = NOTHING_KNOWN }) => {
    if (base !== undefined) for (const bundle of Object.keys(base.digests)) if (!(bundle in digests)) removed.push({ clusterId, bundle });
    const written: string[] = [];
    for (const target of sortedTargets(targets)) {
      const digest = digests[target.bundle];
      if (base !== undefined && digest !== undefined && base.digests[target.bundle] === digest) continue;
      const head = `{"n":${JSON.stringify(target.bundle)}`;
      const built = known.builtFrom(target);
      if (built === undefined) {
        written.push(`${head},"t":${known.textOf(target)}}`);
        continue;
      }
      const { from, valuesJson } = built;
      let key = keys.get(from);
      if (key === undefined) {
        key = String(keys.size);
        keys.set(from, key);
        texts.push(`"${key}":${known.textOf(from)}`);
      }
      written.push(`${head},"b":"${key}","v":${valuesJson}}`);
    }
    return `[${written.join(',')}]`;
  });
  return { bundleTargets: `{${texts.join(',')}}`, targetsOf, removed };
}
