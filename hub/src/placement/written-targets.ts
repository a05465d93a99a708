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

/**
 * What a chunk's write sends of its TargetSets' bundle revisions and target digests, a JSON array
 * of objects each: the entries that differ from its base's as stored, and null for a bundle its
 * base has and it has not (the row's column, merged with it and its nulls stripped, is then the
 * whole). Without a base, or where the row stores no digests, all of them. At ten bundles a
 * cluster, whole, they were 0.9 MB of a 1,000-cluster chunk's 1.1 MB of text.
 */
export function writtenHeads(chunk: Pick<PendingTargetSet, 'digests' | 'bundleRevisions' | 'base'>[]): {
  bundleRevisions: string;
  digests: string;
} {
  const revisions: string[] = [];
  const digests: string[] = [];
  for (const { digests: next, bundleRevisions, base } of chunk) {
    revisions.push(changedEntries(base?.bundleRevisions, bundleRevisions));
    digests.push(changedEntries(base?.digestsStored ? base.digests : undefined, next));
  }
  return { bundleRevisions: `[${revisions.join(',')}]`, digests: `[${digests.join(',')}]` };
}

/** JSON of the entries of `next` that differ from `base`, with null for the keys of `base` that `next` lacks. */
function changedEntries(base: Record<string, string> | undefined, next: Record<string, string>): string {
  if (base === undefined) return JSON.stringify(next);
  const changed: Record<string, string | null> = {};
  for (const key in next) if (base[key] !== next[key]) changed[key] = next[key];
  for (const key in base) if (!(key in next)) changed[key] = null;
  return JSON.stringify(changed);
}
