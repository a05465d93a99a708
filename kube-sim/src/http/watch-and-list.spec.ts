import { CoreV1Api, KubeConfig, V1ConfigMap, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster, startSimCluster } from '../index';

let sim: SimCluster;
let core: CoreV1Api;
let kc: KubeConfig;

beforeAll(async () => {
  // A short history: a few writes compact away the versions a client may still hold.
  sim = await startSimCluster({ name: 'watch-list', watchHistoryLimit: 20 });
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'w' } } });
});
afterAll(async () => {
  await sim.stop();
});

const configMap = (name: string, value = '1'): V1ConfigMap => ({ metadata: { name, labels: { set: 'paged' } }, data: { v: value } });

describe('lists and watches over HTTP', () => {
  it("pages a list with limit/continue, all pages at the first page's resourceVersion", async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await core.createNamespacedConfigMap({ namespace: 'w', body: configMap(name) });
    const first = await core.listNamespacedConfigMap({ namespace: 'w', labelSelector: 'set=paged', limit: 2 });
    expect(first.items.map((c) => c.metadata?.name)).toEqual(['a', 'b']);
    const second = await core.listNamespacedConfigMap({
      namespace: 'w',
      labelSelector: 'set=paged',
      limit: 2,
      _continue: first.metadata!._continue!,
    });
    const third = await core.listNamespacedConfigMap({
      namespace: 'w',
      labelSelector: 'set=paged',
      limit: 2,
      _continue: second.metadata!._continue!,
    });
    expect([...second.items, ...third.items].map((c) => c.metadata?.name)).toEqual(['c', 'd', 'e']);
    expect(third.metadata?._continue).toBeUndefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it("watches from a list's resourceVersion: the changes after it, in order", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'w' });
    const events: string[] = [];
    const watch = await new Watch(kc).watch(
      '/api/v1/namespaces/w/configmaps',
      { resourceVersion: list.metadata!.resourceVersion! },
      (type: string, object: V1ConfigMap) => events.push(`${type} ${object.metadata?.name}`),
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: 'w', body: configMap('f') });
    await core.patchNamespacedConfigMap({ namespace: 'w', name: 'f', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ namespace: 'w', name: 'f' });
    for (let i = 0; i < 50 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    watch.abort();
    expect(events).toEqual(['ADDED f', 'MODIFIED f', 'DELETED f']);
  });

  it('answers 410 Gone once the history behind a resourceVersion or continue token is compacted', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'w', limit: 1 });
    const oldVersion = first.metadata!.resourceVersion!;
    for (let i = 0; i < 25; i++)
      await core.patchNamespacedConfigMap({ namespace: 'w', name: 'a', body: [{ op: 'replace', path: '/data/v', value: String(i) }] });

    await expect(core.listNamespacedConfigMap({ namespace: 'w', limit: 1, _continue: first.metadata!._continue! })).rejects.toMatchObject({
      code: 410,
    });
    await expect(
      core.listNamespacedConfigMap({ namespace: 'w', resourceVersion: oldVersion, resourceVersionMatch: 'Exact' }),
    ).rejects.toMatchObject({ code: 410 });
    // A plain list "not older than" an old version is fine: it is served from the present.
    expect((await core.listNamespacedConfigMap({ namespace: 'w', resourceVersion: oldVersion })).items.length).toBeGreaterThan(0);

    const events: { type: string; object: { code?: number; reason?: string } }[] = [];
    await new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/namespaces/w/configmaps',
        { resourceVersion: oldVersion },
        (type: string, object: { code?: number; reason?: string }) => events.push({ type, object }),
        () => resolve(),
      );
    });
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) }]);
  });

  it('a watch that asked for bookmarks gets one as it times out, with the revision then, and ends cleanly', async () => {
    // The interval (5 s) is longer than the watch (1 s): any bookmark is the closing one.
    const bookmarking = await startSimCluster({ name: 'bookmarks', bookmarkIntervalMs: 5000 });
    try {
      const config = new KubeConfig();
      config.loadFromString(bookmarking.kubeconfig);
      const client = config.makeApiClient(CoreV1Api);
      const list = await client.listNamespacedConfigMap({ namespace: 'default' });
      const events: { type: string; version?: string }[] = [];
      const ended = new Promise<unknown>((resolve) => {
        void new Watch(config).watch(
          '/api/v1/namespaces/default/configmaps',
          { resourceVersion: list.metadata!.resourceVersion!, allowWatchBookmarks: true, timeoutSeconds: 1 },
          (type: string, object: { metadata?: { resourceVersion?: string } }) =>
            events.push({ type, version: object.metadata?.resourceVersion }),
          resolve,
        );
      });
      await new Promise((r) => setTimeout(r, 400));
      await client.createNamespacedConfigMap({ namespace: 'kube-public', body: { metadata: { name: 'elsewhere' } } });
      const after = (await client.listNamespacedConfigMap({ namespace: 'kube-public' })).metadata!.resourceVersion!;
      expect(await ended).toBeFalsy(); // the server's own end, no error
      // It carries the store's revision at the deadline: past the write made in another
      // namespace during the watch, so the client resumes from there.
      expect(events.map((e) => e.type)).toEqual(['BOOKMARK']);
      expect(Number(events[0].version)).toBeGreaterThanOrEqual(Number(after));
    } finally {
      await bookmarking.stop();
    }
  });
});
