import { PatchStrategy } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { until } from '../testing/fake-hub';
import { actionsOf, EngineHarness } from '../testing/engine-harness';

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const cm = (name: string, value = 'v', extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  key: ${value}\n`;

let h: EngineHarness;

/** Another manager changes ConfigMap web/<name>'s data with a merge patch, as `kubectl edit` would. */
async function editBehindTheAgentsBack(name: string): Promise<void> {
  await h.editor.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' }, data: { key: 'edited' } } as never,
    undefined,
    undefined,
    'kubectl-edit',
    undefined,
    PatchStrategy.MergePatch,
  );
}

/** Every dry-run the engine sends from now on, as `Kind/name`. */
function recordDryRuns(harness: EngineHarness): string[] {
  const dryRuns: string[] = [];
  const apply = harness.client.apply.bind(harness.client);
  vi.spyOn(harness.client, 'apply').mockImplementation(async (object, options) => {
    if (options?.dryRun) dryRuns.push(`${object.kind}/${object.metadata.name}`);
    return apply(object, options);
  });
  return dryRuns;
}

beforeEach(async () => {
  h = await EngineHarness.start();
});

afterEach(async () => {
  await h.stop();
});

describe('apply: validate all, stages, skip unchanged', () => {
  it('re-syncing an unchanged bundle writes nothing (the store revision does not move)', async () => {
    const commit = await h.repo.commit({
      'apps/web/all.yaml': [
        ns('web'),
        cm('a'),
        cm('b'),
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2\n',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n    - port: 80\n',
      ].join('---\n'),
    });
    await h.push(h.target(commit, 'web'));
    expect(h.finals('web')[0].phase).toBe('synced');
    const before = await h.storeRevision();

    h.engine.syncNow('web');
    await h.engine.idle();
    const again = h.finals('web').at(-1)!;
    expect(again.phase).toBe('synced');
    expect(Object.values(actionsOf(again))).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await h.storeRevision()).toBe(before);
  });

  it('a SyncNow of an unchanged bundle dry-runs nothing the in-sync ledger knows; the periodic resync dry-runs everything', async () => {
    await h.stop();
    h = await EngineHarness.start({ engine: { resyncIntervalMs: 0 } });
    const dryRuns = recordDryRuns(h);
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a'), cm('b')].join('---\n') });
    await h.push(h.target(commit, 'web'));
    expect(dryRuns.sort()).toEqual(['ConfigMap/a', 'ConfigMap/b', 'Namespace/web']);

    dryRuns.length = 0;
    h.engine.syncNow('web');
    await h.engine.idle();
    expect(Object.values(actionsOf(h.finals('web').at(-1)!))).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(dryRuns).toEqual([]);

    // A change behind the agent's back is not known: that object alone is dry-run (and corrected).
    await editBehindTheAgentsBack('b');
    h.engine.syncNow('web');
    await h.engine.idle();
    expect(actionsOf(h.finals('web').at(-1)!)['ConfigMap/web/b']).toBe('configured');
    expect(dryRuns).toContain('ConfigMap/b');
    expect(dryRuns).not.toContain('ConfigMap/a');

    dryRuns.length = 0;
    h.engine.resyncAll();
    await h.engine.idle();
    expect(dryRuns.sort()).toEqual(['ConfigMap/a', 'ConfigMap/b', 'Namespace/web']);
  });

  it('applies objects by sync wave and a CR in the same bundle as its CRD, dry-run after the CRD', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`;
    const commit = await h.repo.commit({
      'apps/web/all.yaml': [ns('web'), cm('first', 'v', '  annotations:\n    gitfleet.io/sync-wave: "-1"\n'), cm('plain'), crd].join(
        '---\n',
      ),
      'apps/web/gadget.yaml': 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n  size: 2\n',
    });
    await h.push(h.target(commit, 'web'));
    const result = h.finals('web')[0];
    expect(result.message).toBe('');
    expect(Object.keys(actionsOf(result))).toEqual([
      'CustomResourceDefinition/gadgets.example.com',
      'Namespace/web',
      'ConfigMap/web/first',
      'ConfigMap/web/plain',
      'Gadget/web/g',
    ]);
  });

  it('an invalid CR of a CRD in the bundle fails validation after the definitions stage; no wave is applied', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: gizmos, singular: gizmo, kind: Gizmo, listKind: GizmoList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`;
    const commit = await h.repo.commit({
      'apps/web/all.yaml': [
        ns('web'),
        cm('a'),
        crd,
        'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\nspec:\n  size: "big"\n',
      ].join('---\n'),
    });
    await h.push(h.target(commit, 'web'));
    const result = h.finals('web')[0];
    expect(result.phase).toBe('failed');
    expect(result.changes.find((c) => c.ref.kind === 'Gizmo')!.error).toMatch(/^Gizmo\/web\/g dry-run failed \(Invalid\): /);
    expect(actionsOf(result)['ConfigMap/web/a']).toBe('skipped');
    expect(await h.live('v1', 'ConfigMap', 'a', 'web')).toBeUndefined();
  });
});

describe('prune and inventory', () => {
  it('prunes a removed object, keeps one with the opt-out annotation, never touches a non-inventory object', async () => {
    const first = await h.repo.commit({
      'apps/web/all.yaml': [ns('web'), cm('stays'), cm('goes'), cm('kept', 'v', '  annotations:\n    gitfleet.io/prune: disabled\n')].join(
        '---\n',
      ),
    });
    const prune = { syncPolicy: { prune: true, selfHeal: false } };
    await h.push(h.target(first, 'web', prune));
    // Not in any inventory, even though it carries this bundle's labels.
    await h.client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'stranger', namespace: 'web', labels: { 'gitfleet.io/bundle': 'web', 'app.kubernetes.io/managed-by': 'gitfleet' } },
    });

    const second = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('stays')].join('---\n') });
    await h.push(h.target(second, 'web', prune));
    const result = h.finals('web').at(-1)!;
    expect(result.phase).toBe('synced');
    expect(actionsOf(result)).toMatchObject({
      'ConfigMap/web/goes': 'deleted',
      'ConfigMap/web/kept': 'skipped',
      'ConfigMap/web/stays': 'unchanged',
    });
    await until(async () => (await h.live('v1', 'ConfigMap', 'goes', 'web')) === undefined);
    expect(await h.live('v1', 'ConfigMap', 'kept', 'web')).toBeDefined();
    expect(await h.live('v1', 'ConfigMap', 'stranger', 'web')).toBeDefined();

    const inventory = await h.live('v1', 'ConfigMap', 'gitfleet-inventory-web', 'gitfleet-system');
    expect(inventory).toBeDefined();
    expect((inventory!['metadata'] as { annotations: Record<string, string> }).annotations['gitfleet.io/prune-policy']).toBe('true');
  });

  it('without prune, leaves an object Git dropped in place', async () => {
    const first = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a'), cm('b')].join('---\n') });
    await h.push(h.target(first, 'web'));
    const second = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a')].join('---\n') });
    await h.push(h.target(second, 'web'));
    expect(Object.values(actionsOf(h.finals('web').at(-1)!))).not.toContain('deleted');
    expect(await h.live('v1', 'ConfigMap', 'b', 'web')).toBeDefined();
  });

  it('a target removed from the TargetSet with prune on has its objects and inventory deleted; with prune off they stay', async () => {
    const commit = await h.repo.commit({
      'apps/gone/all.yaml': [ns('gone'), cm('x')].join('---\n'),
      'apps/left/all.yaml': [ns('left'), cm('y')].join('---\n'),
    });
    await h.push(h.target(commit, 'gone', { syncPolicy: { prune: true, selfHeal: false } }), h.target(commit, 'left'));
    await h.push();
    await until(async () => (await h.live('v1', 'ConfigMap', 'gitfleet-inventory-left', 'gitfleet-system')) === undefined);
    await until(async () => (await h.live('v1', 'ConfigMap', 'x', 'gone')) === undefined);
    expect(actionsOf(h.finals('gone').at(-1)!)).toEqual({ 'ConfigMap/gone/x': 'deleted', 'Namespace/gone': 'deleted' });
    expect(await h.live('v1', 'ConfigMap', 'gitfleet-inventory-gone', 'gitfleet-system')).toBeUndefined();
    expect(await h.live('v1', 'ConfigMap', 'y', 'left')).toBeDefined();
  });
});

describe('conflicts, suspend, dependsOn', () => {
  it('two bundles declaring the same object: a conflict reported on both, the object left as it was', async () => {
    const commit = await h.repo.commit({
      'apps/one/all.yaml': [ns('shared'), cm('mine'), cm('both', 'one', '  namespace: shared\n')].join('---\n'),
      'apps/two/all.yaml': [cm('both', 'two', '  namespace: shared\n')].join('---\n'),
    });
    const one = h.target(commit, 'one', { defaultNamespace: 'shared' });
    await h.push(one);
    expect(h.finals('one')[0].phase).toBe('synced');
    await h.push(one, h.target(commit, 'two'));
    await until(() => h.finals('one').length >= 2);
    await h.engine.idle();
    const oneResult = h.finals('one').at(-1)!;
    const two = h.finals('two').at(-1)!;
    const failure = (r: typeof two) => r.changes.find((c) => c.ref.name === 'both')!;
    expect(failure(oneResult)).toMatchObject({ action: 'failed' });
    expect(actionsOf(oneResult)['ConfigMap/shared/mine']).toBe('unchanged');
    expect(failure(oneResult).error).toContain('also declared by bundle "two"');
    expect(failure(two)).toMatchObject({ action: 'failed' });
    expect(failure(two).error).toContain('also declared by bundle "one"');
    expect(((await h.live('v1', 'ConfigMap', 'both', 'shared'))!['data'] as Record<string, string>).key).toBe('one');
  });

  it('a suspended target applies nothing and reports health and drift', async () => {
    const first = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a', 'one')].join('---\n') });
    await h.push(h.target(first, 'web'));
    const second = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a', 'two'), cm('new')].join('---\n') });
    const before = await h.storeRevision();
    await h.push(h.target(second, 'web', { suspend: true }));
    const result = h.finals('web').at(-1)!;
    expect(result.phase).toBe('suspended');
    expect(Object.values(actionsOf(result))).toEqual(['skipped', 'skipped', 'skipped']);
    const drifted = result.changes.find((c) => c.ref.name === 'a')!;
    expect(drifted.driftDiff).toContain('-  key: one');
    expect(drifted.driftDiff).toContain('+  key: two');
    expect(drifted.health?.status).toBeDefined();
    expect(await h.storeRevision()).toBe(before);
  });

  it('dependsOn: a target waits, phase WAITING naming the dependency, until it is Healthy', async () => {
    const commit = await h.repo.commit({
      'apps/app/all.yaml': cm('app'),
      'apps/db/all.yaml': [
        ns('db'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n  selector:\n    matchLabels: { app: db }\n  template:\n    metadata:\n      labels: { app: db }\n    spec:\n      containers:\n        - name: db\n          image: postgres:16\n',
      ].join('---\n'),
    });
    await h.engine.takeTargetSet({
      revision: '1',
      checksum: 'x',
      targets: [h.target(commit, 'app', { dependsOn: ['db'], defaultNamespace: 'db' }), h.target(commit, 'db')],
      baseChecksum: '',
      keptBundles: [],
    });
    await until(() => h.results.some((r) => r.bundle === 'app' && r.phase === 'waiting'));
    expect(h.results.find((r) => r.bundle === 'app' && r.phase === 'waiting')!.message).toBe('waiting for "db" to be Healthy');
    await until(() => h.finals('app').some((r) => r.phase === 'synced'), 20_000);
    const dbSynced = h.results.findIndex((r) => r.bundle === 'db' && r.phase === 'synced');
    const appStarted = h.results.findIndex((r) => r.bundle === 'app' && r.phase === 'progressing');
    expect(appStarted).toBeGreaterThan(dbSynced);
  });

  it('an object in a namespace the bundle does not create is refused at validation, nothing applied', async () => {
    const commit = await h.repo.commit({
      'apps/web/all.yaml': [ns('web'), cm('ok'), cm('elsewhere', 'v', '  namespace: nowhere\n')].join('---\n'),
    });
    await h.push(h.target(commit, 'web'));
    const result = h.finals('web')[0];
    expect(result.phase).toBe('failed');
    expect(result.changes.find((c) => c.ref.name === 'elsewhere')!.error).toMatch(/dry-run failed \(NotFound\)/);
    expect(await h.live('v1', 'Namespace', 'web')).toBeUndefined();
  });

  it('objects in a Namespace the bundle creates are dry-run once, after the Namespace exists', async () => {
    const dryRuns = recordDryRuns(h);
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a'), cm('b')].join('---\n') });
    await h.push(h.target(commit, 'web'));
    expect(h.finals('web')[0].phase).toBe('synced');
    // No doomed dry-run into the missing Namespace before it was applied: one each.
    expect(dryRuns.sort()).toEqual(['ConfigMap/a', 'ConfigMap/b', 'Namespace/web']);
  });

  it('an invalid object in a Namespace the bundle creates is found after the definitions stage; nothing after it is applied', async () => {
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a'), cm('Bad_Name')].join('---\n') });
    await h.push(h.target(commit, 'web'));
    const result = h.finals('web')[0];
    expect(result.phase).toBe('failed');
    expect(result.changes.find((c) => c.ref.name === 'Bad_Name')!.error).toMatch(/^ConfigMap\/web\/Bad_Name dry-run failed \(Invalid\): /);
    expect(actionsOf(result)['ConfigMap/web/a']).toBe('skipped');
    expect(await h.live('v1', 'Namespace', 'web')).toBeDefined();
    expect(await h.live('v1', 'ConfigMap', 'a', 'web')).toBeUndefined();
  });

  it('out-of-band merge patch by another manager is seen by the next sync and corrected', async () => {
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a', 'one')].join('---\n') });
    await h.push(h.target(commit, 'web'));
    await editBehindTheAgentsBack('a');
    h.engine.syncNow();
    await h.engine.idle();
    expect(actionsOf(h.finals('web').at(-1)!)['ConfigMap/web/a']).toBe('configured');
    expect(((await h.live('v1', 'ConfigMap', 'a', 'web'))!['data'] as Record<string, string>).key).toBe('one');
  });
});
