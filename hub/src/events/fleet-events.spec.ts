import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthStatus, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';
import type { FleetEvent } from './fleet-event';
import { FleetEventsService } from './fleet-events.service';
import { StatusEvents } from './status-events.service';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };

describe('fleet events', () => {
  let t: TestHub;
  let agent: TestAgent;
  let stream: TestStream;
  let commit: string;
  let events: FleetEventsService;
  const live: FleetEvent[] = [];

  const typesSince = async (id: string) =>
    (await events.list({ limit: 500 })).items
      .filter((e) => BigInt(e.id) > BigInt(id))
      .map((e) => e.type)
      .reverse();
  const newest = async () => (await events.list({ limit: 1 })).items[0]?.id ?? '0';
  const report = async (fields: Parameters<TestStream['report']>[2] = {}) => {
    await stream.acked(stream.report('web', commit, fields));
    await t.app.get(StatusEvents).settled();
  };

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    events = t.app.get(FleetEventsService);
    events.subscribe((e) => live.push(e));
    commit = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    const c = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-ev', name: 'ev-1', labels: {} });
    stream = agent.connect(c.credential);
    stream.hello(c.clusterId);
    await stream.nth('targetSet');
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('record registration, connection and the accepted fleet commit', async () => {
    await eventually(async () => {
      const types = (await events.list({})).items.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['fleet.commit.accepted', 'cluster.registered', 'cluster.connected']));
    });
    const accepted = (await events.list({ type: 'fleet.commit.accepted' })).items;
    expect(accepted).toHaveLength(1);
    expect(accepted[0].commit).toBe(commit);
  });

  it('are recorded on transitions only, never for a repeated identical report', async () => {
    const start = await newest();
    await report();
    await report();
    expect(await typesSince(start)).toEqual(['sync.succeeded']);

    await report({ phase: SyncPhase.SYNC_PHASE_FAILED, health: HealthStatus.HEALTH_STATUS_DEGRADED, message: 'apply failed' });
    await report({ phase: SyncPhase.SYNC_PHASE_FAILED, health: HealthStatus.HEALTH_STATUS_DEGRADED, message: 'apply failed' });
    await report({ phase: SyncPhase.SYNC_PHASE_PROGRESSING, health: HealthStatus.HEALTH_STATUS_PROGRESSING });
    await report({ driftCount: 2 });
    await report({ driftCount: 2 });
    await report();
    expect(await typesSince(start)).toEqual([
      'sync.succeeded',
      'sync.failed',
      'health.degraded',
      'sync.succeeded',
      'health.recovered',
      'drift.detected',
      'drift.corrected',
    ]);
    const failed = (await events.list({ type: 'sync.failed' })).items[0];
    expect(failed).toMatchObject({ severity: 'error', cluster: 'ev-1', bundle: 'web', commit });
    expect(failed.message).toContain('apply failed');
  });

  it('recorded together share one INSERT; an event the database refuses fails alone', async () => {
    const since = await newest();
    const draft = (message: string, details: Record<string, unknown> = {}) => ({
      type: 'cluster.registered' as const,
      severity: 'info' as const,
      cluster: 'batch-1',
      bundle: null,
      commit: null,
      message,
      details,
    });
    // Text that means something to array literals, JSON or SQL is stored as it was said.
    const third = 'third: "quoted", {braced} \\ NULL,';
    const details = { reason: 'a "b" \\ {c}', list: [1, null, 'x'] };
    // Submitted in one tick: one batch. PostgreSQL refuses NUL in text (22021), so that batch
    // fails, and each of its events is written on its own.
    const results = await Promise.allSettled([
      events.record(draft('first')),
      events.record(draft('bad\u0000one')),
      events.record(draft(third, details)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const written = (await events.list({ cluster: 'batch-1', limit: 10 })).items.filter((e) => BigInt(e.id) > BigInt(since));
    expect(written.map((e) => e.message).reverse()).toEqual(['first', third]);
    expect(written[0].details).toEqual(details);
    // In the order submitted, each delivered live once.
    await eventually(() => expect(live.filter((e) => e.cluster === 'batch-1').map((e) => e.message)).toEqual(['first', third]));
  });

  it('keep the order of a batch, one INSERT for many', async () => {
    const since = await newest();
    const messages = Array.from({ length: 300 }, (_, i) => `ordered ${i}`);
    await Promise.all(
      messages.map((message) =>
        events.record({
          type: 'cluster.registered',
          severity: 'info',
          cluster: 'batch-2',
          bundle: null,
          commit: null,
          message,
          details: { i: message },
        }),
      ),
    );
    const rows = await t.query<{ message: string; i: string }>(
      `SELECT message, details->>'i' AS i FROM fleet_event WHERE cluster = 'batch-2' AND id > $1 ORDER BY id`,
      [since],
    );
    expect(rows.map((r) => r.message)).toEqual(messages);
    expect(rows.map((r) => r.i)).toEqual(messages);
  });

  it('reach subscribers live, each once', async () => {
    const ids = live.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Everything recorded since the subscription began (the fleet commit was accepted while the hub started).
    const all = (await events.list({ limit: 500 })).items
      .map((e) => e.id)
      .reverse()
      .filter((id) => BigInt(id) >= BigInt(ids[0]));
    expect(ids.length).toBeGreaterThanOrEqual(8);
    expect(ids).toEqual(all);
  });

  it('list newest first with filters and keyset pages', async () => {
    const all = (await events.list({ limit: 500 })).items;
    const pages: FleetEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await events.list({ limit: 3, cursor });
      pages.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    expect(pages.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(all.map((e) => BigInt(e.id))).toEqual([...all.map((e) => BigInt(e.id))].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));

    expect((await events.list({ bundle: 'web' })).items.every((e) => e.bundle === 'web')).toBe(true);
    expect((await events.list({ cluster: 'ev-1', type: 'drift.detected' })).items).toHaveLength(1);
    expect((await events.list({ cluster: 'nope' })).items).toEqual([]);
    expect((await events.list({ since: new Date(Date.now() + 60_000).toISOString() })).items).toEqual([]);
    await expect(events.list({ type: 'sync.exploded' })).rejects.toThrow(/type/);
    await expect(events.list({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(events.list({ cursor: 'x' })).rejects.toThrow(/cursor/);
  });

  it('reach subscribers of every hub on the database (NOTIFY), each once', async () => {
    let second: RunningHub | undefined;
    try {
      const launched = await launchHub({
        databaseUrl: t.db.url,
        dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-hub2-')),
        fleetRepoUrl: t.repo.url,
        bootstrapToken: t.bootstrapToken,
        httpPort: 0,
        grpcPort: 0,
        fleetPollIntervalMs: 60_000,
        logLevel: 'silent',
      });
      second = launched.hub;
      const there: FleetEvent[] = [];
      launched.app.get(FleetEventsService).subscribe((e) => there.push(e));
      const here = live.length;

      const recorded = await events.record({
        type: 'rollout.halted',
        severity: 'error',
        cluster: 'ev-1',
        bundle: 'web',
        commit,
        message: 'test halt',
        details: {},
      });
      const fromThere = await launched.app.get(FleetEventsService).record({
        type: 'cluster.revoked',
        severity: 'warning',
        cluster: 'x',
        bundle: null,
        commit: null,
        message: 'from the second hub',
        details: {},
      });
      await eventually(() => {
        expect(there.map((e) => e.id)).toEqual(expect.arrayContaining([recorded.id, fromThere.id]));
        expect(live.slice(here).map((e) => e.id)).toEqual(expect.arrayContaining([recorded.id, fromThere.id]));
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(there.filter((e) => e.id === recorded.id)).toHaveLength(1);
      expect(live.filter((e) => e.id === fromThere.id)).toHaveLength(1);
      expect(there.find((e) => e.id === recorded.id)).toEqual(recorded);
    } finally {
      await second?.stop();
    }
  });

  it("are not read back by the replica that wrote them when their NOTIFY arrives before the INSERT's answer", async () => {
    // Ten batches of 400: each INSERT's NOTIFY reaches the LISTEN connection about when the
    // INSERT's own answer reaches the pool connection, in either order.
    const fetched: string[] = [];
    const byIds = events.byIds.bind(events);
    events.byIds = async (ids) => {
      fetched.push(...ids);
      return byIds(ids);
    };
    try {
      const recorded = await Promise.all(
        Array.from({ length: 4_000 }, (_, i) =>
          events.record({
            type: 'cluster.registered',
            severity: 'info',
            cluster: `echo-${i}`,
            bundle: null,
            commit: null,
            message: 'echo',
            details: {},
          }),
        ),
      );
      // The echo of the last batch: a later event from another connection is announced after it.
      const marker = await t.db.query<{ id: string }>(
        `WITH e AS (INSERT INTO fleet_event (type, at, severity, message, details) VALUES ('cluster.revoked', now(), 'warning', 'marker', '{}') RETURNING id)
         SELECT id::text AS id, pg_notify('gitfleet_events', id::text) FROM e`,
      );
      await eventually(() => expect(live.some((e) => e.id === marker[0].id)).toBe(true));
      const mine = new Set(recorded.map((e) => e.id));
      expect(fetched.filter((id) => mine.has(id))).toEqual([]);
      expect(live.filter((e) => mine.has(e.id))).toHaveLength(4_000);
    } finally {
      events.byIds = byIds;
    }
  });
});

describe('fleet events at shutdown', () => {
  it('of reports acked just before the hub stops are written before its database closes', async () => {
    const t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    const agents = Array.from({ length: 20 }, () => new TestAgent(t.hub.grpcAddress));
    try {
      const commit = await t.repo.head();
      const streams = await Promise.all(
        agents.map(async (agent, i) => {
          const c = await agent.register({
            bootstrapToken: t.bootstrapToken,
            clusterUid: `uid-stop-${i}`,
            name: `stopping-${i}`,
            labels: {},
          });
          const stream = agent.connect(c.credential);
          stream.hello(c.clusterId);
          await stream.nth('targetSet');
          return stream;
        }),
      );
      // Acked means durable; the events are written after the acks, without holding them up:
      // 20 clusters failing at once leave 40 events to write behind the last ack.
      const failed = { phase: SyncPhase.SYNC_PHASE_FAILED, health: HealthStatus.HEALTH_STATUS_DEGRADED, message: 'boom' };
      await Promise.all(streams.map((stream) => stream.acked(stream.report('web', commit, failed))));
      for (const agent of agents) agent.close();
      await t.hub.stop();
      const rows = await t.query<{ type: string; n: string }>(
        `SELECT type, count(*) AS n FROM fleet_event WHERE cluster LIKE 'stopping-%' AND type IN ('sync.failed', 'health.degraded') GROUP BY type ORDER BY type`,
      );
      expect(rows).toEqual([
        { type: 'health.degraded', n: '20' },
        { type: 'sync.failed', n: '20' },
      ]);
    } finally {
      for (const agent of agents) agent.close();
      await t.db.drop();
      await t.repo.remove();
    }
  });
});
