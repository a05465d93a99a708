import { describe, expect, it } from 'vitest';
import type { DesiredTarget } from './desired-targets';
import { RolloutInputs } from './rollout-inputs';
import type { RolloutClusterFacts } from './rollout-store';

const facts = (
  id: string,
  digest: string | null,
  status: Partial<NonNullable<RolloutClusterFacts['status']>> | null = null,
): RolloutClusterFacts => ({
  id,
  name: `c-${id}`,
  labels: {},
  digest,
  digestsMissing: false,
  sinceRevision: digest === null ? null : '5',
  status:
    status === null
      ? null
      : { commit: 'n', phase: 'synced', health: 'healthy', message: '', targetSetRevision: '5', resources: null, ...status },
});

describe("a rolled-out bundle's planner input, kept between steps", () => {
  it('makes a cluster again only when its facts, its desired target or the digest it holds changed', () => {
    const inputs = new RolloutInputs();
    const target: DesiredTarget = { commit: 'n', digest: 'd-new' };
    const desired = new Map<string, DesiredTarget | null>([
      ['a', target],
      ['b', target],
      ['c', null],
    ]);
    const a = facts('a', 'd-new', {});
    const b = facts('b', 'd-old');
    const c = facts('c', null, { health: 'degraded' });
    const first = inputs.update([a, b, c], desired, (f) => f.digest);
    // c is not targeted: not selected, but its status is there.
    expect(first.selected.map((s) => [s.id, s.onDesired, s.sinceRevision])).toEqual([
      ['a', true, '5'],
      ['b', false, null],
    ]);
    expect([...first.statuses.keys()]).toEqual(['a', 'c']);

    const again = inputs.update([a, b, c], desired, (f) => f.digest);
    expect(again.selected[0]).toBe(first.selected[0]);
    expect(again.selected[1]).toBe(first.selected[1]);

    // b now holds the target and reported; a's desired target is a new object.
    const b2 = facts('b', 'd-new', { phase: 'progressing' });
    desired.set('a', { commit: 'n2', digest: 'd-2' });
    const third = inputs.update([a, b2, c], desired, (f) => f.digest);
    expect(third.selected.map((s) => [s.id, s.desiredCommit, s.onDesired])).toEqual([
      ['a', 'n2', false],
      ['b', 'n', true],
    ]);
    expect(third.statuses.get('b')?.phase).toBe('progressing');

    // A digest read from the held targets (a row from before digests) counts too.
    const fourth = inputs.update([a, b2, c], desired, (f) => (f.id === 'a' ? 'd-2' : f.digest));
    expect(fourth.selected[0].onDesired).toBe(true);
  });

  it('forgets clusters no longer active, with their status', () => {
    const inputs = new RolloutInputs();
    const target: DesiredTarget = { commit: 'n', digest: 'd' };
    const desired = new Map([
      ['a', target],
      ['b', target],
    ]);
    inputs.update([facts('a', 'd', {}), facts('b', 'd', {})], desired, (f) => f.digest);
    const after = inputs.update([facts('b', 'd', {})], desired, (f) => f.digest);
    expect(after.selected.map((s) => s.id)).toEqual(['b']);
    expect([...after.statuses.keys()]).toEqual(['b']);
  });
});
