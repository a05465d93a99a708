import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimCluster, type SimClusterOptions } from '#kube-sim';
import { eventually } from '../../../test/support/eventually';
import { loadKubeConfig, ObjectClient, type WatchEvent } from './object-client';
import { createLogger } from '../logger';
import { LiveCache, type LiveChange } from './live-cache';

const OWNER = 'gitfleet.test/owner';
const SELECTOR = `${OWNER}=live-cache`;
const NS = 'default';

/** One watch the cache opened: from where, what the server sent, how it ended. */
interface WatchRecord {
  resourceVersion: string;
  /** The server answered (headers in): from here on the server delivers every change to it. */
  open: boolean;
  events: WatchEvent[];
  ended: boolean;
}

/**
 * The agent's ObjectClient, instrumented where the cache talks to it: lists are counted, each
 * watch is recorded, the next watch can be held back (so that changes happen while the cache
 * is between two watches), and bookmarks can be hidden from the cache.
 */
class ClientProbe {
  lists = 0;
  readonly watches: WatchRecord[] = [];
  /** Watch requests of the cache waiting at the gate. */
  held = 0;
  dropBookmarks = false;
  private gate: Promise<void> | undefined;
  private release: () => void = () => {};

  constructor(readonly client: ObjectClient) {
    const listAll = client.listAll.bind(client);
    const watchAll = client.watchAll.bind(client);
    client.listAll = async (...args: Parameters<ObjectClient['listAll']>) => {
      this.lists += 1;
      return listAll(...args);
    };
    client.watchAll = async (apiVersion, kind, options, onEvent, done) => {
      while (this.gate) {
        this.held += 1;
        await this.gate;
        this.held -= 1;
      }
      const record: WatchRecord = { resourceVersion: options.resourceVersion, open: false, events: [], ended: false };
      this.watches.push(record);
      const handle = await watchAll(
        apiVersion,
        kind,
        options,
        (event) => {
          record.events.push(event);
          if (!(this.dropBookmarks && event.type === 'BOOKMARK')) onEvent(event);
        },
        (error) => {
          record.ended = true;
          done(error);
        },
      );
      record.open = true;
      return handle;
    };
  }

  /** The cache's next watch waits until open(). */
  hold(): void {
    this.gate ??= new Promise<void>((resolve) => (this.release = resolve));
  }

  open(): void {
    this.gate = undefined;
    this.release();
  }

  errors(): WatchEvent[] {
    return this.watches.flatMap((w) => w.events.filter((e) => e.type === 'ERROR'));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  client: ObjectClient;
  probe: ClientProbe;
  cache: LiveCache;
  changes: LiveChange[];
}

/** A LiveCache of this agent's ConfigMaps over an instrumented client of the cluster. */
function watchConfigMaps(kubeconfig: string, watchSeconds: number): Setup {
  const client = ObjectClient.fromKubeConfig(loadKubeConfig(kubeconfig));
  const probe = new ClientProbe(client);
  const cache = new LiveCache(client, createLogger('silent'), { labelSelector: SELECTOR, retryMs: 50, watchSeconds });
  const changes: LiveChange[] = [];
  cache.subscribe((change) => changes.push(change));
  cleanups.push(() => {
    probe.open();
    cache.stop();
    client.close();
  });
  return { client, probe, cache, changes };
}

async function startCluster(options: SimClusterOptions = {}): Promise<string> {
  const cluster = await startSimCluster({ name: 'live-cache-test', ...options });
  cleanups.push(() => cluster.stop());
  return cluster.kubeconfig;
}

function configMap(name: string, data: Record<string, string>, owner: string | null = 'live-cache') {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, ...(owner ? { labels: { [OWNER]: owner } } : {}) }, data };
}

const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name });

function dataOf(object: KubernetesObject | undefined): unknown {
  return (object as { data?: unknown } | undefined)?.data;
}

function summary(changes: LiveChange[]): string[] {
  return changes.map((c) => `${c.type} ${c.object.metadata?.name}`);
}

describe('LiveCache against the simulator', () => {
  it('resumes from the last resourceVersion after normal watch ends: no change is lost and nothing is relisted', async () => {
    const { client, probe, cache, changes } = watchConfigMaps(await startCluster(), 1);
    await client.apply(configMap('a', { v: '1' }));
    await cache.ensure('v1', 'ConfigMap');

    // Watch 1, live: a create.
    const b = (await client.apply(configMap('b', { v: '1' }))).object;
    await eventually(() => expect(cache.get(ref('b'))?.metadata?.resourceVersion).toBe(b.metadata?.resourceVersion), { intervalMs: 20 });

    // Between watch 1 (ended by the server after 1 s) and watch 2: create, modify, delete.
    probe.hold();
    await eventually(() => expect(probe.held).toBe(1), { intervalMs: 20 });
    expect(probe.watches[0].ended).toBe(true);
    const a2 = (await client.apply(configMap('a', { v: '2' }))).object;
    const c = (await client.apply(configMap('c', { v: '1' }))).object;
    await client.deleteInBackground(ref('b'));
    probe.open();
    await eventually(
      () => {
        expect(cache.get(ref('b'))).toBeUndefined();
        expect(dataOf(cache.get(ref('a')))).toEqual({ v: '2' });
        expect(cache.get(ref('c'))?.metadata?.resourceVersion).toBe(c.metadata?.resourceVersion);
      },
      { intervalMs: 20 },
    );

    // Watch 2 ends normally too; watch 3 gets a modify and a delete.
    await eventually(() => expect(probe.watches[2]?.open).toBe(true), { intervalMs: 20 });
    await client.apply(configMap('c', { v: '2' }));
    await client.deleteInBackground(ref('a'));
    await eventually(
      () => {
        expect(cache.get(ref('a'))).toBeUndefined();
        expect(dataOf(cache.get(ref('c')))).toEqual({ v: '2' });
      },
      { intervalMs: 20 },
    );

    expect(summary(changes)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'ADDED c', 'DELETED b', 'MODIFIED c', 'DELETED a']);
    expect(cache.size).toBe(1);
    // One list (the first); every later watch resumed where the one before left off.
    expect(probe.lists).toBe(1);
    expect(probe.errors()).toEqual([]);
    expect(probe.watches[0].ended && probe.watches[1].ended).toBe(true);
    expect(probe.watches[1].resourceVersion).toBe(b.metadata?.resourceVersion);
    expect(probe.watches[2].resourceVersion).toBe(changes[4].object.metadata?.resourceVersion);
    expect(Number(probe.watches[2].resourceVersion)).toBeGreaterThan(Number(a2.metadata?.resourceVersion));
  });

  it('relists after 410 Gone and then holds exactly the live objects, with a change for each difference', async () => {
    const historyLimit = 20;
    const kubeconfig = await startCluster({ watchHistoryLimit: historyLimit });
    const { client, probe, cache, changes } = watchConfigMaps(kubeconfig, 1);
    for (const name of ['a', 'b', 'c']) await client.apply(configMap(name, { v: '1' }));
    await cache.ensure('v1', 'ConfigMap');
    expect(cache.size).toBe(3);
    expect(probe.lists).toBe(1);

    // While the cache is between watches: a deleted, b modified, c moved out of the selector,
    // d created, and more unrelated changes than the server keeps for watches.
    probe.hold();
    await eventually(() => expect(probe.held).toBe(1), { intervalMs: 20 });
    const before = changes.length;
    await client.deleteInBackground(ref('a'));
    await client.apply(configMap('b', { v: '2' }));
    await client.apply(configMap('c', { v: '1' }, 'someone-else'));
    await client.apply(configMap('d', { v: '1' }));
    for (let i = 0; i <= historyLimit; i += 1) await client.apply(configMap(`unrelated-${i}`, { i: String(i) }, null));
    probe.open();

    await eventually(() => expect(probe.lists).toBe(2), { intervalMs: 20 });
    expect(probe.errors().map((e) => e.object.code)).toEqual([410]);
    expect(probe.watches[1].resourceVersion).toBe(probe.watches[0].resourceVersion);

    // Exactly the live objects, each at its live version.
    const observer = ObjectClient.fromKubeConfig(loadKubeConfig(kubeconfig));
    cleanups.push(() => observer.close());
    const live = await observer.listAll('v1', 'ConfigMap', SELECTOR);
    expect(live.items.map((o) => o.metadata?.name).sort()).toEqual(['b', 'd']);
    expect(cache.size).toBe(live.items.length);
    for (const object of live.items)
      expect(cache.get(ref(object.metadata!.name!))?.metadata?.resourceVersion).toBe(object.metadata?.resourceVersion);
    expect(cache.get(ref('a'))).toBeUndefined();
    expect(cache.get(ref('c'))).toBeUndefined();
    expect(dataOf(cache.get(ref('b')))).toEqual({ v: '2' });
    expect(summary(changes.slice(before)).sort()).toEqual(['ADDED d', 'DELETED a', 'DELETED c', 'MODIFIED b']);

    // And it watches on from the new list.
    await client.apply(configMap('d', { v: '2' }));
    await eventually(() => expect(dataOf(cache.get(ref('d')))).toEqual({ v: '2' }), { intervalMs: 20 });
    expect(probe.lists).toBe(2);
  });

  describe('bookmarks', () => {
    const historyLimit = 40;

    /**
     * Lists, waits for the first watch to be open, then makes more changes outside the label
     * selector than the server keeps: the list's resourceVersion is too old to resume from by
     * the time the watch (1 s) ends. Returns the store's revision after those changes.
     */
    async function outrunHistory(dropBookmarks: boolean) {
      const kubeconfig = await startCluster({ watchHistoryLimit: historyLimit, bookmarkIntervalMs: 300 });
      const setup = watchConfigMaps(kubeconfig, 1);
      setup.probe.dropBookmarks = dropBookmarks;
      // The simulated controllers' start-up writes (service accounts, root CA ConfigMaps) must
      // not be what outruns the history: wait until the store is quiet. (Another client: the
      // probe counts the cache's lists.)
      const other = ObjectClient.fromKubeConfig(loadKubeConfig(kubeconfig));
      cleanups.push(() => other.close());
      const revisionNow = async () => Number((await other.listAll('v1', 'Namespace', '')).resourceVersion);
      await eventually(
        async () => {
          const before = await revisionNow();
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect(await revisionNow()).toBe(before);
        },
        { intervalMs: 10 },
      );
      await setup.client.apply(configMap('a', { v: '1' }));
      await setup.cache.ensure('v1', 'ConfigMap');
      await eventually(() => expect(setup.probe.watches[0]?.open).toBe(true), { intervalMs: 10 });
      await Promise.all(Array.from({ length: 3 * historyLimit }, (_, i) => other.apply(configMap(`unrelated-${i}`, {}, null))));
      const revision = await revisionNow();
      return { ...setup, revision };
    }

    it('advance the resume point, so a watch resumes without a relist after changes outside the selector', async () => {
      const { client, probe, cache, revision } = await outrunHistory(false);
      // Watch 1 carries no event for this cache, only bookmarks.
      await eventually(
        () =>
          expect(probe.watches[0].events.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata?.resourceVersion) >= revision)).toBe(
            true,
          ),
        { intervalMs: 20 },
      );
      expect(probe.watches[0].events.filter((e) => e.type !== 'BOOKMARK')).toEqual([]);

      await eventually(() => expect(probe.watches[1]?.open).toBe(true), { intervalMs: 20 });
      expect(Number(probe.watches[1].resourceVersion)).toBeGreaterThanOrEqual(revision);
      await client.apply(configMap('a', { v: '2' }));
      await eventually(() => expect(dataOf(cache.get(ref('a')))).toEqual({ v: '2' }), { intervalMs: 20 });
      expect(probe.errors()).toEqual([]);
      expect(probe.lists).toBe(1);
    });

    it('(control) hidden from the cache, the same resume gets 410 Gone and a relist', async () => {
      const { client, probe, cache } = await outrunHistory(true);
      await eventually(() => expect(probe.lists).toBe(2), { intervalMs: 20 });
      expect(probe.watches[0].events.some((e) => e.type === 'BOOKMARK')).toBe(true);
      expect(probe.watches[1].resourceVersion).toBe(probe.watches[0].resourceVersion);
      expect(probe.errors().map((e) => e.object.code)).toEqual([410]);
      await client.apply(configMap('a', { v: '2' }));
      await eventually(() => expect(dataOf(cache.get(ref('a')))).toEqual({ v: '2' }), { intervalMs: 20 });
    });
  });

  it('never takes in objects outside its label selector', async () => {
    const { client, cache, changes } = watchConfigMaps(await startCluster(), 30);
    await client.apply(configMap('mine', { v: '1' }));
    await client.apply(configMap('plain', { v: '1' }, null));
    await client.apply(configMap('theirs', { v: '1' }, 'someone-else'));
    await cache.ensure('v1', 'ConfigMap');
    expect(cache.size).toBe(1);
    expect(cache.get(ref('mine'))).toBeDefined();

    // Changes outside the selector while watching, and one of ours leaving it.
    await client.apply(configMap('plain', { v: '2' }, null));
    await client.apply(configMap('plain-2', { v: '1' }, null));
    await client.apply(configMap('theirs', { v: '2' }, 'someone-else'));
    await client.apply(configMap('theirs-2', { v: '1' }, 'someone-else'));
    await client.apply(configMap('leaving', { v: '1' }));
    await client.apply(configMap('leaving', { v: '1' }, 'someone-else'));
    await client.deleteInBackground(ref('plain'));
    // The watch delivers in order: once this is in, everything before it has been seen.
    await client.apply(configMap('last', { v: '1' }));
    await eventually(() => expect(cache.get(ref('last'))).toBeDefined(), { intervalMs: 20 });

    for (const name of ['plain', 'plain-2', 'theirs', 'theirs-2', 'leaving', 'kube-root-ca.crt'])
      expect(cache.get(ref(name))).toBeUndefined();
    expect(cache.size).toBe(2);
    expect(summary(changes)).toEqual(['ADDED mine', 'ADDED leaving', 'DELETED leaving', 'ADDED last']);
  });

  describe("the agent's own writes and refresh", () => {
    /** A cache whose first watch has ended and whose next one waits: changes now reach it only late. */
    async function betweenWatches() {
      const setup = watchConfigMaps(await startCluster(), 1);
      await setup.client.apply(configMap('a', { v: '1' }));
      await setup.cache.ensure('v1', 'ConfigMap');
      setup.probe.hold();
      await eventually(() => expect(setup.probe.held).toBe(1), { intervalMs: 20 });
      return setup;
    }

    it('takes in a write at once; the watch then delivers it and later ones without repeating it', async () => {
      const { client, probe, cache, changes } = await betweenWatches();
      const mine = (await client.apply(configMap('b', { v: '1' }))).object;
      cache.recordWrite(mine);
      expect(dataOf(cache.get(ref('b')))).toEqual({ v: '1' });
      const theirs = (await client.apply(configMap('b', { v: '2' }))).object;
      probe.open();
      await eventually(() => expect(cache.get(ref('b'))?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion), {
        intervalMs: 20,
      });
      expect(summary(changes)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED b']);
    });

    it('never goes back to a version older than a write it took in, nor drops a recreated object on a stale delete', async () => {
      const { client, probe, cache, changes } = await betweenWatches();
      await client.apply(configMap('a', { v: '2' }));
      cache.recordWrite((await client.apply(configMap('a', { v: '3' }))).object);
      await client.deleteInBackground(ref('a'));
      cache.recordWrite((await client.apply(configMap('a', { v: '4' }))).object);
      const last = (await client.apply(configMap('z', { v: '1' }))).object;
      probe.open();
      // The watch delivers in order: once z is in, every event about a has been seen.
      await eventually(() => expect(cache.get(ref('z'))?.metadata?.resourceVersion).toBe(last.metadata?.resourceVersion), {
        intervalMs: 20,
      });
      expect(dataOf(cache.get(ref('a')))).toEqual({ v: '4' });
      expect(summary(changes)).toEqual(['ADDED a', 'MODIFIED a', 'MODIFIED a', 'ADDED z']);
    });

    it('refresh lists now: a change the watch has yet to deliver is in, and not announced twice', async () => {
      const { client, probe, cache, changes } = await betweenWatches();
      const theirs = (await client.apply(configMap('c', { v: '1' }))).object;
      expect(cache.get(ref('c'))).toBeUndefined();
      await cache.refresh('v1', 'ConfigMap');
      expect(cache.get(ref('c'))?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
      const last = (await client.apply(configMap('z', { v: '1' }))).object;
      probe.open();
      await eventually(() => expect(cache.get(ref('z'))?.metadata?.resourceVersion).toBe(last.metadata?.resourceVersion), {
        intervalMs: 20,
      });
      expect(summary(changes)).toEqual(['ADDED a', 'ADDED c', 'ADDED z']);
      expect(probe.lists).toBe(2);
    });
  });
});
