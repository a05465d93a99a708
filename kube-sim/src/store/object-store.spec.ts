import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../json-value';
import { ObjectStore, StoreEvent } from './object-store';

const cm = (name: string, data = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data: { k: data },
});

describe('ObjectStore', () => {
  it('gives every write the next cluster-wide resourceVersion and tells subscribers', () => {
    const store = new ObjectStore();
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    store.put('/configmaps', cm('a'));
    store.put('apps/deployments', { ...cm('d'), kind: 'Deployment' });
    store.put('/configmaps', cm('a', '2'));
    store.remove('/configmaps', 'ns', 'a');
    expect(events.map((e) => [e.type, e.resourceVersion])).toEqual([
      ['ADDED', 1],
      ['ADDED', 2],
      ['MODIFIED', 3],
      ['DELETED', 4],
    ]);
    expect(events[2].previous?.['data']).toEqual({ k: '1' });
    expect(store.get('/configmaps', 'ns', 'a')).toBeUndefined();
  });

  it('hands out copies: changing one does not change what is stored', () => {
    const store = new ObjectStore();
    const stored = store.put('/configmaps', cm('a'));
    (stored['data'] as Record<string, string>)['k'] = 'changed';
    expect(store.get('/configmaps', 'ns', 'a')?.['data']).toEqual({ k: '1' });
  });

  it('replays history of one type after a resourceVersion', () => {
    const store = new ObjectStore();
    store.put('/configmaps', cm('a'));
    store.put('/secrets', cm('s'));
    store.put('/configmaps', cm('b'));
    expect(store.eventsSince(1, '/configmaps').map((e) => e.object.metadata.name)).toEqual(['b']);
  });

  it('forgets the oldest events past its history limit: older versions can no longer be watched', () => {
    const store = new ObjectStore(3);
    expect(store.oldestWatchableVersion).toBe(0);
    for (let i = 0; i < 5; i++) store.put('/configmaps', cm(`c${i}`));
    expect(store.oldestWatchableVersion).toBe(3);
    expect(store.eventsSince(0, '/configmaps').map((e) => e.resourceVersion)).toEqual([3, 4, 5]);
  });
});
