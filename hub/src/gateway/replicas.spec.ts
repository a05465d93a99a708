import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterPresenceService } from '../clusters/cluster-presence.service';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { launchHub, type RunningHub } from '../hub';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';
import { FleetGateway } from './fleet-gateway.service';
import { SessionSignals } from './session-signals';
import { RolloutService } from '../rollout/rollout.service';
import type { RolloutView } from '../rollout/rollout.controller';
import { HealthStatus } from '#proto';

/**
 * Two hub replicas on one database (hub A from startTestHub, hub B launched beside it). Agents
 * connect to B; changes happen on A. Heartbeats are a minute apart, so what arrives within
 * seconds came by signal, not by the periodic sweep.
 */
const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };
const changedConfigMap = (value: string) => CONFIGMAP('web').replace('a: "1"', `a: "${value}"`);

describe('hub replicas', () => {
  let a: TestHub;
  let b: { hub: RunningHub; app: INestApplicationContext };
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    a = await startTestHub(FILES, { heartbeatIntervalMs: 60_000, rolloutTickIntervalMs: 600_000 });
    b = await launchHub({
      databaseUrl: a.db.url,
      dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-hub-b-')),
      fleetRepoUrl: a.repo.url,
      bootstrapToken: a.bootstrapToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 600_000,
      heartbeatIntervalMs: 60_000,
      logLevel: 'silent',
    });
  });

  afterAll(async () => {
    for (const agent of agents) agent.close();
    await b?.hub.stop();
    await a?.stop();
  });

  /** An agent registered and connected to `hub` (its gRPC address), holding its first TargetSet. */
  async function connectedAgent(
    name: string,
    grpcAddress = b.hub.grpcAddress,
    labels: Record<string, string> = {},
  ): Promise<{ stream: TestStream; clusterId: string; credential: string; agent: TestAgent }> {
    const agent = new TestAgent(grpcAddress);
    agents.push(agent);
    const c = await agent.register({ bootstrapToken: a.bootstrapToken, clusterUid: `uid-${name}`, name, labels });
    const stream = agent.connect(c.credential);
    stream.hello(c.clusterId);
    await stream.nth('targetSet');
    return { stream, clusterId: c.clusterId, credential: c.credential, agent };
  }

  it('a TargetSet placed by one replica reaches an agent connected to the other within a second or so', async () => {
    const { stream } = await connectedAgent('on-b-1');
    const commit = await a.repo.commit({ 'apps/web/cm.yaml': changedConfigMap('changed') }, 'change web');
    const startedAt = Date.now();
    await a.app.get(FleetRepoService).syncNow(); // A accepts and places; B never looks at the repo
    const second = await stream.nth('targetSet', 2, 5_000);
    expect(second.targets[0].source!.commit).toBe(commit);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('a replica that has not fetched the newest fleet commit yet places from it all the same', async () => {
    // A accepted a commit in the test above; B never looks at the repository (its poll is ten
    // minutes away), as a replica the push webhook did not reach.
    const head = await a.repo.head();
    const { stream } = await connectedAgent('on-b-newest');
    const [first] = stream.ofKind('targetSet');
    expect(first.targets.map((t) => [t.bundle, t.source?.commit])).toEqual([['web', head]]);
  });

  it('revoking on one replica ends the session on the other at once', async () => {
    const { stream } = await connectedAgent('on-b-2');
    const { status } = await a.request('POST', '/api/v1/clusters/on-b-2/revoke');
    expect(status).toBe(200);
    const ended = await stream.ended(5_000);
    expect(ended.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(ended.details).toMatch(/^revoked/);
  });

  it('sync now through one replica reaches an agent connected to the other', async () => {
    const { stream } = await connectedAgent('on-b-3');
    await eventually(async () =>
      expect((await a.get<{ connectivity: string }>('/api/v1/clusters/on-b-3')).body.connectivity).toBe('connected'),
    );
    const { status, body } = await a.request<{ command: string; reached: string[]; notConnected: string[] }>(
      'POST',
      '/api/v1/clusters/on-b-3/sync',
    );
    expect(status).toBe(202);
    expect(body.reached).toEqual(['on-b-3']);
    const command = await stream.nth('command', 1, 5_000);
    expect(command.id).toBe(body.command);
    expect(command.action?.$case).toBe('syncNow');
  });

  it('a signal about more clusters than one NOTIFY carries reaches the other replica whole', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const heard: string[] = [];
    const stop = b.app.get(SessionSignals).received.add((signal) => {
      if (signal.kind === 'targetSets') heard.push(...signal.clusterIds);
    });
    await a.app.get(SessionSignals).publish({ kind: 'targetSets', clusterIds: ids });
    await eventually(() => expect(heard.length).toBe(ids.length));
    stop();
    expect([...heard].sort()).toEqual(ids);
  });

  it('a status stored through one replica reaches the facts the other keeps for its rollout steps, by signal', async () => {
    const gated = `${BUNDLE('gated', '{ matchLabels: { rollout: gated } }')}  rollout:\n    maxUnavailable: 1\n`;
    const { stream } = await connectedAgent('on-b-gated', b.hub.grpcAddress, { rollout: 'gated' });
    const commit = await a.repo.commit({ 'fleet/gated.yaml': gated, 'apps/gated/cm.yaml': CONFIGMAP('gated') }, 'add gated');
    // A accepts the commit; B serves it from the database at its next step. Only A advances rollouts.
    await a.app.get(FleetRepoService).syncNow();
    await b.app.get(RolloutService).stepNow();
    await b.app.get(RolloutService).onModuleDestroy();
    await eventually(() => expect(stream.ofKind('targetSet').some((m) => m.targets.some((t) => t.bundle === 'gated'))).toBe(true));
    const rollouts = a.app.get(RolloutService);
    await rollouts.stepNow(); // A now keeps the cluster's facts: admitted, no status yet
    const state = async () => (await a.get<RolloutView>('/api/v1/rollouts/gated')).body;
    expect((await state()).state).toBe('progressing');

    await stream.acked(stream.report('gated', commit, { health: HealthStatus.HEALTH_STATUS_DEGRADED }));
    // A's tick is ten minutes away: only the signal from B can tell A's kept facts of the report.
    await eventually(async () => {
      await rollouts.stepNow();
      expect((await state()).halt).toMatchObject({ reason: 'failure', cluster: 'on-b-gated' });
    });
  });

  it('without signals, the sweep finds a revoked credential and newer TargetSets within one interval, read together', async () => {
    const revoked = await connectedAgent('on-b-4');
    const lagging = await Promise.all(Array.from({ length: 12 }, (_, i) => connectedAgent(`on-b-lag-${i}`)));
    await b.app.get(SessionSignals).onModuleDestroy(); // B stops listening: it hears nothing from A now
    await a.request('POST', '/api/v1/clusters/on-b-4/revoke');
    await a.repo.commit({ 'apps/web/cm.yaml': changedConfigMap('again') }, 'change web again');
    await a.app.get(FleetRepoService).syncNow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(revoked.stream.status).toBeUndefined(); // nothing reached B
    const before = lagging.map((l) => l.stream.ofKind('targetSet').length);

    // B's reads of current TargetSets while it sweeps: the lagging sessions share one.
    const db = b.app.get(DataSource);
    const query = db.query.bind(db);
    let targetSetReads = 0;
    db.query = ((sql: string, params?: unknown[]) => {
      if (sql.includes('FROM target_set t JOIN cluster c')) targetSetReads++;
      return query(sql, params);
    }) as typeof db.query;
    try {
      await b.app.get(FleetGateway).sweep(); // what B's heartbeat-interval timer runs
    } finally {
      db.query = query;
    }
    expect((await revoked.stream.ended(5_000)).details).toMatch(/^revoked/);
    await eventually(() => expect(lagging.map((l) => l.stream.ofKind('targetSet').length)).toEqual(before.map((n) => n + 1)), {
      timeoutMs: 5_000,
    });
    expect(targetSetReads).toBe(1);
  });

  it('an agent moving to the other replica stays connected when its old session ends; a starting replica resets nothing', async () => {
    const first = await connectedAgent('mover'); // on B
    // It reconnects to A (a deploy, a load balancer), and only then does the session on B end.
    const onA = new TestAgent(a.hub.grpcAddress);
    agents.push(onA);
    const stream = onA.connect(first.credential);
    stream.hello(first.clusterId);
    await stream.nth('targetSet');
    first.stream.close();
    await first.stream.ended(5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [row] = await a.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE name = 'mover'`);
    expect(row.connected).toBe(true);

    const c = await launchHub({
      databaseUrl: a.db.url,
      dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-hub-c-')),
      fleetRepoUrl: a.repo.url,
      bootstrapToken: a.bootstrapToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 600_000,
      logLevel: 'silent',
    });
    await c.hub.stop();
    const [after] = await a.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE name = 'mover'`);
    expect(after.connected).toBe(true);
  });

  it('clusters of a replica that died are marked unreachable once their last-seen time is old, with one event', async () => {
    const { clusterId, stream } = await connectedAgent('orphan', a.hub.grpcAddress);
    // The connect is written (in a batch) by replica A before the replica "dies".
    await eventually(async () => {
      const [row] = await a.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [clusterId]);
      expect(row.connected).toBe(true);
    });
    // What a replica that died without a word leaves: connected, by a replica no longer there, silent.
    await a.query(`UPDATE cluster SET connected_replica = 'a-replica-that-died', last_seen_at = now() - interval '1 hour' WHERE id = $1`, [
      clusterId,
    ]);
    const presenceA = a.app.get(ClusterPresenceService);
    const presenceB = b.app.get(ClusterPresenceService);
    const [fromA, fromB] = await Promise.all([presenceA.sweepStale(), presenceB.sweepStale()]);
    expect([...fromA, ...fromB]).toEqual([clusterId]); // one replica took it
    // The sweep cleared the dead replica's claim. The agent's session on A is still open, so A's
    // next last-seen flush may already have put it back (as below) — never under the dead replica.
    const [row] = await a.query<{ connected: boolean; replica: string | null; stale: boolean }>(
      `SELECT connected, connected_replica AS replica, last_seen_at < now() - interval '1 minute' AS stale FROM cluster WHERE id = $1`,
      [clusterId],
    );
    expect(row.replica).not.toBe('a-replica-that-died');
    expect(row.connected ? !row.stale : true, JSON.stringify(row)).toBe(true);
    const events = await a.query<{ type: string }>(
      `SELECT type FROM fleet_event WHERE cluster = 'orphan' AND type = 'cluster.unreachable'`,
    );
    expect(events).toHaveLength(1);
    expect(await presenceA.sweepStale()).toEqual([]);

    // Its agent is in fact still on replica A (whose writes had failed): its next message puts it back.
    stream.send({ $case: 'heartbeat', value: { sentAt: new Date().toISOString() } });
    await eventually(
      async () => {
        await presenceA.flush();
        const [again] = await a.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [clusterId]);
        expect(again.connected).toBe(true);
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
  });
});
