import { describe, expect, it } from 'vitest';
import { conditionOf } from '../../hub/src/api-contract';
import type { Bundle, BundleCluster, BundleHealth, BundlePhase, Cluster, FleetRepo, HubSummary, Rollout } from './api';
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

/** A bundle as the hub lists it (its clusters counted by phase and health), and its clusters as its page lists them. */
const bundle = (name: string, clusters: BundleCluster[]): [Bundle, BundleCluster[]] => {
  const placements: Bundle['placements'] = [];
  for (const c of clusters) {
    const same = placements.find((p) => p.phase === c.phase && p.health === c.health);
    if (same === undefined) placements.push({ phase: c.phase, health: c.health, condition: c.condition, clusters: 1 });
    else same.clusters++;
  }
  const bundle: Bundle = {
    name,
    path: `apps/${name}`,
    commit: 'c'.repeat(40),
    contentCommit: 'c'.repeat(40),
    pin: null,
    rollout: null,
    summary: {} as Bundle['summary'],
    placements,
  };
  return [bundle, clusters];
};

/**
 * summariseFleet over what the hub would answer for these clusters, bundles and rollouts: its
 * counts, and the first `listed` clusters of each kind of trouble, as `gitfleet status` asks.
 */
const summarise = (fleet: FleetRepo[], clusters: Cluster[], bundles: [Bundle, BundleCluster[]][], rollouts: Rollout[], listed = 20) => {
  const count = (keep: (c: Cluster) => boolean) => clusters.filter(keep).length;
  const unreachable = (c: Cluster) => c.state === 'active' && c.connectivity === 'unreachable';
  const drifted = (c: Cluster) => c.bundles.some((b) => b.driftCount > 0);
  const driftCounts = clusters.flatMap((c) => c.bundles.map((b) => b.driftCount));
  const summary: HubSummary = {
    clusters: clusters.length,
    states: {
      pending: count((c) => c.state === 'pending'),
      active: count((c) => c.state === 'active'),
      revoked: count((c) => c.state === 'revoked'),
    },
    connectivity: { connected: count((c) => c.connectivity === 'connected'), unreachable: count((c) => c.connectivity === 'unreachable') },
    unreachableActive: count(unreachable),
    phases: {} as HubSummary['phases'],
    drift: { placements: driftCounts.filter((n) => n > 0).length, resources: driftCounts.reduce((a, b) => a + b, 0) },
    groupBy: null,
    groups: [],
    groupsTruncated: false,
  };
  return summariseFleet(
    {
      fleet,
      summary,
      unreachable: clusters.filter(unreachable).slice(0, listed),
      pending: clusters.filter((c) => c.state === 'pending').slice(0, listed),
      drifted: clusters.filter(drifted).slice(0, listed),
      bundles: bundles.map(([b]) => b),
      troubled: new Map(bundles.map(([b, placed]) => [b.name, placed.filter((c) => c.condition.tone === 'bad').slice(0, listed)])),
      rollouts,
    },
    NOW,
  );
};

const placed = (cluster: string, phase: BundlePhase = 'synced', health: BundleHealth = 'healthy'): BundleCluster => ({
  cluster,
  phase,
  health,
  condition: conditionOf(phase, health),
  commit: 'c'.repeat(40),
});

const GOOD = 'a'.repeat(40);
const repo = (fields: Partial<FleetRepo> = {}): FleetRepo => ({
  name: 'default',
  url: 'https://git.example/fleet.git',
  branch: 'main',
  path: 'fleet',
  commit: GOOD,
  fetchedAt: '2026-01-02T11:59:00.000Z',
  state: 'ok',
  rejected: null,
  fetchError: null,
  error: null,
  ...fields,
});

describe('summariseFleet', () => {
  it('is ok when every cluster is connected and every placement synced and healthy', () => {
    const s = summarise([repo()], [cluster('a'), cluster('b')], [bundle('web', [placed('a'), placed('b')])], []);
    expect(s.ok).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.clusters).toMatchObject({ total: 2, byConnectivity: { connected: 2, unreachable: 0 }, byState: { active: 2 } });
    expect(s.placements).toEqual({ total: 2, byPhase: { synced: 2 }, byHealth: { healthy: 2 }, ready: 2 });
    expect(s.fleet).toEqual([{ name: 'default', state: 'ok', commit: GOOD }]);
  });

  it('names unreachable active clusters, with when they were last seen', () => {
    const s = summarise(
      [],
      [
        cluster('a', { connectivity: 'unreachable', lastSeenAt: '2026-01-02T11:55:00.000Z' }),
        cluster('b', { connectivity: 'unreachable', lastSeenAt: null }),
      ],
      [],
      [],
    );
    expect(s.ok).toBe(false);
    expect(s.clusters.unreachable).toEqual(['a', 'b']);
    expect(s.problems.map((p) => p.text)).toEqual(['cluster a is unreachable (last seen 5m ago)', 'cluster b is unreachable (never seen)']);
  });

  it('of many problems names the first of each kind and counts every one', () => {
    const down = Array.from({ length: 5 }, (_, i) =>
      cluster(`c${i}`, { connectivity: 'unreachable', lastSeenAt: '2026-01-02T11:55:00.000Z', bundles: [] }),
    );
    const failing = bundle('web', [
      placed('a', 'failed', 'degraded'),
      placed('b', 'failed', 'degraded'),
      placed('c', 'failed', 'degraded'),
    ]);
    const s = summarise([], down, [failing], [], 2);
    expect(s.clusters).toMatchObject({ unreachable: ['c0', 'c1'], unreachableCount: 5 });
    expect(s.problemCount).toBe(8);
    expect(s.problems.filter((p) => p.more !== undefined).map((p) => [p.kind, p.more])).toEqual([
      ['unreachable', 3],
      ['failed', 1],
    ]);
    expect(s.problems.map((p) => p.text)).toEqual([
      'cluster c0 is unreachable (last seen 5m ago)',
      'cluster c1 is unreachable (last seen 5m ago)',
      '… and 3 more clusters unreachable (gitfleet clusters --state unreachable)',
      'bundle web failed on a (health degraded)',
      'bundle web failed on b (health degraded)',
      '… and 1 more cluster where bundle web is failed, degraded or missing (gitfleet bundles get web)',
    ]);
  });

  it('does not count revoked or pending clusters as unreachable, but lists those awaiting approval', () => {
    const s = summarise(
      [],
      [
        cluster('gone', { state: 'revoked', connectivity: 'unreachable' }),
        cluster('new', { state: 'pending', connectivity: 'unreachable' }),
      ],
      [],
      [],
    );
    expect(s.ok).toBe(true);
    expect(s.clusters.pending).toEqual(['new']);
  });

  it('reports failed, degraded and missing placements by bundle and cluster', () => {
    const s = summarise(
      [],
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
    );
    expect(s.problems).toEqual([
      { kind: 'failed', text: 'bundle web failed on a (health degraded)' },
      { kind: 'degraded', text: 'bundle web is degraded on b (synced · degraded)' },
      { kind: 'missing', text: 'bundle web is missing on c (rolling out · missing)' },
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
    const s = summarise(
      [],
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
    );
    expect(s.rollouts).toEqual({ progressing: ['api'], paused: ['db'], halted: ['web'], done: [] });
    expect(s.problems).toEqual([
      { kind: 'halted', text: 'rollout of web is halted: cluster e2 is degraded (Deployment/web/web) at 1a2b3c4d5e6f' },
    ]);
  });
});

describe('summariseFleet: the fleet repositories', () => {
  it('is not ok when a fleet repository rejected its newest commit, listing file:line errors', () => {
    const errors = [
      { file: 'fleet/web.yaml', line: 7, field: 'spec.syncPolicy.prune', message: 'must be a boolean' },
      { file: 'fleet/api.yaml', line: null, field: null, message: 'not YAML' },
    ];
    const s = summarise(
      [repo({ state: 'rejected', rejected: { commit: 'b'.repeat(40), errors, at: '2026-01-02T11:00:00.000Z' } })],
      [],
      [],
      [],
    );
    expect(s.ok).toBe(false);
    expect(s.problems).toEqual([
      {
        kind: 'fleet-rejected',
        text: 'fleet repository default: commit bbbbbbb was rejected (the clusters keep aaaaaaa); 2 errors:',
        details: ['fleet/web.yaml:7: spec.syncPolicy.prune: must be a boolean', 'fleet/api.yaml: not YAML'],
      },
    ]);
  });

  it('is not ok when a fleet repository cannot be fetched, saying since when and why', () => {
    const fetchError = {
      message: 'git fetch failed: connection refused',
      since: '2026-01-02T11:50:00.000Z',
      lastAttemptAt: '2026-01-02T11:59:50.000Z',
    };
    const s = summarise([repo({ state: 'unreachable', fetchError })], [], [], []);
    expect(s.problems).toEqual([
      {
        kind: 'fleet-unreachable',
        text: 'fleet repository default cannot be fetched since 10m ago (the clusters keep aaaaaaa): git fetch failed: connection refused',
      },
    ]);
    expect(summarise([repo({ state: 'pending', commit: null })], [], [], []).problems).toEqual([
      { kind: 'fleet-pending', text: 'fleet repository default has no accepted commit yet' },
    ]);
  });

  it('counts drifted resources as a problem, naming where to look', () => {
    const drifted = cluster('a', {
      bundles: [
        {
          bundle: 'web',
          desiredCommit: GOOD,
          commit: GOOD,
          phase: 'synced',
          health: 'healthy',
          condition: conditionOf('synced', 'healthy'),
          driftCount: 2,
          lastReportAt: null,
          rollout: null,
        },
      ],
    });
    const s = summarise([repo()], [drifted], [], []);
    expect(s.ok).toBe(false);
    expect(s.drifted).toBe(2);
    expect(s.problems).toEqual([{ kind: 'drifted', text: 'bundle web has 2 drifted resources on a; see: gitfleet diff a web' }]);
  });
});
