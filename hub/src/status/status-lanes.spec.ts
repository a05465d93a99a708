import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusEvents } from '../events/status-events.service';
import { PlacementService } from '../placement/placement.service';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../testing/hub-fixture';
import type { ReceivedReport } from './report';
import { laneOf, StatusService, UnstorableReportError } from './status.service';

/**
 * Reports of many clusters stored at once, through both writer lanes: each cluster's current
 * status is its highest seq whatever order they were written in, a re-sent report is stored
 * once, and fleet events compare a batch's newest report with the status that batch replaced.
 */
describe('status writer lanes', () => {
  let t: TestHub;
  let clusters: { id: string; commit: string; revision: string }[];
  const CLUSTERS = 60;
  const PER_CLUSTER = 12;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { heartbeatIntervalMs: 60_000 });
    await t.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state, state_changed_at)
       SELECT gen_random_uuid(), 'lane-' || n, 'uid-lane-' || n, '{}', 'x', 'test', now(), true, 'active', now()
       FROM generate_series(1, ${CLUSTERS}) AS n`,
    );
    await t.app.get(PlacementService).replaceAll();
    clusters = await t.query(
      `SELECT t.cluster_id::text AS id, b.commit, t.revision::text AS revision
       FROM target_set t JOIN target_set_target tt ON tt.cluster_id = t.cluster_id JOIN target_body b ON b.id = tt.body_id`,
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  const report = (cluster: { commit: string; revision: string }, seq: number): ReceivedReport => ({
    seq: String(seq),
    bundle: 'web',
    commit: cluster.commit,
    phase: seq % 2 === 0 ? 'synced' : 'failed',
    message: seq % 2 === 0 ? '' : `attempt ${seq} failed`,
    resources: [],
    observedAt: new Date(),
    targetSetRevision: cluster.revision,
    health: seq % 2 === 0 ? 'healthy' : 'degraded',
    summary: null,
    driftCount: 0,
    syncStartedAt: null,
    reason: 'sync',
  });

  it('spreads clusters over both lanes', () => {
    expect(new Set(clusters.map((c) => laneOf(c.id))).size).toBe(2);
  });

  it('keeps each cluster at its highest seq and stores a re-sent report once', async () => {
    const status = t.app.get(StatusService);
    // Seqs of each cluster in shuffled order, all submitted at once, the last one twice.
    const submitted = clusters.flatMap((c) =>
      [...Array.from({ length: PER_CLUSTER }, (_, i) => 1_000 + i), 1_000 + PER_CLUSTER - 1]
        .sort(() => Math.random() - 0.5)
        .map((seq) => ({ cluster: c, seq })),
    );
    const results = await Promise.all(submitted.map(({ cluster, seq }) => status.store(cluster.id, report(cluster, seq))));
    expect(results.filter((r) => r.stored)).toHaveLength(CLUSTERS * PER_CLUSTER);

    const current = await t.query<{ id: string; last_seq: string; phase: string }>(
      `SELECT cluster_id::text AS id, last_seq::text, phase FROM bundle_status`,
    );
    expect(current).toHaveLength(CLUSTERS);
    // The highest seq, 1,011, is odd: failed.
    expect(new Set(current.map((r) => `${r.last_seq} ${r.phase}`))).toEqual(new Set(['1011 failed']));
    expect(await t.query(`SELECT count(*)::int AS n FROM status_report`)).toEqual([{ n: CLUSTERS * PER_CLUSTER }]);
  });

  it('derives fleet events from the status each batch replaced, in both lanes', async () => {
    const status = t.app.get(StatusService);
    const events = t.app.get(StatusEvents);
    await events.settled();
    const [{ since }] = await t.query<{ since: string }>(`SELECT coalesce(max(id), 0)::text AS since FROM fleet_event`);
    const eventsSince = () =>
      t.query<{ cluster: string; type: string; previous: string | null }>(
        `SELECT cluster, type, coalesce(details->>'previousPhase', details->>'previousHealth') AS previous
         FROM fleet_event WHERE id > $1 AND cluster LIKE 'lane-%' ORDER BY id`,
        [since],
      );
    // Submitted in one tick, so one batch per lane: synced then failed again on the same commit.
    // The batch replaced a failed, degraded status with a failed, degraded one: nothing changed.
    await Promise.all(clusters.flatMap((c) => [status.store(c.id, report(c, 2_000)), status.store(c.id, report(c, 2_001))]));
    await events.settled();
    expect(await eventsSince()).toEqual([]);

    await Promise.all(clusters.map((c) => status.store(c.id, report(c, 2_002))));
    await events.settled();
    const after = await eventsSince();
    expect(after).toHaveLength(CLUSTERS * 2);
    expect(new Set(after.map((e) => `${e.type} ${e.previous}`))).toEqual(new Set(['sync.succeeded failed', 'health.recovered degraded']));
    expect(new Set(after.map((e) => e.cluster)).size).toBe(CLUSTERS);
  });

  it('stores every field of a report as the agent said it, and a report the database refuses fails alone', async () => {
    const status = t.app.get(StatusService);
    const [a, b, c] = clusters.slice(-3);
    const observedAt = new Date('2026-12-07T08:00:00.123Z');
    const syncStartedAt = new Date('2026-12-07T07:59:58.5Z');
    // Text that means something to array literals, JSON and SQL alike is only data.
    const message = 'a "quoted", {braced} \\ back\\slashed, NULL\nmessage';
    const full: ReceivedReport = {
      ...report(a, 3_000),
      message,
      resources: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'web',
          name: 'web "cm"',
          action: 'configured',
          error: '',
          health: 'healthy',
          healthMessage: '',
          drifted: false,
          driftDiff: '',
        },
      ],
      observedAt,
      syncStartedAt,
      summary: { created: 0, configured: 1, unchanged: 2, deleted: 0, skipped: 0, failed: 0 },
      driftCount: 3,
      reason: 'drift',
    };
    // One batch: a drift count beyond PostgreSQL's integer is refused, the other two are stored.
    const outcomes = await Promise.allSettled([
      status.store(a.id, full),
      status.store(b.id, { ...report(b, 3_000), driftCount: 2 ** 31 }),
      status.store(c.id, { ...report(c, 3_000), observedAt: null, targetSetRevision: null }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnstorableReportError);

    const [stored] = await t.query<Record<string, unknown>>(
      `SELECT r.seq::text, r.bundle, r.commit, r.phase, r.message, r.resources, r.observed_at, r.target_set_revision::text,
              r.health, r.summary, r.drift_count, r.sync_started_at, r.reason,
              s.message AS status_message, s.applied_commit, s.applied_summary, s.applied_resources,
              d.result, d.started_at, d.finished_at, d.summary AS deployed_summary
       FROM status_report r
       JOIN bundle_status s ON s.cluster_id = r.cluster_id AND s.bundle = r.bundle
       JOIN deployment d ON d.cluster_id = r.cluster_id AND d.seq = r.seq
       WHERE r.cluster_id = $1 AND r.seq = 3000`,
      [a.id],
    );
    expect(stored).toEqual({
      seq: '3000',
      bundle: 'web',
      commit: a.commit,
      phase: 'synced',
      message,
      resources: full.resources,
      observed_at: observedAt,
      target_set_revision: a.revision,
      health: 'healthy',
      summary: full.summary,
      drift_count: 3,
      sync_started_at: syncStartedAt,
      reason: 'drift',
      status_message: message,
      applied_commit: a.commit,
      applied_summary: full.summary,
      applied_resources: full.resources,
      result: 'synced',
      started_at: syncStartedAt,
      finished_at: observedAt,
      deployed_summary: full.summary,
    });
    // Absent values are SQL NULL, not JSON null or empty text.
    expect(
      await t.query(
        `SELECT summary IS NULL AS no_summary, observed_at IS NULL AS no_time, target_set_revision IS NULL AS no_revision
         FROM status_report WHERE cluster_id = $1 AND seq = 3000`,
        [c.id],
      ),
    ).toEqual([{ no_summary: true, no_time: true, no_revision: true }]);
    expect(await t.query(`SELECT count(*)::int AS n FROM status_report WHERE cluster_id = $1 AND seq = 3000`, [b.id])).toEqual([{ n: 0 }]);
  });

  it('keeps history only of clusters that exist, and deletes it with a deleted cluster', async () => {
    const status = t.app.get(StatusService);
    const [gone] = await t.query<{ id: string }>(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state, state_changed_at)
       VALUES (gen_random_uuid(), 'lane-gone', 'uid-lane-gone', '{}', 'x', 'test', now(), true, 'active', now()) RETURNING id::text AS id`,
    );
    await t.app.get(PlacementService).replaceAll();
    const [placed] = await t.query<{ commit: string; revision: string }>(
      `SELECT b.commit, t.revision::text AS revision
       FROM target_set t JOIN target_set_target tt ON tt.cluster_id = t.cluster_id JOIN target_body b ON b.id = tt.body_id
       WHERE t.cluster_id = $1`,
      [gone.id],
    );
    const finished = (seq: number): ReceivedReport => ({ ...report(placed, seq), syncStartedAt: new Date() });
    // One batch: a report of a cluster that never existed is neither kept nor fails the others.
    const [kept, unknown, other] = await Promise.all([
      status.store(gone.id, finished(4_000)),
      status.store('00000000-0000-4000-8000-000000000000', finished(4_000)),
      status.store(clusters[0].id, report(clusters[0], 4_000)),
    ]);
    expect([kept, unknown, other]).toEqual([
      { stored: true, current: true },
      { stored: false, current: false },
      { stored: true, current: true },
    ]);
    const history = async () =>
      (
        await t.query<{ reports: number; deployments: number; statuses: number; others: number }>(
          `SELECT (SELECT count(*)::int FROM status_report WHERE cluster_id = $1) AS reports,
                (SELECT count(*)::int FROM deployment WHERE cluster_id = $1) AS deployments,
                (SELECT count(*)::int FROM bundle_status WHERE cluster_id = $1) AS statuses,
                (SELECT count(*)::int FROM status_report WHERE cluster_id <> $1) AS others`,
          [gone.id],
        )
      )[0];
    const before = await history();
    expect(before).toMatchObject({ reports: 1, deployments: 1, statuses: 1 });
    expect(await t.query(`SELECT count(*)::int AS n FROM status_report WHERE cluster_id = '00000000-0000-4000-8000-000000000000'`)).toEqual(
      [{ n: 0 }],
    );

    // An operator deletes the cluster: its history goes with it, nobody else's.
    await t.query(`DELETE FROM cluster WHERE id = $1`, [gone.id]);
    expect(await history()).toEqual({ reports: 0, deployments: 0, statuses: 0, others: before.others });
  });
});
