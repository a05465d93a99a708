import { sha256Hex } from '#core';
import { describe, expect, it } from 'vitest';
import type { BundleSpec } from '../fleet-repo/fleet-format';
import { TargetDigests } from './target-digests';
import { TargetBuilder, targetDigest, type TargetSpec } from './target-set';

const bundle = (name: string, commit: string, values: Record<string, string> = {}): BundleSpec => ({
  name,
  sourcePath: `apps/${name}`,
  source: { repoUrl: 'https://git.example/fleet.git', commit, path: `apps/${name}`, ref: 'main' },
  render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
  namespace: name,
  targets: [
    // The first selects prod clusters and sets a value of its own; the second every other cluster.
    { clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] }, overrides: { values } },
    { clusterSelector: { matchLabels: {}, matchExpressions: [] }, overrides: {} },
  ],
  syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
  dependsOn: [],
  suspend: false,
  fleetRepo: 'default',
});

const clusters: { name: string; labels: Record<string, string> }[] = [
  { name: 'a', labels: { env: 'prod' } },
  { name: 'b', labels: { env: 'prod' } },
  { name: 'c', labels: { env: 'dev' } },
];

/** A TargetDigests that counts the digests it computed. */
function counted(): { digests: TargetDigests; computed: () => number } {
  let computed = 0;
  const digests = new TargetDigests((text) => {
    computed++;
    return sha256Hex(text);
  });
  return { digests, computed: () => computed };
}

/** One pass over `cluster`s: every target's digest, checked against targetDigest. */
function pass(digests: TargetDigests, bundles: BundleSpec[], placed = clusters, wholeFleet = true): TargetSpec[] {
  const builder = new TargetBuilder({ bundles, groups: [] });
  const forPass = digests.forPass(wholeFleet);
  const targets = placed.flatMap((c) => builder.targetsFor(c));
  for (const target of targets) expect(forPass.digestOf(target, builder)).toBe(targetDigest(target));
  forPass.end();
  return targets;
}

describe('TargetDigests', () => {
  it('computes again only the targets whose bundle target or values changed', () => {
    const { digests, computed } = counted();
    pass(digests, [bundle('app', '1'.repeat(40)), bundle('db', '2'.repeat(40))]);
    expect(computed()).toBe(6);

    // A new commit of app: its three targets are new texts; db's are as before, built anew from a new fleet.
    pass(digests, [bundle('app', '3'.repeat(40)), bundle('db', '2'.repeat(40))]);
    expect(computed()).toBe(9);

    // The value prod clusters get from db changes: two targets; the dev cluster's is as before.
    pass(digests, [bundle('app', '3'.repeat(40)), bundle('db', '2'.repeat(40), { tier: 'gold' })]);
    expect(computed()).toBe(11);

    // A cluster's own values change (a label): its targets only.
    pass(
      digests,
      [bundle('app', '3'.repeat(40)), bundle('db', '2'.repeat(40), { tier: 'gold' })],
      [clusters[0], clusters[1], { name: 'c', labels: { env: 'dev', zone: 'x' } }],
    );
    expect(computed()).toBe(13);
  });

  it('computes the digest of a target a builder did not build (a held or pinned one), and remembers none', () => {
    const { digests, computed } = counted();
    const builder = new TargetBuilder({ bundles: [bundle('app', '1'.repeat(40))], groups: [] });
    const [built] = builder.targetsFor(clusters[0]);
    const copy = structuredClone(built);
    const forPass = digests.forPass(false);
    expect(forPass.digestOf(copy, builder)).toBe(targetDigest(built));
    expect(forPass.digestOf(copy, builder)).toBe(targetDigest(built));
    expect(computed()).toBe(2);
    expect(digests.size).toBe(0);
  });

  it('forgets, after a pass over the whole fleet, what that pass neither used nor kept', () => {
    const { digests, computed } = counted();
    const app = bundle('app', '1'.repeat(40));
    const db = bundle('db', '2'.repeat(40));
    pass(digests, [app, db]);
    expect(digests.size).toBe(6);

    // Placing some clusters (a registration) adds what it computes and forgets nothing.
    pass(digests, [app, db], [{ name: 'd', labels: { env: 'dev' } }], false);
    expect(digests.size).toBe(8);

    // A pass over the whole fleet, where db's TargetSets are as stored (kept) and app left the fleet.
    const builder = new TargetBuilder({ bundles: [db], groups: [] });
    const forPass = digests.forPass(true);
    for (const c of clusters) forPass.keep(builder.targetsFor(c), builder);
    forPass.end();
    expect(digests.size).toBe(3);

    // What was kept is still known: nothing computed again.
    const before = computed();
    pass(digests, [db]);
    expect(computed()).toBe(before);
  });

  it('keeps everything when a pass over the whole fleet fails before its end', () => {
    const { digests } = counted();
    pass(digests, [bundle('app', '1'.repeat(40))]);
    const failed = digests.forPass(true);
    const builder = new TargetBuilder({ bundles: [bundle('app', '4'.repeat(40))], groups: [] });
    failed.digestOf(builder.targetsFor(clusters[0])[0], builder);
    expect(digests.size).toBe(4);
  });
});
