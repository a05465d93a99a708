import { PatchStrategy } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../testing/fake-hub';
import { EngineHarness } from '../testing/engine-harness';

let h: EngineHarness;

beforeEach(async () => {
  h = await EngineHarness.start();
});

afterEach(async () => {
  await h.stop();
});

const NS = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n';
const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  mode: blue\n';

async function edit(kind: string, apiVersion: string, name: string, patch: Record<string, unknown>): Promise<void> {
  await h.editor.patch(
    { apiVersion, kind, metadata: { name, namespace: 'web' }, ...patch } as never,
    undefined,
    undefined,
    'kubectl-edit',
    undefined,
    PatchStrategy.MergePatch,
  );
}

/** Syncs the bundle, lets the watches settle, and says how many drift reports came after. */
async function settledDrift(files: Record<string, string>): Promise<number> {
  const commit = await h.repo.commit(files);
  await h.push(h.target(commit, 'web'));
  expect(h.finals('web').at(-1)!.phase).toBe('synced');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return h.reports('web', 'drift').filter((r) => r.changes.some((c) => c.driftDiff !== undefined)).length;
}

describe('drift', () => {
  it('reports an out-of-band edit with a unified diff in which Secret values are masked', async () => {
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [NS, SECRET, CM].join('---\n') });
    await h.push(h.target(commit, 'web'));
    await edit('Secret', 'v1', 'creds', { data: { password: Buffer.from('stolen').toString('base64') } });
    await until(() => h.reports('web', 'drift').some((r) => r.changes.some((c) => c.ref.name === 'creds' && c.driftDiff)));
    const report = h.reports('web', 'drift').at(-1)!;
    const diff = report.changes.find((c) => c.ref.name === 'creds')!.driftDiff!;
    expect(diff).toContain('--- Secret/web/creds (live)');
    expect(diff).toContain('-  password: "***"');
    expect(diff).toContain('+  password: "*** (changed)"');
    expect(diff).not.toContain(Buffer.from('stolen').toString('base64'));
    expect(diff).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(diff).not.toContain('hunter2');
    expect(report.changes.find((c) => c.ref.name === 'conf')!.driftDiff).toBeUndefined();
    // Not self-healing: the edit stays.
    expect(((await h.live('v1', 'Secret', 'creds', 'web'))!['data'] as Record<string, string>).password).toBe(
      Buffer.from('stolen').toString('base64'),
    );
  });

  it('self-heal restores an edited object and recreates a deleted one within a bounded wait', async () => {
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [NS, CM, SECRET].join('---\n') });
    await h.push(h.target(commit, 'web', { syncPolicy: { prune: false, selfHeal: true } }));
    await edit('ConfigMap', 'v1', 'conf', { data: { mode: 'green' } });
    const editedAt = Date.now();
    await until(async () => ((await h.live('v1', 'ConfigMap', 'conf', 'web'))!['data'] as Record<string, string>).mode === 'blue', 2000);
    expect(Date.now() - editedAt).toBeLessThan(2000);
    expect(
      h.reports('web', 'drift').some((r) => r.changes.some((c) => c.ref.name === 'conf' && c.driftDiff?.includes('-  mode: green'))),
    ).toBe(true);
    await until(() =>
      h
        .reports('web', 'drift')
        .at(-1)!
        .changes.every((c) => c.driftDiff === undefined),
    );

    await h.editor.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'web' } });
    await until(async () => (await h.live('v1', 'Secret', 'creds', 'web')) !== undefined, 2000);
    expect(
      h.reports('web', 'drift').some((r) => r.changes.some((c) => c.ref.name === 'creds' && c.driftDiff?.includes('(live: missing)'))),
    ).toBe(true);
  });

  describe('no false drift on an unchanged bundle', () => {
    it('a defaulted Deployment', async () => {
      expect(
        await settledDrift({
          'apps/web/all.yaml': [
            NS,
            'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n',
          ].join('---\n'),
        }),
      ).toBe(0);
    });

    it('a Service (clusterIP allocated by the server)', async () => {
      expect(
        await settledDrift({
          'apps/web/all.yaml': [
            NS,
            'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports:\n    - port: 80\n',
          ].join('---\n'),
        }),
      ).toBe(0);
    });

    it('a Secret with stringData', async () => {
      expect(await settledDrift({ 'apps/web/all.yaml': [NS, SECRET].join('---\n') })).toBe(0);
    });

    it('a Job (selector and labels generated by the server)', async () => {
      expect(
        await settledDrift({
          'apps/web/all.yaml': [
            NS,
            'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: once\n          image: busybox\n',
          ].join('---\n'),
        }),
      ).toBe(0);
    });

    it('a custom resource with schema defaults', async () => {
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
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, default: 3 }
                color: { type: string, default: red }
`;
      expect(
        await settledDrift({
          'apps/web/all.yaml': [NS, crd, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  color: blue\n'].join(
            '---\n',
          ),
        }),
      ).toBe(0);
      expect(((await h.live('example.com/v1', 'Widget', 'w', 'web'))!['spec'] as Record<string, unknown>).size).toBe(3);
    });

    it('a field set by another manager that the manifest does not set', async () => {
      expect(await settledDrift({ 'apps/web/all.yaml': [NS, CM].join('---\n') })).toBe(0);
      await edit('ConfigMap', 'v1', 'conf', {
        metadata: { name: 'conf', namespace: 'web', annotations: { 'team.example.com/owner': 'ops' } },
        data: { extra: 'theirs' },
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(h.reports('web', 'drift').filter((r) => r.changes.some((c) => c.driftDiff !== undefined))).toHaveLength(0);
      h.engine.syncNow('web');
      await h.engine.idle();
      expect(
        h
          .finals('web')
          .at(-1)!
          .changes.map((c) => c.action),
      ).toEqual(['unchanged', 'unchanged']);
    });
  });
});
