import { describe, expect, it } from 'vitest';
import type { BundleSpec, ClusterGroupSpec, LabelSelector } from '../fleet-repo/fleet-format';
import type { PlacementCluster, PlacementFleet } from '../placement/placement.service';
import { targetDigest, TargetBuilder, type TargetSpec } from '../placement/target-set';
import { DesiredTargetCache } from './desired-targets';

const selector = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });
const web = (
  commit: string,
  targets: BundleSpec['targets'] = [{ clusterSelector: selector({ matchLabels: { env: 'prod' } }), overrides: {} }],
) =>
  ({
    name: 'web',
    sourcePath: 'apps/web',
    source: { repoUrl: 'https://git.example/fleet.git', commit, path: 'apps/web', ref: 'main' },
    render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
    namespace: 'web',
    targets,
    syncPolicy: { prune: false, selfHeal: true, drift: 'correct' },
    dependsOn: [],
    suspend: false,
    fleetRepo: 'default',
  }) satisfies BundleSpec;

const cluster = (id: string, labels: Record<string, string>): PlacementCluster => ({ id, name: `c-${id}`, labels });

/** Placement's builder, counting the clusters it is asked to build for. */
function counted() {
  const built: string[] = [];
  const cache = new DesiredTargetCache((clusters: PlacementCluster[], fleet: PlacementFleet) => {
    built.push(...clusters.map((c) => c.id));
    const builder = new TargetBuilder(fleet);
    return { targets: new Map(clusters.map((c) => [c.id, builder.targetsFor(c)])), known: builder };
  });
  return { cache, built };
}

const expected = (bundle: BundleSpec, c: PlacementCluster, groups: ClusterGroupSpec[] = []) => {
  const [target] = new TargetBuilder({ bundles: [bundle], groups }).targetsFor(c) as (TargetSpec | undefined)[];
  return target === undefined ? null : { commit: bundle.source.commit, digest: targetDigest(target) };
};

describe('DesiredTargetCache', () => {
  const a = cluster('a', { env: 'prod' });
  const b = cluster('b', { env: 'dev' });

  it("gives each cluster the bundle's target as placement builds it, or null where the bundle does not target it", () => {
    const { cache } = counted();
    const bundle = web('1'.repeat(40));
    const desired = cache.of(bundle, [], [a, b]);
    expect(desired).toEqual(
      new Map([
        ['a', expected(bundle, a)],
        ['b', null],
      ]),
    );
    expect(desired.get('a')?.commit).toBe('1'.repeat(40));
  });

  it('builds again only the clusters whose name or labels changed, and forgets clusters gone', () => {
    const { cache, built } = counted();
    const bundle = web('1'.repeat(40));
    cache.of(bundle, [], [a, b]);
    expect(built).toEqual(['a', 'b']);
    built.length = 0;
    // The same fleet, b now in prod, a new cluster c: only b and c are built.
    const b2 = cluster('b', { env: 'prod' });
    const c = cluster('c', { env: 'prod' });
    const desired = cache.of(bundle, [], [a, b2, c]);
    expect(built).toEqual(['b', 'c']);
    expect(desired.get('b')).toEqual(expected(bundle, b2));
    expect(desired.get('b')?.digest).not.toBe(desired.get('a')?.digest);
    // a is gone: not answered, and when it comes back it is built again.
    built.length = 0;
    expect([...cache.of(bundle, [], [b2, c]).keys()]).toEqual(['b', 'c']);
    cache.of(bundle, [], [a, b2, c]);
    expect(built).toEqual(['a']);
  });

  it('builds every cluster again when the bundle or the groups change', () => {
    const { cache, built } = counted();
    cache.of(web('1'.repeat(40)), [], [a, b]);
    built.length = 0;
    const next = web('2'.repeat(40));
    expect(cache.of(next, [], [a, b]).get('a')).toEqual(expected(next, a));
    expect(built).toEqual(['a', 'b']);

    built.length = 0;
    const byGroup = web('2'.repeat(40), [{ clusterGroup: 'dev', overrides: {} }]);
    const dev: ClusterGroupSpec[] = [{ name: 'dev', selector: selector({ matchLabels: { env: 'dev' } }) }];
    expect(cache.of(byGroup, dev, [a, b])).toEqual(
      new Map([
        ['a', null],
        ['b', expected(byGroup, b, dev)],
      ]),
    );
    built.length = 0;
    const wider: ClusterGroupSpec[] = [{ name: 'dev', selector: selector({}) }];
    expect(cache.of(byGroup, wider, [a, b]).get('a')).toEqual(expected(byGroup, a, wider));
    expect(built).toEqual(['a', 'b']);
  });
});
