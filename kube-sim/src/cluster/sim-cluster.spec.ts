import { KubeConfig, KubernetesObject, KubernetesObjectApi, PatchStrategy, CoreV1Api, AppsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster, startSimCluster } from '../index';

let sim: SimCluster;
let client: KubernetesObjectApi;
let core: CoreV1Api;

beforeAll(async () => {
  sim = await startSimCluster({ name: 'spec', workloadReadyDelayMs: 50 });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  client = KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await sim.stop();
});

const apply = (
  obj: KubernetesObject & Record<string, unknown>,
  manager = 'gitfleet',
  force = true,
  dryRun?: string,
): Promise<KubernetesObject> => client.patch(obj, undefined, dryRun, manager, force, PatchStrategy.ServerSideApply);

describe('a simulated cluster', () => {
  it('starts with the system namespaces and a stable kube-system uid', async () => {
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public']));
    const kubeSystem = await core.readNamespace({ name: 'kube-system' });
    expect(kubeSystem.metadata?.uid).toBe(sim.kubeSystemUid);
  });

  it('creates with server-side apply, then answers an identical apply without a new resourceVersion', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default', labels: { team: 'x' } },
      data: { a: '1', b: '2' },
    };
    const created = await apply(cm);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'gitfleet',
      operation: 'Apply',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
    });
    const again = await apply(cm);
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const dropped = await apply({ ...cm, data: { a: '1' } });
    expect((dropped as unknown as { data: object }).data).toEqual({ a: '1' });
    expect(Number(dropped.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
  });

  it('reports a conflict with another manager unless forced', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'default' }, data: { key: 'git' } };
    await apply(cm, 'gitfleet', false);
    await client.patch({ ...cm, data: { key: 'hand' } }, undefined, undefined, 'kubectl-edit', undefined, PatchStrategy.MergePatch);
    await expect(apply(cm, 'gitfleet', false)).rejects.toMatchObject({ code: 409 });
    const forced = await apply(cm, 'gitfleet', true);
    expect((forced as unknown as { data: object }).data).toEqual({ key: 'git' });
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'nope' }, data: {} };
    await expect(apply(cm)).rejects.toMatchObject({ code: 404 });
    // Admission (NamespaceLifecycle) runs before validation: an invalid object there is also
    // NotFound, dry-run or not, not Invalid.
    const invalid = { ...cm, metadata: { ...cm.metadata, labels: { app: 'not a valid value!' } } };
    await expect(
      apply({ ...invalid, metadata: { ...invalid.metadata, namespace: 'default' } }, 'gitfleet', true, 'All'),
    ).rejects.toMatchObject({ code: 422 });
    await expect(apply(invalid)).rejects.toMatchObject({ code: 404 });
    await expect(apply(invalid, 'gitfleet', true, 'All')).rejects.toMatchObject({ code: 404 });
  });

  it('stores nothing on a dry run', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost', namespace: 'default' }, data: { k: 'v' } };
    const result = await apply(cm, 'gitfleet', true, 'All');
    expect(result.metadata?.uid).toBeDefined();
    await expect(
      client.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost', namespace: 'default' } }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('creates, replaces with optimistic concurrency, lists by selector and deletes', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 's1', labels: { app: 'a' } }, stringData: { password: 's3cret' } },
    });
    expect(created.data).toEqual({ password: Buffer.from('s3cret').toString('base64') });
    expect(created.type).toBe('Opaque');
    await expect(
      core.replaceNamespacedSecret({ name: 's1', namespace: 'default', body: { metadata: { name: 's1', resourceVersion: '1' } } }),
    ).rejects.toMatchObject({ code: 409 });
    const list = await core.listNamespacedSecret({ namespace: 'default', labelSelector: 'app in (a,b)' });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['s1']);
    await core.deleteNamespacedSecret({ name: 's1', namespace: 'default' });
    await expect(core.readNamespacedSecret({ name: 's1', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('rejects a wrong token with 401', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig.replace(sim.token, 'wrong'));
    await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });

  it('fills Deployment defaults', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      },
    });
    const live = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(live.spec?.strategy?.type).toBe('RollingUpdate');
    expect(live.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
  });
});
