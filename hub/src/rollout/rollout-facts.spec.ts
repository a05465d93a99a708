import { describe, expect, it } from 'vitest';
import { RolloutFacts } from './rollout-facts';
import type { RolloutClusterFacts } from './rollout-store';

/**
 * The kept facts against a fleet held in a Map (what RolloutStore.clusterFacts reads from
 * PostgreSQL is tested in rollout.spec): which reads happen, and that what comes back is always
 * the fleet as it is after the changes announced.
 */
function fleet(names: string[]) {
  const clusters = new Map<string, RolloutClusterFacts>();
  const set = (name: string, commit: string | null) =>
    clusters.set(name, {
      id: name,
      name,
      labels: {},
      digest: null,
      digestsMissing: false,
      sinceRevision: null,
      status:
        commit === null ? null : { commit, phase: 'synced', health: 'healthy', message: '', targetSetRevision: null, resources: null },
    });
  for (const name of names) set(name, null);
  const reads: (string[] | 'all')[] = [];
  let failNext = false;
  let during: (() => void) | undefined;
  const facts = new RolloutFacts(async (bundle, ids) => {
    expect(bundle).toBe('web');
    reads.push(ids === undefined ? 'all' : [...ids].sort());
    await new Promise((r) => setImmediate(r));
    during?.();
    during = undefined;
    if (failNext) {
      failNext = false;
      throw new Error('connection lost');
    }
    return [...clusters.values()].filter((c) => ids === undefined || ids.includes(c.id)).map((c) => structuredClone(c));
  });
  const now = async () =>
    Object.fromEntries(
      ((await facts.of(['web'])).get('web') ?? [])
        .map((f) => [f.id, f.status?.commit ?? '-'] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return {
    facts,
    reads,
    now,
    set,
    remove: (name: string) => clusters.delete(name),
    failNext: () => (failNext = true),
    whileReading: (change: () => void) => (during = change),
  };
}

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('the facts a rollout step plans on, kept between steps', () => {
  it('reads the whole fleet first, then only the clusters said to have changed, and nothing when none did', async () => {
    const f = fleet(NAMES);
    expect(await f.now()).toEqual({ a: '-', b: '-', c: '-', d: '-', e: '-', f: '-' });
    f.set('b', 'c1');
    f.remove('c');
    f.set('g', 'c1');
    f.facts.changed(['b', 'c', 'g']);
    expect(await f.now()).toEqual({ a: '-', b: 'c1', d: '-', e: '-', f: '-', g: 'c1' });
    expect(await f.now()).toEqual({ a: '-', b: 'c1', d: '-', e: '-', f: '-', g: 'c1' });
    expect(f.reads).toEqual(['all', ['b', 'c', 'g']]);
  });

  it('a change nobody announced is read by the next whole read (changedAll, as the tick does)', async () => {
    const f = fleet(NAMES);
    await f.now();
    f.set('a', 'c1');
    expect((await f.now()).a).toBe('-');
    f.facts.changedAll();
    expect((await f.now()).a).toBe('c1');
    expect(f.reads).toEqual(['all', 'all']);
  });

  it('reads everything when more than half the fleet changed', async () => {
    const f = fleet(NAMES);
    await f.now();
    f.facts.changed(['a', 'b', 'c', 'd']);
    await f.now();
    expect(f.reads).toEqual(['all', 'all']);
  });

  it('a change announced while a read runs is read by the next one', async () => {
    const f = fleet(NAMES);
    await f.now();
    f.facts.changed(['a']);
    f.whileReading(() => {
      f.set('b', 'c2');
      f.facts.changed(['b']);
    });
    expect((await f.now()).b).toBe('-');
    expect((await f.now()).b).toBe('c2');
    expect(f.reads).toEqual(['all', ['a'], ['b']]);
  });

  it('after a failed read, and for a bundle it stopped holding or forgot, it reads everything again', async () => {
    const f = fleet(NAMES);
    await f.now();
    f.set('a', 'c3');
    f.facts.changed(['a']);
    f.failNext();
    await expect(f.now()).rejects.toThrow('connection lost');
    expect((await f.now()).a).toBe('c3');
    await f.facts.of([]);
    await f.now();
    f.facts.forgetAll();
    f.facts.changed(['a']);
    await f.now();
    expect(f.reads).toEqual(['all', ['a'], 'all', 'all', 'all']);
  });

  it('hands out the same object for a cluster that did not change (what DesiredTargetCache compares)', async () => {
    const f = fleet(NAMES);
    const first = (await f.facts.of(['web'])).get('web')!;
    f.facts.changed(['a']);
    const second = (await f.facts.of(['web'])).get('web')!;
    const byId = (list: RolloutClusterFacts[], id: string) => list.find((c) => c.id === id);
    expect(byId(second, 'b')).toBe(byId(first, 'b'));
    expect(byId(second, 'a')).not.toBe(byId(first, 'a'));
  });
});
