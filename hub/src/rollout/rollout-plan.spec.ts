import { describe, expect, it } from 'vitest';
import {
  planRollout,
  resolveCount,
  revisionBefore,
  type RolloutCluster,
  type RolloutClusterStatus,
  type RolloutInput,
} from './rollout-plan';

const NEW = 'n'.repeat(40);
const OLD = 'o'.repeat(40);

function cluster(name: string, labels: Record<string, string> = {}): RolloutCluster {
  return { id: `id-${name}`, name, labels, desiredCommit: NEW, onDesired: false, sinceRevision: null };
}

const healthy: RolloutClusterStatus = {
  commit: NEW,
  phase: 'synced',
  health: 'healthy',
  brokenResource: null,
  message: '',
  targetSetRevision: null,
};

function input(overrides: Partial<RolloutInput>): RolloutInput {
  return {
    spec: { partitions: [], autoPartitionSize: 2, maxUnavailable: 1, pauseOnFailure: true },
    clusters: ['a', 'b', 'c', 'd', 'e'].map((n) => cluster(n)),
    statuses: new Map(),
    admitted: new Set(),
    paused: false,
    inPartition: (partition, c) => c.labels.stage === partition.name,
    ...overrides,
  };
}

describe('resolveCount', () => {
  it('takes counts and percentages, never less than one', () => {
    expect(resolveCount(3, 10, 'down')).toBe(3);
    expect(resolveCount('50%', 5, 'down')).toBe(2);
    expect(resolveCount('50%', 5, 'up')).toBe(3);
    expect(resolveCount('10%', 3, 'down')).toBe(1);
    expect(resolveCount(0, 3, 'down')).toBe(1);
  });
});

describe('planRollout', () => {
  it('slices clusters by name into automatic partitions and admits maxUnavailable of the first', () => {
    const plan = planRollout(input({}));
    expect(plan.partitions.map((p) => [p.name, p.clusters.map((c) => c.name), p.state])).toEqual([
      ['auto-1', ['a', 'b'], 'progressing'],
      ['auto-2', ['c', 'd'], 'pending'],
      ['auto-3', ['e'], 'pending'],
    ]);
    expect(plan.newlyAdmitted).toEqual(['id-a']);
    expect(plan.state).toBe('progressing');
  });

  it('admits no more while maxUnavailable clusters are still updating', () => {
    const plan = planRollout(
      input({ admitted: new Set(['id-a']), statuses: new Map([['id-a', { ...healthy, phase: 'progressing' as const }]]) }),
    );
    expect(plan.newlyAdmitted).toEqual([]);
  });

  it('counts a cluster done only when it reports the new commit synced and healthy', () => {
    const progressing = { ...healthy, health: 'progressing' as const };
    const oldCommit = { ...healthy, commit: OLD };
    for (const status of [progressing, oldCommit]) {
      expect(planRollout(input({ admitted: new Set(['id-a']), statuses: new Map([['id-a', status]]) })).newlyAdmitted).toEqual([]);
    }
    expect(planRollout(input({ admitted: new Set(['id-a']), statuses: new Map([['id-a', healthy]]) })).newlyAdmitted).toEqual(['id-b']);
  });

  it('with the same commit (new values), counts only a report made with the TargetSet that brought the new target', () => {
    const clusters = ['a', 'b', 'c', 'd', 'e'].map((n) => cluster(n));
    clusters[0] = { ...clusters[0], onDesired: true, sinceRevision: '8' };
    const reportedOn = (revision: string | null) => new Map([['id-a', { ...healthy, targetSetRevision: revision }]]);
    // Synced and healthy at the desired commit, but from revision 7: the old values.
    expect(planRollout(input({ clusters, statuses: reportedOn('7') })).newlyAdmitted).toEqual([]);
    expect(planRollout(input({ clusters, statuses: reportedOn('8') })).newlyAdmitted).toEqual(['id-b']);
    expect(planRollout(input({ clusters, statuses: reportedOn('9') })).newlyAdmitted).toEqual(['id-b']);
    // An agent that does not say which revision it held: the commit alone decides, as before.
    expect(planRollout(input({ clusters, statuses: reportedOn(null) })).newlyAdmitted).toEqual(['id-b']);
    // Compared as numbers, not as text: 10 is after 9.
    const later = [{ ...clusters[0], sinceRevision: '10' }, ...clusters.slice(1)];
    expect(planRollout(input({ clusters: later, statuses: reportedOn('9') })).newlyAdmitted).toEqual([]);
    expect(planRollout(input({ clusters: later, statuses: reportedOn('10') })).newlyAdmitted).toEqual(['id-b']);
  });

  it('orders TargetSet revisions as the numbers they are, past 2^53 too', () => {
    expect([revisionBefore('9', '10'), revisionBefore('10', '9'), revisionBefore('10', '10'), revisionBefore('123', '124')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(revisionBefore('9007199254740993', '9007199254740994')).toBe(true);
  });

  it('moves to the next partition only when every cluster of the previous one is done', () => {
    const statuses = new Map([
      ['id-a', healthy],
      ['id-b', healthy],
    ]);
    const plan = planRollout(
      input({
        admitted: new Set(['id-a', 'id-b']),
        statuses,
        spec: { partitions: [], autoPartitionSize: 2, maxUnavailable: '100%', pauseOnFailure: true },
      }),
    );
    expect(plan.partitions.map((p) => p.state)).toEqual(['done', 'progressing', 'pending']);
    expect(plan.newlyAdmitted).toEqual(['id-c', 'id-d']);
  });

  it('uses named partitions in order, the rest last, with per-partition maxUnavailable', () => {
    const clusters = [
      cluster('x1', { stage: 'canary' }),
      cluster('x2', { stage: 'prod' }),
      cluster('x3', { stage: 'prod' }),
      cluster('x4'),
    ];
    const plan = planRollout(
      input({
        clusters,
        spec: {
          partitions: [{ name: 'canary' }, { name: 'prod', maxUnavailable: 2 }],
          autoPartitionSize: 1,
          maxUnavailable: 1,
          pauseOnFailure: true,
        },
        admitted: new Set(['id-x1']),
        statuses: new Map([['id-x1', healthy]]),
      }),
    );
    expect(plan.partitions.map((p) => [p.name, p.clusters.map((c) => c.name), p.maxUnavailable])).toEqual([
      ['canary', ['x1'], 1],
      ['prod', ['x2', 'x3'], 2],
      ['unpartitioned', ['x4'], 1],
    ]);
    expect(plan.newlyAdmitted).toEqual(['id-x2', 'id-x3']);
  });

  it('halts on a degraded admitted cluster, naming cluster and resource, and admits nobody', () => {
    const degraded = { ...healthy, health: 'degraded' as const, brokenResource: 'Deployment/web/web', message: '' };
    const plan = planRollout(
      input({
        admitted: new Set(['id-a', 'id-b']),
        statuses: new Map([
          ['id-a', healthy],
          ['id-b', degraded],
        ]),
      }),
    );
    expect(plan.state).toBe('halted');
    expect(plan.halt).toMatchObject({ reason: 'failure', cluster: 'b', resource: 'Deployment/web/web' });
    expect(plan.halt?.message).toContain('cluster b is degraded (Deployment/web/web)');
    expect(plan.partitions[0]).toMatchObject({ state: 'halted' });
    expect(plan.newlyAdmitted).toEqual([]);
  });

  it('goes on when the failed cluster recovers', () => {
    const plan = planRollout(
      input({
        admitted: new Set(['id-a', 'id-b']),
        statuses: new Map([
          ['id-a', healthy],
          ['id-b', healthy],
        ]),
      }),
    );
    expect([plan.state, plan.halt, plan.newlyAdmitted]).toEqual(['progressing', null, ['id-c']]);
  });

  it('does not halt without pauseOnFailure, but a failed cluster keeps its partition from finishing', () => {
    const failed = { ...healthy, phase: 'failed' as const, brokenResource: 'ConfigMap/a/a' };
    const plan = planRollout(
      input({
        spec: { partitions: [], autoPartitionSize: 2, maxUnavailable: 2, pauseOnFailure: false },
        admitted: new Set(['id-a']),
        statuses: new Map([['id-a', failed]]),
      }),
    );
    expect([plan.state, plan.newlyAdmitted]).toEqual(['progressing', ['id-b']]);
  });

  it('admits nobody while paused', () => {
    const plan = planRollout(input({ paused: true }));
    expect([plan.state, plan.newlyAdmitted, plan.halt?.reason]).toEqual(['paused', [], 'paused']);
  });

  it('counts clusters already holding the desired target as admitted', () => {
    const clusters = ['a', 'b', 'c'].map((n) => ({ ...cluster(n), onDesired: true }));
    const statuses = new Map(clusters.map((c) => [c.id, healthy]));
    expect(planRollout(input({ clusters, statuses }))).toMatchObject({
      state: 'done',
      newlyAdmitted: [],
      admitted: ['id-a', 'id-b', 'id-c'],
    });
  });
});
