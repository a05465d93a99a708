import { describe, expect, it } from 'vitest';
import { storedResource as resource } from '../testing/stored-resource';
import { mayRecover, statusTransitions, type StatusSnapshot, type StatusTransitionInput } from './status-transitions';

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);

const snapshot = (fields: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  commit: C1,
  phase: 'synced',
  health: 'healthy',
  driftCount: 0,
  ...fields,
});

function input(
  before: StatusSnapshot | null,
  after: Partial<StatusTransitionInput['after']> = {},
  degradedOutstanding = false,
): StatusTransitionInput {
  return {
    cluster: 'eu-1',
    bundle: 'web',
    before,
    after: { ...snapshot(), message: '', resources: [resource('api')], ...after },
    degradedOutstanding,
  };
}

const base = { cluster: 'eu-1', bundle: 'web' };

describe('statusTransitions', () => {
  it('says a bundle synced when it first reports synced, and again on a new commit, never for a repeated report', () => {
    expect(statusTransitions(input(null))).toEqual([
      {
        ...base,
        commit: C1,
        type: 'sync.succeeded',
        severity: 'info',
        message: `web@${C1.slice(0, 12)} on eu-1 synced`,
        details: { previousPhase: null, previousCommit: null },
      },
    ]);
    expect(statusTransitions(input(snapshot()))).toEqual([]);
    expect(statusTransitions(input(snapshot(), { commit: C2 }))).toEqual([
      {
        ...base,
        commit: C2,
        type: 'sync.succeeded',
        severity: 'info',
        message: `web@${C2.slice(0, 12)} on eu-1 synced`,
        details: { previousPhase: 'synced', previousCommit: C1 },
      },
    ]);
    expect(statusTransitions(input(snapshot({ phase: 'progressing' })))).toMatchObject([
      { type: 'sync.succeeded', details: { previousPhase: 'progressing', previousCommit: C1 } },
    ]);
  });

  it('says a sync failed naming the first broken resource and its error, or the report message without one', () => {
    const failed = statusTransitions(
      input(snapshot(), {
        phase: 'failed',
        message: 'apply failed',
        resources: [resource('ok'), resource('bad', { action: 'failed', error: 'admission webhook denied' })],
      }),
    );
    expect(failed).toEqual([
      {
        ...base,
        commit: C1,
        type: 'sync.failed',
        severity: 'error',
        message: `sync of web@${C1.slice(0, 12)} on eu-1 failed: Deployment/web/bad: admission webhook denied`,
        details: { resource: 'Deployment/web/bad', previousPhase: 'synced' },
      },
    ]);
    expect(statusTransitions(input(null, { phase: 'failed', message: 'render failed', resources: [] }))).toEqual([
      {
        ...base,
        commit: C1,
        type: 'sync.failed',
        severity: 'error',
        message: `sync of web@${C1.slice(0, 12)} on eu-1 failed: render failed`,
        details: { resource: null, previousPhase: null },
      },
    ]);
    expect(statusTransitions(input(null, { phase: 'failed', resources: [] }))[0].message).toBe(
      `sync of web@${C1.slice(0, 12)} on eu-1 failed`,
    );
    // Failed again at the same commit: nothing new.
    expect(statusTransitions(input(snapshot({ phase: 'failed' }), { phase: 'failed' }))).toEqual([]);
  });

  it('says a bundle is degraded (naming a degraded resource and its health message), and healthy again only when one is owed', () => {
    const degraded = statusTransitions(
      input(snapshot(), {
        health: 'degraded',
        resources: [resource('api', { health: 'degraded', healthMessage: '0 of 3 replicas available' })],
      }),
    );
    expect(degraded).toEqual([
      {
        ...base,
        commit: C1,
        type: 'health.degraded',
        severity: 'error',
        message: `web@${C1.slice(0, 12)} on eu-1 is degraded: Deployment/web/api: 0 of 3 replicas available`,
        details: { resource: 'Deployment/web/api', previousHealth: 'healthy' },
      },
    ]);
    expect(statusTransitions(input(snapshot({ health: 'degraded' }), { health: 'degraded' }))).toEqual([]);
    expect(statusTransitions(input(snapshot({ health: 'degraded' }), {}, true))).toEqual([
      {
        ...base,
        commit: C1,
        type: 'health.recovered',
        severity: 'info',
        message: `web@${C1.slice(0, 12)} on eu-1 is healthy again`,
        details: { previousHealth: 'degraded' },
      },
    ]);
    expect(statusTransitions(input(snapshot({ health: 'progressing' }), {}, false))).toEqual([]);
  });

  it('says drift was detected (naming at most 20 drifted resources) and corrected', () => {
    const resources = Array.from({ length: 45 }, (_, i) => resource(`r${i}`, { drifted: i % 2 === 0 }));
    const detected = statusTransitions(input(snapshot(), { driftCount: 23, resources }));
    expect(detected).toEqual([
      {
        ...base,
        commit: C1,
        type: 'drift.detected',
        severity: 'warning',
        message: `23 resources of web@${C1.slice(0, 12)} on eu-1 drifted from the fleet`,
        // The first 20 of the 23, in the report's order.
        details: { driftCount: 23, resources: Array.from({ length: 20 }, (_, i) => `Deployment/web/r${2 * i}`) },
      },
    ]);
    expect(statusTransitions(input(snapshot(), { driftCount: 1, resources: [resource('one', { drifted: true })] }))[0].message).toBe(
      `1 resource of web@${C1.slice(0, 12)} on eu-1 drifted from the fleet`,
    );
    expect(statusTransitions(input(snapshot({ driftCount: 3 }), { driftCount: 2 }))).toEqual([]);
    expect(statusTransitions(input(snapshot({ driftCount: 3 })))).toEqual([
      {
        ...base,
        commit: C1,
        type: 'drift.corrected',
        severity: 'info',
        message: `drift of web@${C1.slice(0, 12)} on eu-1 corrected`,
        details: { previousDriftCount: 3 },
      },
    ]);
  });

  it('gives every event one report causes, in order: the sync, then health, then drift', () => {
    const events = statusTransitions(
      input(snapshot({ phase: 'progressing' }), {
        commit: C2,
        phase: 'failed',
        health: 'degraded',
        driftCount: 1,
        resources: [resource('api', { action: 'failed', error: 'boom', drifted: true })],
      }),
    );
    expect(events.map((e) => [e.type, e.message])).toEqual([
      ['sync.failed', `sync of web@${C2.slice(0, 12)} on eu-1 failed: Deployment/web/api: boom`],
      ['health.degraded', `web@${C2.slice(0, 12)} on eu-1 is degraded: Deployment/web/api: boom`],
      ['drift.detected', `1 resource of web@${C2.slice(0, 12)} on eu-1 drifted from the fleet`],
    ]);
  });

  it('names a cluster-scoped resource without a namespace', () => {
    const events = statusTransitions(
      input(null, { phase: 'failed', resources: [resource('admin', { kind: 'ClusterRole', namespace: '', error: 'forbidden' })] }),
    );
    expect(events[0].details).toEqual({ resource: 'ClusterRole/admin', previousPhase: null });
  });
});

describe('mayRecover', () => {
  it('is worth a query only when a bundle that had a status turns healthy from anything else', () => {
    expect(mayRecover(snapshot({ health: 'degraded' }), snapshot())).toBe(true);
    expect(mayRecover(snapshot({ health: 'progressing' }), snapshot())).toBe(true);
    expect(mayRecover(snapshot(), snapshot())).toBe(false);
    expect(mayRecover(null, snapshot())).toBe(false);
    expect(mayRecover(snapshot({ health: 'degraded' }), snapshot({ health: 'degraded' }))).toBe(false);
  });
});
