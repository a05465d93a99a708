import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RenderKind } from '#proto';
import type { BundleSpec, ClusterGroupSpec, LabelSelector } from '../fleet-repo/fleet-format';
import { canonicalJson, DEFAULT_BUNDLE_POLICY } from '#core';
import { clusterInGroup, deepMerge, TargetBuilder, targetSetChecksum, targetsFor, withPolicies, type TargetSpec } from './target-set';

const selector = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });

const FLEET = { repoUrl: 'https://git.example/fleet.git', commit: 'a'.repeat(40) };

const bundle = (name: string, targets: LabelSelector[], path = `apps/${name}`): BundleSpec => ({
  name,
  sourcePath: path,
  source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path, ref: 'main' },
  render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
  namespace: name,
  targets: targets.map((clusterSelector) => ({ clusterSelector, overrides: {} })),
  syncPolicy: { prune: false, selfHeal: true, drift: 'correct' },
  dependsOn: [],
  suspend: false,
  fleetRepo: 'default',
});

const RAW = { kind: RenderKind.RENDER_KIND_RAW, helmReleaseName: '', helmValuesYaml: '', kustomizePatches: [] };
const fleetOf = (bundles: BundleSpec[], groups: ClusterGroupSpec[] = []) => ({ bundles, groups });

describe('targetsFor', () => {
  const bundles = [
    bundle('web', [selector({ matchLabels: { env: 'prod' } }), selector({ matchLabels: { env: 'staging' } })]),
    bundle('monitoring', [selector({})]),
    bundle('nowhere', []),
  ];

  it('gives a cluster every bundle one of whose targets selects it, sorted by bundle, with its labels as values', () => {
    expect(targetsFor({ name: 'c1', labels: { env: 'staging', region: 'eu' } }, fleetOf(bundles))).toEqual([
      {
        bundle: 'monitoring',
        source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path: 'apps/monitoring' },
        defaultNamespace: 'monitoring',
        syncPolicy: { prune: false, selfHeal: true },
        values: { 'cluster.name': 'c1', 'cluster.labels.env': 'staging', 'cluster.labels.region': 'eu' },
        render: RAW,
        dependsOn: [],
        suspend: false,
      },
      {
        bundle: 'web',
        source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path: 'apps/web' },
        defaultNamespace: 'web',
        syncPolicy: { prune: false, selfHeal: true },
        values: { 'cluster.name': 'c1', 'cluster.labels.env': 'staging', 'cluster.labels.region': 'eu' },
        render: RAW,
        dependsOn: [],
        suspend: false,
      },
    ]);
  });

  it('gives a cluster nothing when no target selects it', () => {
    expect(targetsFor({ name: 'c1', labels: { env: 'dev' } }, fleetOf([bundles[0], bundles[2]]))).toEqual([]);
  });
});

describe('targetSetChecksum', () => {
  const targets = targetsFor({ name: 'c1', labels: { env: 'prod' } }, fleetOf([bundle('b', [selector({})]), bundle('a', [selector({})])]));

  it('is the SHA-256 of the canonical JSON: sorted by bundle, keys sorted, no whitespace', () => {
    const one = (b: string) =>
      `{"bundle":"${b}","defaultNamespace":"${b}","dependsOn":[],` +
      `"render":{"helmReleaseName":"","helmValuesYaml":"","kind":1,"kustomizePatches":[]},` +
      `"source":{"commit":"${FLEET.commit}","path":"apps/${b}","repoUrl":"https://git.example/fleet.git"},` +
      `"suspend":false,"syncPolicy":{"prune":false,"selfHeal":true},"values":{"cluster.labels.env":"prod","cluster.name":"c1"}}`;
    const expectedJson = `[${one('a')},${one('b')}]`;
    expect(canonicalJson([...targets].sort((x, y) => x.bundle.localeCompare(y.bundle)))).toBe(expectedJson);
    expect(targetSetChecksum(targets)).toBe(createHash('sha256').update(expectedJson).digest('hex'));
  });

  it('does not depend on the order of targets or of keys', () => {
    // The same targets with the keys of every object in reverse order.
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverseKeys(v)]),
            )
          : value;
    const shuffled = [...targets].reverse().map((t) => reverseKeys(t) as TargetSpec);
    expect(Object.keys(shuffled[0])[0]).not.toBe(Object.keys(targets[0])[0]);
    expect(targetSetChecksum(shuffled)).toBe(targetSetChecksum(targets));
  });

  it('changes when anything in a target changes', () => {
    const base = targetSetChecksum(targets);
    const other = targets.map((t, i) => (i === 0 ? { ...t, source: { ...t.source!, commit: 'b'.repeat(40) } } : t));
    expect(targetSetChecksum(other)).not.toBe(base);
    expect(targetSetChecksum([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });
});

describe('withPolicies', () => {
  const targets = targetsFor({ name: 'c1', labels: {} }, fleetOf([bundle('a', [selector({})]), bundle('b', [selector({})])]));
  const strict = { ...DEFAULT_BUNDLE_POLICY, namespaces: ['a'] };
  const repoOf = (b: string) => (b === 'a' ? 'teams' : b === 'b' ? 'default' : undefined);

  it("gives each target its repository's policy now, and none where the repository has none", () => {
    const placed = withPolicies(targets, repoOf, (repo) => (repo === 'teams' ? strict : undefined));
    expect(placed.map((t) => [t.bundle, t.policy])).toEqual([
      ['a', strict],
      ['b', undefined],
    ]);
    // A held target keeps no policy its repository no longer has.
    expect(withPolicies(placed, repoOf, () => undefined).every((t) => !('policy' in t))).toBe(true);
  });

  it('a repository without a policy leaves the checksum as it was; a policy change changes it', () => {
    const before = targetSetChecksum(targets);
    expect(targetSetChecksum(withPolicies(targets, repoOf, () => undefined))).toBe(before);
    const once = targetSetChecksum(withPolicies(targets, repoOf, (r) => (r === 'teams' ? strict : undefined)));
    const widened = targetSetChecksum(
      withPolicies(targets, repoOf, (r) => (r === 'teams' ? { ...strict, namespaces: ['a', 'x'] } : undefined)),
    );
    expect(new Set([before, once, widened]).size).toBe(3);
  });
});

describe('targetsFor: six clusters, selectors, groups and overrides', () => {
  const clusters: { name: string; labels: Record<string, string> }[] = [
    { name: 'prod-eu-1', labels: { env: 'prod', region: 'eu', tier: 'gold' } },
    { name: 'prod-eu-2', labels: { env: 'prod', region: 'eu', canary: 'true' } },
    { name: 'prod-us-1', labels: { env: 'prod', region: 'us' } },
    { name: 'staging-eu', labels: { env: 'staging', region: 'eu', canary: 'true' } },
    { name: 'dev-1', labels: { env: 'dev' } },
    { name: 'edge-1', labels: { env: 'prod', region: 'edge', tier: 'gold' } },
  ];
  const groups: ClusterGroupSpec[] = [
    { name: 'canaries', selector: selector({ matchLabels: { canary: 'true' } }) },
    { name: 'europe', selector: selector({ matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] }) },
  ];
  const web: BundleSpec = {
    ...bundle('web', []),
    render: {
      kind: 'helm',
      helmReleaseName: 'web',
      helmValues: { replicas: 2, image: { repo: 'web', tag: '1.0' }, hosts: ['a'] },
      kustomizePatches: [],
    },
    targets: [
      // First match wins: a canary in Europe gets the canary overrides, not the Europe ones.
      { name: 'canary', clusterGroup: 'canaries', overrides: { helmValues: { image: { tag: '1.1-rc' } }, values: { track: 'canary' } } },
      { name: 'europe', clusterGroup: 'europe', overrides: { helmValues: { replicas: 3, hosts: ['eu'] } } },
      { clusterSelector: selector({ matchLabels: { tier: 'gold' } }), overrides: { values: { track: 'gold' } } },
    ],
    dependsOn: ['monitoring'],
  };
  const api: BundleSpec = {
    ...bundle('api', [selector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] })]),
    render: {
      kind: 'kustomize',
      helmValues: {},
      kustomizePatches: [{ patch: 'kind: Deployment\nmetadata: { name: api }\n', target: { kind: 'Deployment' } }],
    },
    targets: [
      {
        clusterSelector: selector({ matchLabels: { region: 'us' } }),
        overrides: { kustomizePatches: [{ patch: 'kind: ConfigMap\nmetadata: { name: us }\n' }] },
      },
      { clusterSelector: selector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }), overrides: {} },
    ],
    syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
    suspend: true,
  };
  const monitoring = bundle('monitoring', [selector({})]);
  const ghost: BundleSpec = { ...bundle('ghost', []), targets: [{ clusterGroup: 'no-such-group', overrides: {} }] };
  const fleet = fleetOf([web, api, monitoring, ghost], groups);
  const placed = Object.fromEntries(clusters.map((c) => [c.name, targetsFor(c, fleet)]));

  it('gives each cluster exactly the bundles a target selects it for', () => {
    expect(Object.fromEntries(Object.entries(placed).map(([name, targets]) => [name, targets.map((t) => t.bundle)]))).toEqual({
      'prod-eu-1': ['api', 'monitoring', 'web'],
      'prod-eu-2': ['api', 'monitoring', 'web'],
      'prod-us-1': ['api', 'monitoring'],
      'staging-eu': ['api', 'monitoring', 'web'],
      'dev-1': ['monitoring'],
      'edge-1': ['api', 'monitoring', 'web'],
    });
  });

  it('applies the first matching target: Helm values deep-merged into one YAML document, values added to the labels', () => {
    const webOn = (name: string) => placed[name].find((t) => t.bundle === 'web')!;
    expect(webOn('prod-eu-2')).toEqual({
      bundle: 'web',
      source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path: 'apps/web' },
      defaultNamespace: 'web',
      syncPolicy: { prune: false, selfHeal: true },
      values: {
        'cluster.name': 'prod-eu-2',
        'cluster.labels.env': 'prod',
        'cluster.labels.region': 'eu',
        'cluster.labels.canary': 'true',
        track: 'canary',
      },
      render: {
        kind: RenderKind.RENDER_KIND_HELM,
        helmReleaseName: 'web',
        helmValuesYaml: 'hosts:\n  - a\nimage:\n  repo: web\n  tag: 1.1-rc\nreplicas: 2\n',
        kustomizePatches: [],
      },
      dependsOn: ['monitoring'],
      suspend: false,
    });
    expect(webOn('prod-eu-1').render!.helmValuesYaml).toBe('hosts:\n  - eu\nimage:\n  repo: web\n  tag: "1.0"\nreplicas: 3\n');
    expect(webOn('prod-eu-1').values).toEqual({
      'cluster.name': 'prod-eu-1',
      'cluster.labels.env': 'prod',
      'cluster.labels.region': 'eu',
      'cluster.labels.tier': 'gold',
    });
    expect(webOn('edge-1').values.track).toBe('gold');
    // The cluster's own values, shared by its targets without values of their own, stay its own.
    const others = placed['prod-eu-2'].filter((t) => t.bundle !== 'web');
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) expect(other.values).toEqual({ ...webOn('prod-eu-2').values, track: undefined });
    for (const other of others) expect(other.values).not.toHaveProperty('track');
    expect(webOn('edge-1').render!.helmValuesYaml).toBe('hosts:\n  - a\nimage:\n  repo: web\n  tag: "1.0"\nreplicas: 2\n');
  });

  it("appends a target's Kustomize patches to the bundle's and carries prune, drift, suspend", () => {
    const apiOn = (name: string) => placed[name].find((t) => t.bundle === 'api')!;
    expect(apiOn('prod-us-1').render).toEqual({
      kind: RenderKind.RENDER_KIND_KUSTOMIZE,
      helmReleaseName: '',
      helmValuesYaml: '',
      kustomizePatches: [
        {
          patch: 'kind: Deployment\nmetadata: { name: api }\n',
          targetKind: 'Deployment',
          targetName: '',
          targetNamespace: '',
          targetLabelSelector: '',
        },
        {
          patch: 'kind: ConfigMap\nmetadata: { name: us }\n',
          targetKind: '',
          targetName: '',
          targetNamespace: '',
          targetLabelSelector: '',
        },
      ],
    });
    expect(apiOn('prod-eu-1').render!.kustomizePatches).toHaveLength(1);
    expect([apiOn('prod-eu-1').syncPolicy, apiOn('prod-eu-1').suspend]).toEqual([{ prune: true, selfHeal: false }, true]);
  });

  it('knows group membership; an unknown group holds nobody', () => {
    expect(clusters.filter((c) => clusterInGroup(c, 'canaries', groups)).map((c) => c.name)).toEqual(['prod-eu-2', 'staging-eu']);
    expect(clusterInGroup(clusters[0], 'no-such-group', groups)).toBe(false);
  });

  it('merges Helm values like Helm: maps key by key, lists and scalars replaced', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3] }, e: true })).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: true });
  });
});

describe('TargetBuilder', () => {
  const web: BundleSpec = {
    ...bundle('web', []),
    render: { kind: 'helm', helmReleaseName: 'web', helmValues: { replicas: 2, image: { tag: '1.0' } }, kustomizePatches: [] },
    targets: [
      {
        clusterSelector: selector({ matchLabels: { tier: 'gold' } }),
        overrides: { helmValues: { replicas: 5 }, values: { track: 'gold' } },
      },
      { clusterSelector: selector({}), overrides: {} },
    ],
    source: { ...bundle('web', []).source, artifact: { digest: `sha256:${'c'.repeat(64)}`, size: 10, compressedSize: 5 } },
    fleetRepo: 'teams',
  };
  const fleet = fleetOf([web, bundle('api', [selector({})])]);
  const strict = { ...DEFAULT_BUNDLE_POLICY, namespaces: ['web'] };
  const builder = new TargetBuilder(fleet, (b) => (b.fleetRepo === 'teams' ? strict : undefined));
  const clusters: { name: string; labels: Record<string, string> }[] = [
    { name: 'gold-1', labels: { tier: 'gold', 'quote"key': 'v\\al' } },
    { name: 'plain-1', labels: {} },
    { name: 'gold-2', labels: { tier: 'gold' } },
  ];

  it('gives each cluster what targetsFor and withPolicies give, and a checksum over the whole canonical JSON', () => {
    for (const cluster of clusters) {
      const built = builder.targetsFor(cluster);
      const expected = withPolicies(
        targetsFor(cluster, fleet),
        (b) => (b === 'web' ? 'teams' : 'default'),
        (r) => (r === 'teams' ? strict : undefined),
      );
      expect(built).toEqual(expected);
      for (const target of built) expect(builder.textOf(target)).toBe(canonicalJson(target));
      expect(targetSetChecksum(built)).toBe(createHash('sha256').update(canonicalJson(expected)).digest('hex'));
    }
  });

  it('shares one target object per bundle target across clusters, apart from their values', () => {
    const [gold1, gold2, plain] = [builder.targetsFor(clusters[0]), builder.targetsFor(clusters[2]), builder.targetsFor(clusters[1])];
    const webOf = (targets: TargetSpec[]) => targets.find((t) => t.bundle === 'web')!;
    expect(webOf(gold1).render).toBe(webOf(gold2).render);
    expect(webOf(gold1).render).not.toBe(webOf(plain).render);
    expect(webOf(gold1).values).not.toBe(webOf(gold2).values);
    // withPolicies keeps a target already carrying its repository's policy as it is.
    expect(
      withPolicies(
        gold1,
        (b) => (b === 'web' ? 'teams' : 'default'),
        (r) => (r === 'teams' ? strict : undefined),
      )[1],
    ).toBe(webOf(gold1));
  });
});
