import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_POLICY, type BundlePolicy } from '#core';
import { Target, type TargetSet } from '#proto';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { BareRepo } from '../../../test/support/git';
import { createLogger } from '../logger';
import { until } from '../testing/fake-hub';
import { GitCache } from '../source/git-cache';
import { type TargetSyncResult } from '../model/change-set';
import { formatRef } from '../model/object-ref';
import { Engine } from './engine';
import { loadKubeConfig, ObjectClient } from '../kube/object-client';
import { MemoryTargetSetStore } from './target-set-store';

const WEB = {
  'apps/web/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n',
  'apps/web/config.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n---\n' +
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-flags\n  namespace: web\ndata:\n  beta: "false"\n',
};

let cluster: SimCluster;
let repo: BareRepo;
let cacheDir: string;
let client: ObjectClient;
let engine: Engine;
let results: TargetSyncResult[];
let revision = 0;

function target(commit: string, bundle = 'web', path = `apps/${bundle}`, defaultNamespace = 'web'): Target {
  return Target.fromPartial({ bundle, source: { repoUrl: repo.url, commit, path }, defaultNamespace });
}

async function push(...targets: Target[]): Promise<TargetSet> {
  revision += 1;
  const targetSet = { revision: String(revision), checksum: `sum-${revision}`, targets, baseChecksum: '', keptBundles: [] };
  await engine.takeTargetSet(targetSet);
  await engine.idle();
  return targetSet;
}

function finals(bundle = 'web'): TargetSyncResult[] {
  return results.filter((r) => r.bundle === bundle && r.phase !== 'progressing');
}

function actions(result: TargetSyncResult): Record<string, string> {
  return Object.fromEntries(result.changes.map((c) => [formatRef(c.ref), c.action]));
}

async function live(apiVersion: string, kind: string, name: string, namespace?: string) {
  return client.readIfExists({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });
}

beforeEach(async () => {
  cluster = await startSimCluster({ name: 'engine-test' });
  repo = await BareRepo.create();
  cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-engine-'));
  client = ObjectClient.fromKubeConfig(loadKubeConfig(cluster.kubeconfig));
  results = [];
  revision = 0;
  engine = newEngine();
});

/** An engine on the test's cluster and cache; `policy`: its AGENT_POLICY. */
function newEngine(policy?: BundlePolicy): Engine {
  return new Engine({
    cache: new GitCache(cacheDir),
    client,
    store: new MemoryTargetSetStore(),
    logger: createLogger('silent'),
    onResult: (result) => results.push(result),
    retryBackoff: { baseMs: 60_000, factor: 2, capMs: 60_000, resetAfterMs: Infinity },
    ...(policy ? { policy } : {}),
  });
}

afterEach(async () => {
  await engine.stop();
  await cluster.stop();
  await repo.remove();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('Engine against a simulated cluster', () => {
  it('applies a bundle: namespaces first, default namespace filled in, gitfleet labels set, all created', async () => {
    const commit = await repo.commit(WEB);
    await push(target(commit));

    expect(results.map((r) => r.phase)).toEqual(['progressing', 'synced']);
    const [result] = finals();
    expect(result).toMatchObject({ bundle: 'web', commit, targetSetRevision: '1', message: '' });
    expect(result.changes.map((c) => [formatRef(c.ref), c.action])).toEqual([
      ['Namespace/web', 'created'],
      ['ConfigMap/web/web-config', 'created'],
      ['ConfigMap/web/web-flags', 'created'],
    ]);
    const config = await live('v1', 'ConfigMap', 'web-config', 'web');
    expect((config as { data?: unknown }).data).toEqual({ greeting: 'hello' });
    expect(config!.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle': 'web' });
    expect(config!.metadata!.managedFields?.map((f) => f.manager)).toContain('gitfleet');
    expect((await live('v1', 'Namespace', 'web'))!.metadata!.labels).toMatchObject({ 'gitfleet.io/bundle': 'web' });
  });

  it('reports configured for what changed and unchanged for the rest at a new commit', async () => {
    const first = await repo.commit(WEB);
    await push(target(first));
    const second = await repo.commit({ 'apps/web/config.yaml': WEB['apps/web/config.yaml'].replace('hello', 'bonjour') });
    await push(target(second));

    const latest = finals().at(-1)!;
    expect(latest).toMatchObject({ phase: 'synced', commit: second, targetSetRevision: '2' });
    expect(actions(latest)).toEqual({
      'Namespace/web': 'unchanged',
      'ConfigMap/web/web-config': 'configured',
      'ConfigMap/web/web-flags': 'unchanged',
    });
    expect(((await live('v1', 'ConfigMap', 'web-config', 'web')) as { data?: unknown }).data).toEqual({ greeting: 'bonjour' });
  });

  it('neither applies nor reports again a target exactly as before in a new TargetSet revision', async () => {
    const commit = await repo.commit(WEB);
    await push(target(commit));
    const before = (await live('v1', 'ConfigMap', 'web-config', 'web'))!.metadata!.resourceVersion;
    results = [];
    await push(target(commit));
    expect(results).toEqual([]);
    expect((await live('v1', 'ConfigMap', 'web-config', 'web'))!.metadata!.resourceVersion).toBe(before);
    expect(engine.heldChecksum()).toBe('sum-2');
  });

  it('says a bundle stands at the new revision, applying nothing, when its target changed outside what it applies', async () => {
    const commit = await repo.commit(WEB);
    await push(target(commit));
    const before = (await live('v1', 'ConfigMap', 'web-config', 'web'))!.metadata!.resourceVersion;
    results = [];
    // Self-heal changes what the agent does about drift later, not what an apply writes.
    await push(Target.fromPartial({ ...target(commit), syncPolicy: { prune: false, selfHeal: true } }));
    expect(results.map((r) => [r.phase, r.commit, r.targetSetRevision, r.syncStartedAt])).toEqual([['synced', commit, '2', undefined]]);
    expect((await live('v1', 'ConfigMap', 'web-config', 'web'))!.metadata!.resourceVersion).toBe(before);
  });

  it('applies to the same commit again when the values change', async () => {
    const commit = await repo.commit(WEB);
    await push(target(commit));
    results = [];
    await push({ ...target(commit), values: { region: 'eu' } });
    expect(finals().map((r) => r.phase)).toEqual(['synced']);
  });

  it('validates the whole bundle first: applies nothing and reports every refused object with its Kind/ns/name and reason', async () => {
    const commit = await repo.commit({
      ...WEB,
      // In a Namespace that exists already, so that its dry-run is part of the first round.
      'apps/web/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\n  namespace: default\n',
      'apps/web/unknown.yaml': 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n',
    });
    await push(target(commit));

    const result = finals()[0];
    expect(result.phase).toBe('failed');
    expect(result.message).toMatch(/^validation failed, nothing applied: 2 of 5 resources invalid: /);
    const failures = Object.fromEntries(result.changes.filter((c) => c.action === 'failed').map((c) => [formatRef(c.ref), c.error]));
    expect(failures['ConfigMap/default/Not_A_Valid_Name']).toMatch(/^ConfigMap\/default\/Not_A_Valid_Name dry-run failed \(Invalid\): /);
    expect(failures['Gizmo/g']).toBe(
      'Gizmo/g validation failed: the cluster has no kind Gizmo in example.com/v1 (is its CustomResourceDefinition installed?)',
    );
    expect(actions(result)['ConfigMap/web/web-config']).toBe('skipped');
    expect(await live('v1', 'Namespace', 'web')).toBeUndefined();
    expect(await live('v1', 'ConfigMap', 'web-config', 'web')).toBeUndefined();
  });

  it('applies a CRD before the custom resources that use it', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
    const commit = await repo.commit({
      ...WEB,
      'apps/web/a-widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n',
      'apps/web/z-crd.yaml': crd,
    });
    await push(target(commit));
    const result = finals()[0];
    expect(result.message).toBe('');
    expect(result.changes.map((c) => formatRef(c.ref))).toEqual([
      'CustomResourceDefinition/widgets.example.com',
      'Namespace/web',
      'ConfigMap/web/web-config',
      'ConfigMap/web/web-flags',
      'Widget/web/w1',
    ]);
    expect(result.phase).toBe('synced');
  });

  it('fails the whole bundle, applying nothing, when a manifest is invalid', async () => {
    const commit = await repo.commit({ ...WEB, 'apps/web/broken.yaml': 'apiVersion: v1\nmetadata:\n  name: no-kind\n' });
    await push(target(commit));
    const result = finals()[0];
    expect(result).toMatchObject({ phase: 'failed', changes: [] });
    expect(result.message).toBe('source: apps/web/broken.yaml:1: not a Kubernetes object: missing kind');
    expect(await live('v1', 'Namespace', 'web')).toBeUndefined();
  });

  it('does not read a refused target again on the periodic resync until its content changes; SyncNow still does', async () => {
    const broken = await repo.commit({ ...WEB, 'apps/web/broken.yaml': '---\n'.repeat(20_000) });
    await push(target(broken));
    expect(finals().map((r) => r.message)).toEqual([
      'source: apps/web/broken.yaml:10001: more than 10000 documents under "apps/web" (empty ones count too)',
    ]);

    engine.resyncAll();
    await engine.idle();
    expect(results.filter((r) => r.bundle === 'web')).toHaveLength(2); // progressing + failed, nothing since

    engine.syncNow('web');
    await engine.idle();
    expect(finals().map((r) => r.phase)).toEqual(['failed', 'failed']);

    const fixed = await repo.commit({ 'apps/web/broken.yaml': null });
    await push(target(fixed));
    expect(finals().at(-1)!.phase).toBe('synced');
    engine.resyncAll();
    await engine.idle();
    expect(finals().map((r) => r.phase)).toEqual(['failed', 'failed', 'synced', 'synced']);
  });

  it('fails a bundle whose path escapes the repository, applying nothing', async () => {
    const commit = await repo.commit(WEB);
    await push(target(commit, 'web', '../../etc'));
    expect(finals()[0].message).toMatch(/^source: source path "..\/..\/etc" must not contain '\.\.'/);
    expect(await live('v1', 'Namespace', 'web')).toBeUndefined();
  });

  it('retries a failure that may pass, and stops retrying once synced', async () => {
    const quick = new Engine({
      cache: new GitCache(cacheDir),
      client,
      store: new MemoryTargetSetStore(),
      logger: createLogger('silent'),
      onResult: (result) => results.push(result),
      retryBackoff: { baseMs: 100, factor: 1, capMs: 100, resetAfterMs: Infinity },
    });
    try {
      const commit = await repo.commit({
        'apps/late/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: later\n',
      });
      await quick.takeTargetSet({
        revision: '1',
        checksum: 'x',
        targets: [target(commit, 'late', 'apps/late', 'default')],
        baseChecksum: '',
        keptBundles: [],
      });
      await until(() => finals('late').length >= 2);
      expect(finals('late').every((r) => r.phase === 'failed')).toBe(true);
      expect(finals('late')[0].changes[0].error).toMatch(/^ConfigMap\/later\/c dry-run failed \(NotFound\): /);

      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } });
      await until(() => finals('late').at(-1)!.phase === 'synced');
      const count = finals('late').length;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(finals('late').length).toBe(count);
    } finally {
      await quick.stop();
    }
  });

  it('syncs several targets, each with its own result', async () => {
    const commit = await repo.commit({
      ...WEB,
      'apps/rbac/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n',
    });
    await push(target(commit), target(commit, 'rbac', 'apps/rbac', 'default'));
    expect(finals('web')[0].phase).toBe('synced');
    expect(actions(finals('rbac')[0])).toEqual({ 'ClusterRole/reader': 'created' });
  });
});

const BINDING =
  'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: owned\n' +
  'roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n' +
  'subjects:\n  - kind: ServiceAccount\n    name: default\n    namespace: team\n';
const FILES = {
  'apps/team/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n',
  'apps/team/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-config\ndata:\n  a: b\n',
  'apps/team/rbac.yaml': `# the escalation\n${BINDING}`,
  'apps/other/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n',
  'apps/other/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-config\ndata:\n  a: b\n',
};

function governed(commit: string, bundle: string, policy?: BundlePolicy): Target {
  return { ...target(commit, bundle, `apps/${bundle}`, bundle), ...(policy ? { policy } : {}) };
}

const last = (bundle: string) => finals(bundle).at(-1)!;
const exists = (kind: string, name: string, namespace?: string) =>
  live(kind === 'ClusterRoleBinding' ? 'rbac.authorization.k8s.io/v1' : 'v1', kind, name, namespace).then((o) => o !== undefined);

describe('bundle policy in the validation stage', () => {
  it('without a policy from the hub, the default refuses a binding to cluster-admin: nothing applied, other bundles fine', async () => {
    const commit = await repo.commit(FILES);
    await push(governed(commit, 'team'), governed(commit, 'other'));

    const refused = last('team');
    expect(refused.phase).toBe('failed');
    expect(refused.message).toContain('validation failed, nothing applied');
    const failed = refused.changes.find((c) => c.action === 'failed')!;
    expect(formatRef(failed.ref)).toBe('ClusterRoleBinding/owned');
    expect(failed.error).toBe(
      'refused by rule privilegedBindings of the default policy: ClusterRoleBinding/owned (apps/team/rbac.yaml:2): ' +
        'binds ClusterRole cluster-admin (allowPrivilegedBindings or allowedBindings needed)',
    );
    expect(
      refused.changes
        .filter((c) => c.action === 'skipped')
        .map((c) => formatRef(c.ref))
        .sort(),
    ).toEqual(['ConfigMap/team/team-config', 'Namespace/team']);
    expect(await exists('ClusterRoleBinding', 'owned')).toBe(false);
    expect(await exists('Namespace', 'team')).toBe(false);
    expect(await exists('ConfigMap', 'team-config', 'team')).toBe(false);

    expect(last('other').phase).toBe('synced');
    expect(await exists('ConfigMap', 'other-config', 'other')).toBe(true);
  });

  it("applies the binding once the hub's policy allows it, and refuses it again when the policy changes back", async () => {
    const commit = await repo.commit(FILES);
    await push(governed(commit, 'team', { ...DEFAULT_BUNDLE_POLICY, allowedBindings: ['ClusterRoleBinding/owned'] }));
    expect(last('team').phase).toBe('synced');
    expect(await exists('ClusterRoleBinding', 'owned')).toBe(true);

    // Same commit, narrower policy: the target's key changed, so it is validated again and refused.
    await push(governed(commit, 'team', { ...DEFAULT_BUNDLE_POLICY, namespaces: ['elsewhere'] }));
    const refused = last('team');
    expect(refused.phase).toBe('failed');
    expect(refused.message).toMatch(/rule (namespaces|privilegedBindings) of the fleet repository's policy/);
  });

  it("the agent's policy narrows the hub's and cannot widen the default", async () => {
    const commit = await repo.commit(FILES);
    // AGENT_POLICY allows privileged bindings, the hub sends none: the default still refuses.
    await engine.stop();
    engine = newEngine({ ...DEFAULT_BUNDLE_POLICY, allowPrivilegedBindings: true });
    await push(governed(commit, 'team'));
    expect(last('team').message).toContain('rule privilegedBindings of the default policy');
    expect(await exists('ClusterRoleBinding', 'owned')).toBe(false);

    // The hub allows everything here; the agent refuses ConfigMaps.
    await engine.stop();
    engine = newEngine({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['core/ConfigMap'] });
    await push(governed(commit, 'other', { ...DEFAULT_BUNDLE_POLICY, allowPrivilegedBindings: true }));
    const refused = last('other');
    expect(refused.phase).toBe('failed');
    expect(refused.changes.find((c) => c.action === 'failed')?.error).toBe(
      "refused by rule deniedKinds of the agent's policy (AGENT_POLICY): ConfigMap/other/other-config (apps/other/config.yaml:1): kind core/ConfigMap is denied (core/ConfigMap)",
    );
    expect(await exists('ConfigMap', 'other-config', 'other')).toBe(false);
  });

  it('a refused target is not synced again until its content or policy changes', async () => {
    const commit = await repo.commit(FILES);
    await push(governed(commit, 'team'));
    const syncs = () => results.filter((r) => r.bundle === 'team' && r.phase === 'progressing').length;
    expect(syncs()).toBe(1);
    await push(governed(commit, 'team'), governed(commit, 'other'));
    expect(syncs()).toBe(1);
    await push(governed(commit, 'team', { ...DEFAULT_BUNDLE_POLICY, allowPrivilegedBindings: true }));
    expect(syncs()).toBe(2);
    expect(last('team').phase).toBe('synced');
  });
});
