import { describe, expect, it } from 'vitest';
import type { BundleSpec } from '../fleet-repo/fleet-format';
import { PlacementPass, type PlacementCluster, type PlacementFleet } from './placement-pass';
import { TargetDigests } from './target-digests';
import { targetDigest, targetSetChecksum, targetsFor } from './target-set';
import type { HeldTargetSet } from './target-set-store';

/** A small deterministic PRNG (mulberry32): the same fleets on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENVS = ['prod', 'dev', 'edge'];

const valuesOf = (size: string): Record<string, string> => (size === '' ? {} : { size });

/** Four bundles with targets by env; each round changes some bundles' commit or values and leaves the rest as they were. */
function fleets(next: () => number): (round: number) => PlacementFleet {
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  const state = ['app', 'db', 'web', 'cache'].map((name) => ({ name, envs: [pick(ENVS), pick(ENVS)], commit: 0, size: '' }));
  return (round) => {
    for (const b of state) {
      if (next() < 0.2) b.commit = round;
      if (next() < 0.2) b.size = pick(['', 's', 'm']);
    }
    const bundles: BundleSpec[] = state.map(({ name, envs, commit, size }) => ({
      name,
      sourcePath: `apps/${name}`,
      source: { repoUrl: 'https://git.example/fleet.git', commit: String(commit).padStart(40, '0'), path: name, ref: 'main' },
      render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
      namespace: name,
      targets: [
        {
          clusterSelector: { matchLabels: { env: envs[0] }, matchExpressions: [] },
          overrides: { values: valuesOf(size) },
        },
        { clusterSelector: { matchLabels: { env: envs[1] }, matchExpressions: [] }, overrides: {} },
      ],
      syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
      dependsOn: [],
      suspend: false,
      fleetRepo: 'default',
    }));
    return { bundles, groups: [] };
  };
}

describe('PlacementPass', () => {
  it('gives, pass after pass, the TargetSets and digests computed from scratch', () => {
    const next = random(16);
    const fleetAt = fleets(next);
    const digests = new TargetDigests();
    const clusters: PlacementCluster[] = Array.from({ length: 40 }, (_, i) => ({
      id: String(i),
      name: `c${i}`,
      labels: { env: ENVS[i % 3] },
    }));
    const held = new Map<string, HeldTargetSet>();
    let changedSeen = 0;
    let unchangedSeen = 0;
    for (let round = 1; round <= 12; round++) {
      const fleet = fleetAt(round);
      // Some clusters change labels between passes.
      for (const cluster of clusters) if (next() < 0.05) cluster.labels = { env: ENVS[Math.floor(next() * 3)] };
      const forPass = digests.forPass(true);
      const pass = new PlacementPass({ fleet, gates: new Map(), pins: [], policyOf: () => undefined }, forPass);
      for (const cluster of clusters) {
        const before = held.get(cluster.id);
        const placed = pass.place(cluster, before);
        const expected = targetsFor(cluster, fleet);
        const checksum = targetSetChecksum(expected);
        if (!placed.changed) {
          unchangedSeen++;
          expect(before?.checksum).toBe(checksum);
          continue;
        }
        changedSeen++;
        const { pending } = placed;
        expect(pending.checksum).toBe(checksum);
        expect(pending.targets).toEqual(expected);
        expect(pending.digests).toEqual(Object.fromEntries(expected.map((t) => [t.bundle, targetDigest(t)])));
        const revision = before === undefined ? '1' : String(Number(before.revision) + 1);
        for (const t of expected)
          expect(pending.bundleRevisions[t.bundle]).toBe(
            before?.digests[t.bundle] === pending.digests[t.bundle] ? before.bundle_revisions[t.bundle] : revision,
          );
        held.set(cluster.id, {
          id: cluster.id,
          revision,
          checksum,
          digests: pending.digests,
          bundle_revisions: pending.bundleRevisions,
          digestsMissing: false,
          targets: undefined,
        });
      }
      forPass.end();
    }
    // The rounds exercised both paths.
    expect(changedSeen).toBeGreaterThan(100);
    expect(unchangedSeen).toBeGreaterThan(50);
  });
});
