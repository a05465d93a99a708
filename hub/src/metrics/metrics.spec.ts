import { HealthStatus, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';

const FILES = {
  'fleet/web.yaml': BUNDLE('web'),
  'fleet/api.yaml': BUNDLE('api'),
  'apps/web/cm.yaml': CONFIGMAP('web'),
  'apps/api/cm.yaml': CONFIGMAP('api'),
};

/** `name{labels} value` lines of the exposition text, by series. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

describe('GET /metrics', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    agent = new TestAgent(t.hub.grpcAddress);
    const commit = await t.repo.head();
    const c = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-m', name: 'm-1', labels: {} });
    const stream = agent.connect(c.credential);
    stream.hello(c.clusterId);
    await stream.nth('targetSet');
    const now = Date.now();
    await stream.acked(
      stream.report('web', commit, {
        observedAt: new Date(now).toISOString(),
        syncStartedAt: new Date(now - 3000).toISOString(),
        driftCount: 2,
      }),
    );
    await stream.acked(stream.report('api', commit, { phase: SyncPhase.SYNC_PHASE_FAILED, health: HealthStatus.HEALTH_STATUS_DEGRADED }));
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-m2', name: 'm-2', labels: {} });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('serves Prometheus text without a token, with fleet state counted from the database', async () => {
    const response = await fetch(`${t.hub.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const m = parse(await response.text());
    expect(m.get('gitfleet_agents_connected')).toBe(1);
    expect(m.get('gitfleet_clusters{state="active",connectivity="connected"}')).toBe(1);
    expect(m.get('gitfleet_clusters{state="active",connectivity="unreachable"}')).toBe(1);
    expect(m.get('gitfleet_bundle_status_phase{phase="synced"}')).toBe(1);
    expect(m.get('gitfleet_bundle_status_phase{phase="failed"}')).toBe(1);
    expect(m.get('gitfleet_bundle_status_health{health="degraded"}')).toBe(1);
    expect(m.get('gitfleet_drifted_resources')).toBe(2);
    expect(m.get('gitfleet_sync_failures_total{bundle="api"}')).toBe(1);
    expect(m.get('gitfleet_sync_duration_seconds_count{result="synced"}')).toBe(1);
    expect(m.get('gitfleet_sync_duration_seconds_sum{result="synced"}')).toBeCloseTo(3, 1);
    expect(m.get('gitfleet_status_write_batches_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('gitfleet_status_write_batch_size_sum')).toBe(2);
    expect(m.get('gitfleet_report_queue_depth')).toBe(0);
    expect(m.get('gitfleet_targetset_fanout_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.get('gitfleet_fleet_fetch_duration_seconds_count{repo="default"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('gitfleet_rollouts{state="halted"}')).toBe(0);
    expect(m.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // No series is labelled with a cluster name.
    expect([...m.keys()].some((k) => k.includes('m-1'))).toBe(false);
  });
});
