import { describe, expect, it } from 'vitest';
import type { Bundle, BundleHealth, BundlePhase, Cluster, Rollout } from './api';
import { summariseFleet } from './fleet-summary';

const NOW = Date.parse('2026-01-02T12:00:00.000Z');

const cluster = (name: string, fields: Partial<Cluster> = {}): Cluster => ({
  id: name,
  name,
  labels: {},
  state: 'active',
  connectivity: 'connected',
  connected: true,
  lastSeenAt: '2026-01-02T11:59:58.000Z',
  targetSet: null,
  bundles: [],
  ...fields,
});

const bundle = (name: string, clusters: Bundle['clusters'], fields: Partial<Bundle> = {}): Bundle => ({
  name,
  path: `apps/${name}`,
  commit: 'c'.repeat(40),
  pin: null,
  rollout: null,
  clusters,
  summary: {} as Bundle['summary'],
  ...fields,
});

const placed = (cluster: string, phase: BundlePhase = 'synced', health: BundleHealth = 'healthy') => ({
  cluster,
  phase,
  health,
  commit: 'c'.repeat(40),
});

describe('summariseFleet', () => {
  it('is ok when every cluster is connected and every placement synced and healthy', () => {
    const s = summariseFleet([cluster('a'), cluster('b')], [bundle('web', [placed('a'), placed('b')])], [], NOW);
    expect(s.ok).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.clusters).toMatchObject({ total: 2, byConnectivity: { connected: 2 }, byState: { active: 2 } });
    expect(s.placements).toEqual({ total: 2, byPhase: { synced: 2 }, byHealth: { healthy: 2 } });
  });

  it('names unreachable active clusters, with when they were last seen', () => {
    const s = summariseFleet(
      [
        cluster('a', { connectivity: 'unreachable', lastSeenAt: '2026-01-02T11:55:00.000Z' }),
        cluster('b', { connectivity: 'unreachable', lastSeenAt: null }),
      ],
      [],
      [],
      NOW,
    );
    expect(s.ok).toBe(false);
    expect(s.clusters.unreachable).toEqual(['a', 'b']);
    expect(s.problems.map((p) => p.text)).toEqual(['cluster a is unreachable (last seen 5m ago)', 'cluster b is unreachable (never seen)']);
  });

  it('does not count revoked or pending clusters as unreachable, but lists those awaiting approval', () => {
    const s = summariseFleet(
      [
        cluster('gone', { state: 'revoked', connectivity: 'unreachable' }),
        cluster('new', { state: 'pending', connectivity: 'unreachable' }),
      ],
      [],
      [],
      NOW,
    );
    expect(s.ok).toBe(true);
    expect(s.clusters.pending).toEqual(['new']);
  });

  it('reports failed, degraded and missing placements by bundle and cluster', () => {
    const s = summariseFleet(
      [],
      [
        bundle('web', [
          placed('a', 'failed', 'degraded'),
          placed('b', 'synced', 'degraded'),
          placed('c', 'rolling-out', 'missing'),
          placed('d', 'unknown', 'unknown'),
        ]),
      ],
      [],
      NOW,
    );
    expect(s.problems).toEqual([
      { kind: 'failed', text: 'bundle web failed on a (health degraded)' },
      { kind: 'degraded', text: 'bundle web is degraded on b (synced)' },
      { kind: 'missing', text: 'bundle web is missing on c (rolling-out)' },
    ]);
  });

  it('reports a halted rollout with its cause; progressing and paused ones are listed, not problems', () => {
    const rollout = (bundle: string, state: Rollout['state'], halt: Rollout['halt'] = null): Rollout => ({
      bundle,
      revision: 'r',
      commit: 'c',
      state,
      paused: state === 'paused',
      halt,
      startedAt: '',
      updatedAt: '',
      partitions: [],
    });
    const s = summariseFleet(
      [],
      [],
      [
        rollout('web', 'halted', {
          reason: 'failure',
          cluster: 'e2',
          resource: 'Deployment/web/web',
          message: 'cluster e2 is degraded (Deployment/web/web) at 1a2b3c4d5e6f',
        }),
        rollout('api', 'progressing'),
        rollout('db', 'paused'),
      ],
      NOW,
    );
    expect(s.rollouts).toEqual({ progressing: ['api'], paused: ['db'], halted: ['web'], done: [] });
    expect(s.problems).toEqual([
      { kind: 'halted', text: 'rollout of web is halted: cluster e2 is degraded (Deployment/web/web) at 1a2b3c4d5e6f' },
    ]);
  });
});
