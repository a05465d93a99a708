import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetEventsService } from '../events/fleet-events.service';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';
import { RetentionService } from './retention.service';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };

describe('history retention', () => {
  let t: TestHub;
  let clusterId: string;

  beforeAll(async () => {
    t = await startTestHub(FILES, { reportRetentionDays: 7, historyRetentionDays: 60, auditRetentionDays: 0 });
    const agent = new TestAgent(t.hub.grpcAddress);
    clusterId = (await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-retention', name: 'kept', labels: {} }))
      .clusterId;
    agent.close();
  });

  afterAll(async () => {
    await t?.stop();
  });

  /** Rows 30 days old and rows of now, in every table retention looks at. */
  async function seed(tag: string): Promise<{ oldEvent: string; newEvent: string }> {
    const report = (seq: number, age: string) =>
      t.query(
        `INSERT INTO status_report (cluster_id, seq, bundle, commit, phase, message, resources, received_at)
         VALUES ($1, $2, 'web', 'c', 'synced', '', '[]', now() - $3::interval)`,
        [clusterId, seq, age],
      );
    const base = Date.now() * 1000 + (tag === 'a' ? 0 : 10);
    await report(base + 1, '30 days');
    await report(base + 2, '1 hour');
    const deployment = (seq: number, age: string) =>
      t.query(
        `INSERT INTO deployment (cluster_id, bundle, commit, seq, started_at, finished_at, result, health, message)
         VALUES ($1, 'web', 'c', $2, now() - $3::interval, now() - $3::interval, 'synced', 'healthy', '')`,
        [clusterId, seq, age],
      );
    await deployment(base + 1, '90 days');
    await deployment(base + 2, '30 days'); // past reports' retention, within history's
    const events = t.app.get(FleetEventsService);
    const oldEvent = (
      await events.record({
        type: 'cluster.revoked',
        severity: 'warning',
        cluster: 'kept',
        bundle: null,
        commit: null,
        message: `old ${tag}`,
        details: {},
      })
    ).id;
    const newEvent = (
      await events.record({
        type: 'cluster.revoked',
        severity: 'warning',
        cluster: 'kept',
        bundle: null,
        commit: null,
        message: `new ${tag}`,
        details: {},
      })
    ).id;
    await t.query(`UPDATE fleet_event SET at = now() - interval '90 days' WHERE id = $1`, [oldEvent]);
    await t.query(`INSERT INTO notification_delivery (event_id, webhook) VALUES ($1, 'hook')`, [oldEvent]);
    await t.query(
      `INSERT INTO audit_log (at, actor_id, actor_name, method, route, path, target, status) VALUES (now() - interval '400 days', 'x', 'old-${tag}', 'POST', '/r', '/r', 't', 200)`,
    );
    // A certificate expired 100 days ago, and one expired yesterday (still within history).
    await t.query(
      `INSERT INTO client_certificate (serial, cluster_id, not_after) VALUES ($1, $3, now() - interval '100 days'), ($2, $3, now() - interval '1 day')`,
      [`old-${tag}`, `new-${tag}`, clusterId],
    );
    return { oldEvent, newEvent };
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await t.query<{ n: string }>(sql, params))[0].n);

  it('deletes reports past REPORT_RETENTION_DAYS, deployments and events past HISTORY_RETENTION_DAYS (with deliveries); keeps the audit log (0)', async () => {
    const { oldEvent, newEvent } = await seed('a');
    const results = await t.app.get(RetentionService).prune();
    expect(results.find((r) => r.table === 'status_report')!.deleted).toBeGreaterThanOrEqual(1);
    expect(results.map((r) => r.table)).toEqual(['status_report', 'deployment', 'fleet_event', 'client_certificate']); // audit_log: kept whole
    expect(await count(`SELECT count(*) AS n FROM client_certificate WHERE serial = 'old-a'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM client_certificate WHERE serial = 'new-a'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM deployment WHERE finished_at < now() - interval '60 days'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM deployment WHERE finished_at < now() - interval '7 days'`)).toBeGreaterThanOrEqual(1);
    expect(await count(`SELECT count(*) AS n FROM status_report WHERE received_at < now() - interval '7 days'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM status_report WHERE cluster_id = $1`, [clusterId])).toBeGreaterThanOrEqual(1);
    expect(await count(`SELECT count(*) AS n FROM fleet_event WHERE id = $1`, [oldEvent])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM fleet_event WHERE id = $1`, [newEvent])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM notification_delivery WHERE event_id = $1`, [oldEvent])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE actor_name = 'old-a'`)).toBe(1);
  });

  it('one replica at a time: while another holds the lock, nothing is deleted', async () => {
    const { oldEvent } = await seed('b');
    const other = new Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(x'676672657461696e'::bigint)`);
      expect(await t.app.get(RetentionService).prune()).toEqual([]);
      expect(await count(`SELECT count(*) AS n FROM fleet_event WHERE id = $1`, [oldEvent])).toBe(1);
      await other.query(`SELECT pg_advisory_unlock(x'676672657461696e'::bigint)`);
      await t.app.get(RetentionService).prune();
      expect(await count(`SELECT count(*) AS n FROM fleet_event WHERE id = $1`, [oldEvent])).toBe(0);
    } finally {
      await other.end();
    }
  });
});
