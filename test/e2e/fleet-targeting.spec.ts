/**
 * Targeting and overrides across six clusters with different labels (env, region, tier), on
 * real parts: ClusterGroups, selectors with every operator, first-match-wins targets whose
 * overrides substitute `${cluster.labels.region}` and target values into a raw ConfigMap, and a
 * Kustomize bundle with a bundle-wide patch plus a per-target patch. Asserts exactly which
 * objects with which content land on which cluster, read through client-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { managedConfigMaps, readConfigMap, startFleet, type ClusterView, type Fleet } from '../support/fleet';

const CLUSTERS = [
  { name: 'prod-eu', labels: { env: 'prod', region: 'eu', tier: 'frontend' } },
  { name: 'prod-us', labels: { env: 'prod', region: 'us', tier: 'frontend' } },
  { name: 'prod-ap', labels: { env: 'prod', region: 'ap', tier: 'backend' } },
  { name: 'stage-eu', labels: { env: 'staging', region: 'eu', tier: 'backend' } },
  { name: 'stage-us', labels: { env: 'staging', region: 'us', tier: 'frontend' } },
  { name: 'dev-eu', labels: { env: 'dev', region: 'eu', tier: 'backend' } },
];

const FILES = {
  'fleet/groups.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: prod
spec:
  selector:
    matchLabels:
      env: prod
---
apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: frontends
spec:
  selector:
    matchLabels:
      tier: frontend
`,
  // First match wins: prod in eu/us gets "west", the rest of prod (ap) "east", staging "preview"; dev nothing.
  'fleet/regional.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: regional
spec:
  source:
    path: apps/regional
  namespace: default
  targets:
    - name: prod-west
      clusterSelector:
        matchLabels: { env: prod }
        matchExpressions:
          - { key: region, operator: In, values: [eu, us] }
      overrides:
        values: { track: west }
    - name: prod-rest
      clusterGroup: prod
      overrides:
        values: { track: east }
    - name: staging
      clusterSelector:
        matchLabels: { env: staging }
      overrides:
        values: { track: preview }
`,
  'apps/regional/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: regional
data:
  region: "\${cluster.labels.region}"
  cluster: "\${cluster.name}"
  track: "\${track}"
`,
  'fleet/frontend.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: frontend
spec:
  source:
    path: apps/frontend
    kind: kustomize
    kustomize:
      patches:
        - target: { kind: ConfigMap, name: frontend-settings }
          patch: |
            - op: add
              path: /data/patched
              value: bundle
  namespace: default
  targets:
    - name: eu-frontends
      clusterSelector:
        matchLabels: { tier: frontend, region: eu }
      overrides:
        kustomizePatches:
          - patch:
              apiVersion: v1
              kind: ConfigMap
              metadata: { name: frontend-settings }
              data: { size: large }
    - name: frontends
      clusterGroup: frontends
  syncPolicy:
    prune: true
`,
  'apps/frontend/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - settings.yaml
`,
  'apps/frontend/settings.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: frontend-settings
data:
  size: small
`,
  // Exists / NotIn / DoesNotExist: backends outside ap that carry no "frozen" label.
  'fleet/batch.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: batch
spec:
  source:
    path: apps/batch
  namespace: default
  targets:
    - clusterSelector:
        matchExpressions:
          - { key: tier, operator: In, values: [backend] }
          - { key: region, operator: NotIn, values: [ap] }
          - { key: env, operator: Exists }
          - { key: frozen, operator: DoesNotExist }
`,
  'apps/batch/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: batch-config
data:
  env: "\${cluster.labels.env}"
`,
};

/** What each cluster must hold: bundle → ConfigMap name → data. */
const EXPECTED: Record<string, Record<string, Record<string, Record<string, string>>>> = {
  'prod-eu': {
    regional: { regional: { region: 'eu', cluster: 'prod-eu', track: 'west' } },
    frontend: { 'frontend-settings': { size: 'large', patched: 'bundle' } },
  },
  'prod-us': {
    regional: { regional: { region: 'us', cluster: 'prod-us', track: 'west' } },
    frontend: { 'frontend-settings': { size: 'small', patched: 'bundle' } },
  },
  'prod-ap': {
    regional: { regional: { region: 'ap', cluster: 'prod-ap', track: 'east' } },
  },
  'stage-eu': {
    regional: { regional: { region: 'eu', cluster: 'stage-eu', track: 'preview' } },
    batch: { 'batch-config': { env: 'staging' } },
  },
  'stage-us': {
    regional: { regional: { region: 'us', cluster: 'stage-us', track: 'preview' } },
    frontend: { 'frontend-settings': { size: 'small', patched: 'bundle' } },
  },
  'dev-eu': {
    batch: { 'batch-config': { env: 'dev' } },
  },
};

describe('fleet: targeting and overrides across six clusters', { timeout: 90_000 }, () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ files: FILES, clusters: CLUSTERS });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('gives each cluster exactly the bundles that select it, all synced at the first commit', async () => {
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) {
          const { status, body } = await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`);
          expect(status).toBe(200);
          expect(body.connectivity).toBe('connected');
          expect(body.labels).toEqual(fleet.cluster(name).labels);
          const bundles = Object.fromEntries(body.bundles.map((b) => [b.bundle, { phase: b.phase, health: b.health, commit: b.commit }]));
          const want = Object.fromEntries(
            Object.keys(EXPECTED[name]).map((b) => [b, { phase: 'synced', health: 'healthy', commit: fleet.firstCommit }]),
          );
          expect({ name, bundles }).toEqual({ name, bundles: want });
        }
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );

    const { body } = await fleet.api.get<{ items: { name: string; summary: { total: number } }[] }>('/api/v1/bundles');
    const clustersOf = async (bundle: string) =>
      (await fleet.api.get<{ items: { cluster: string }[] }>(`/api/v1/bundles/${bundle}/clusters`)).body.items.map((c) => c.cluster);
    const placed = Object.fromEntries(await Promise.all(body.items.map(async (b) => [b.name, await clustersOf(b.name)])));
    expect(Object.fromEntries(body.items.map((b) => [b.name, b.summary.total]))).toEqual({ regional: 5, frontend: 3, batch: 2 });
    expect(placed).toEqual({
      regional: ['prod-ap', 'prod-eu', 'prod-us', 'stage-eu', 'stage-us'],
      frontend: ['prod-eu', 'prod-us', 'stage-us'],
      batch: ['dev-eu', 'stage-eu'],
    });
  });

  it('lands exactly the expected objects with the substituted and patched content on each cluster', async () => {
    for (const { name } of CLUSTERS) {
      const cluster = fleet.cluster(name);
      const expected = EXPECTED[name];
      const wantNames = Object.values(expected)
        .flatMap((cms) => Object.keys(cms))
        .sort();
      expect({ name, configMaps: await managedConfigMaps(cluster, 'default') }).toEqual({ name, configMaps: wantNames });
      for (const [bundle, cms] of Object.entries(expected)) {
        for (const [cmName, data] of Object.entries(cms)) {
          const cm = await readConfigMap(cluster, 'default', cmName);
          expect({ name, cmName, data: cm?.data }).toEqual({ name, cmName, data });
          expect(cm?.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle': bundle });
        }
      }
    }
  });

  it('follows a commit that changes a group, a selector and an override: pruned where prune is on, orphaned where it is off', async () => {
    const second = await fleet.repo.commit(
      {
        // The frontends group now holds prod clusters only: stage-us loses "frontend" (prune on).
        'fleet/groups.yaml': FILES['fleet/groups.yaml'].replace('      tier: frontend\n', '      tier: frontend\n      env: prod\n'),
        // Staging's track changes.
        'fleet/regional.yaml': FILES['fleet/regional.yaml'].replace('track: preview', 'track: beta'),
        // dev leaves "batch" (prune off: its object stays, orphaned).
        'fleet/batch.yaml': FILES['fleet/batch.yaml'].replace(
          '          - { key: frozen, operator: DoesNotExist }\n',
          '          - { key: frozen, operator: DoesNotExist }\n          - { key: env, operator: NotIn, values: [dev] }\n',
        ),
      },
      'retarget',
    );
    const want: Record<string, string[]> = {
      'prod-eu': ['frontend', 'regional'],
      'prod-us': ['frontend', 'regional'],
      'prod-ap': ['regional'],
      'stage-eu': ['batch', 'regional'],
      'stage-us': ['regional'],
      'dev-eu': [],
    };
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) {
          const { body } = await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`);
          // frontend itself is as it was (its group changed, not its spec or files): it keeps the
          // first commit, on the clusters the group still holds.
          expect({ name, bundles: body.bundles.map((b) => [b.bundle, b.phase, b.commit]).sort() }).toEqual({
            name,
            bundles: want[name].map((b) => [b, 'synced', b === 'frontend' ? fleet.firstCommit : second]),
          });
        }
        expect(await readConfigMap(fleet.cluster('stage-us'), 'default', 'frontend-settings')).toBeUndefined();
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect((await readConfigMap(fleet.cluster('stage-eu'), 'default', 'regional'))?.data).toEqual({
      region: 'eu',
      cluster: 'stage-eu',
      track: 'beta',
    });
    expect((await readConfigMap(fleet.cluster('stage-us'), 'default', 'regional'))?.data).toEqual({
      region: 'us',
      cluster: 'stage-us',
      track: 'beta',
    });
    expect((await readConfigMap(fleet.cluster('prod-eu'), 'default', 'regional'))?.data).toEqual({
      region: 'eu',
      cluster: 'prod-eu',
      track: 'west',
    });
    expect((await readConfigMap(fleet.cluster('prod-eu'), 'default', 'frontend-settings'))?.data).toEqual({
      size: 'large',
      patched: 'bundle',
    });
    // Orphaned on dev-eu: still there with its content.
    expect((await readConfigMap(fleet.cluster('dev-eu'), 'default', 'batch-config'))?.data).toEqual({ env: 'dev' });
    expect(await managedConfigMaps(fleet.cluster('stage-us'), 'default')).toEqual(['regional']);
  });
});
