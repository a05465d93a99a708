import { createHash } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { canonicalJson } from '#core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { PlacementService } from './placement.service';
import type { TargetSpec } from './target-set';
import { TargetSetStore, WHOLE_TARGETS_SQL } from './target-set-store';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';

describe('placement: TargetSet revisions', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub({
      'fleet/web.yaml': BUNDLE('web'),
      'fleet/eu.yaml': BUNDLE('eu', '{ matchExpressions: [{ key: region, operator: In, values: [eu-west] }] }'),
      'apps/web/cm.yaml': CONFIGMAP('web'),
      'apps/eu/cm.yaml': CONFIGMAP('eu'),
    });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  const revisionOf = async (clusterId: string) =>
    (await t.query<{ revision: string }>(`SELECT revision::text AS revision FROM target_set WHERE cluster_id = $1`, [clusterId]))[0]
      .revision;

  it('writes a new revision only when the checksum changes, and pushes it to the open session', async () => {
    const reg = { bootstrapToken: t.bootstrapToken, clusterUid: 'uid-1', name: 'one', labels: { region: 'us-east' } };
    const { clusterId, credential } = await agent.register(reg);
    expect(await revisionOf(clusterId)).toBe('1');

    // Same labels, same fleet commit: nothing changes.
    const again = await agent.register(reg);
    await t.app.get(FleetRepoService).syncNow();
    expect(await revisionOf(clusterId)).toBe('1');

    const stream = agent.connect(again.credential);
    stream.hello(clusterId);
    expect((await stream.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);

    // New labels on re-registration: the cluster now matches "eu". The rotated credential
    // ends the session that used the old one.
    const moved = await agent.register({ ...reg, labels: { region: 'eu-west' } });
    expect(await revisionOf(clusterId)).toBe('2');
    expect((await stream.ended()).code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(stream.ofKind('targetSet')).toHaveLength(1);
    expect(moved.credential).not.toBe(credential);

    const fresh = agent.connect(moved.credential);
    fresh.hello(clusterId, stream.ofKind('targetSet')[0].checksum);
    const pushed = await fresh.nth('targetSet');
    expect(pushed.revision).toBe('2');
    expect(pushed.targets.map((x) => [x.bundle, x.values])).toEqual([
      ['eu', { 'cluster.labels.region': 'eu-west', 'cluster.name': 'one' }],
      ['web', { 'cluster.labels.region': 'eu-west', 'cluster.name': 'one' }],
    ]);
    fresh.close();
  });

  it('gives a cluster that no bundle selects an empty TargetSet at revision 1', async () => {
    await t.repo.commit({
      'fleet/web.yaml': null,
      'fleet/eu.yaml': null,
      'fleet/none.yaml': BUNDLE('none', '{ matchLabels: { never: "true" } }', 'apps/web'),
    });
    await t.app.get(FleetRepoService).syncNow();
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-2', name: 'two' });
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    const targetSet = await stream.nth('targetSet');
    expect(targetSet).toMatchObject({ revision: '1', targets: [] });
    stream.close();
  });
});

describe('placement: before any fleet commit is accepted', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    // The only commit is broken, so the hub has no desired state at all.
    t = await startTestHub(
      { 'fleet/web.yaml': 'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: Not_A_Name\n' },
      { heartbeatIntervalMs: 300 },
    );
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('sends a registered cluster no TargetSet until a good commit arrives, then sends it at once', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-early', name: 'early' });
    expect(await t.query(`SELECT cluster_id FROM target_set WHERE cluster_id = $1`, [clusterId])).toEqual([]);

    const stream = agent.connect(credential);
    stream.hello(clusterId);
    stream.keepAlive();
    try {
      // A heartbeat round-trip proves the session is live and has had time to send anything it would.
      await stream.nth('heartbeat');
      expect(stream.ofKind('targetSet')).toEqual([]);

      await t.repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, 'fix the fleet');
      await t.app.get(FleetRepoService).syncNow();
      const pushed = await stream.nth('targetSet');
      expect(pushed).toMatchObject({ revision: '1' });
      expect(pushed.targets.map((x) => x.bundle)).toEqual(['web']);
    } finally {
      stream.close();
    }
  });
});

describe('placement: a fleet larger than one write chunk', () => {
  let t: TestHub;
  const CLUSTERS = 2_500;

  beforeAll(async () => {
    t = await startTestHub({
      'fleet/web.yaml': BUNDLE('web'),
      'fleet/eu.yaml': BUNDLE('eu', '{ matchLabels: { region: eu } }'),
      'apps/web/cm.yaml': CONFIGMAP('web'),
      'apps/eu/cm.yaml': CONFIGMAP('eu'),
    });
    await t.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state, state_changed_at)
       SELECT gen_random_uuid(), 'c-' || lpad(n::text, 5, '0'), 'uid-' || n,
              CASE WHEN n % 2 = 0 THEN '{"region":"eu"}'::jsonb ELSE '{"region":"us"}'::jsonb END,
              'x', 'test', now(), false, 'active', now()
       FROM generate_series(1, ${CLUSTERS}) AS n`,
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  const stored = () =>
    t.query<{ name: string; revision: string; checksum: string; targets: TargetSpec[]; bundle_revisions: Record<string, string> }>(
      `SELECT c.name, t.revision::text AS revision, t.checksum, ${WHOLE_TARGETS_SQL} AS targets, t.bundle_revisions
       FROM target_set t JOIN cluster c ON c.id = t.cluster_id ORDER BY c.name`,
    );

  it('writes every TargetSet in chunks and announces each once, with the checksum the protocol defines', async () => {
    const placement = t.app.get(PlacementService);
    const announced: string[][] = [];
    const stop = placement.changed.add((changes) => void announced.push(changes.map((c) => c.clusterId)));
    await placement.replaceAll();
    stop();
    const rows = await stored();
    expect(rows).toHaveLength(CLUSTERS);
    expect(new Set(announced.flat()).size).toBe(CLUSTERS);
    expect(announced.flat()).toHaveLength(CLUSTERS);
    for (const row of [rows[0], rows[1], rows[CLUSTERS - 1]]) {
      const sorted = [...row.targets].sort((a, b) => (a.bundle < b.bundle ? -1 : 1));
      expect(row.checksum).toBe(createHash('sha256').update(canonicalJson(sorted)).digest('hex'));
      expect(row.targets.every((x) => x.values['cluster.name'] === row.name)).toBe(true);
    }
    expect(rows.find((r) => r.name === 'c-00002')!.targets.map((x) => x.bundle)).toEqual(['eu', 'web']);
    expect(rows.find((r) => r.name === 'c-00001')!.targets.map((x) => x.bundle)).toEqual(['web']);
  });

  it('keeps the bundle revision of an unchanged bundle, also on rows stored before target digests', async () => {
    // As a hub before the digests column left them; c-00001's row as if written by an older
    // placement (another checksum), with the same web target.
    await t.query(`UPDATE target_set SET target_digests = NULL WHERE cluster_id IN (SELECT id FROM cluster WHERE name <= 'c-01000')`);
    await t.query(`UPDATE target_set SET checksum = 'older' WHERE cluster_id = (SELECT id FROM cluster WHERE name = 'c-00001')`);
    await t.app.get(PlacementService).replaceAll();
    const rows = await stored();
    const moved = rows.find((r) => r.name === 'c-00001')!;
    expect(moved.revision).toBe('2');
    expect(moved.bundle_revisions).toEqual({ web: '1' });
    // The others are as they were, and got their digests written once.
    expect(rows.filter((r) => r.revision !== '1').map((r) => r.name)).toEqual(['c-00001']);
    expect(await t.query(`SELECT count(*)::int AS n FROM target_set WHERE target_digests IS NULL`)).toEqual([{ n: 0 }]);
  });

  it('places again a TargetSet that another replica wrote between this pass reading and writing it', async () => {
    const placement = t.app.get(PlacementService);
    const store = t.app.get(TargetSetStore);
    const [victim] = await t.query<{ id: string }>(`SELECT id::text AS id FROM cluster WHERE name = 'c-00002'`);
    // The other replica: once this pass has read what c-00002 holds, it writes a TargetSet of its own there.
    const held = store.held.bind(store);
    const spy = vi.spyOn(store, 'held').mockImplementationOnce(async (ids, needs) => {
      const read = await held(ids, needs);
      await t.query(`UPDATE target_set SET revision = revision + 1, checksum = 'other replica' WHERE cluster_id = $1`, [victim.id]);
      return read;
    });
    try {
      await t.repo.commit({ 'apps/eu/cm.yaml': CONFIGMAP('eu-overtaken') }, 'change eu');
      await t.app.get(FleetRepoService).syncNow();
      await placement.settled();
      // The pass that lost the race queued the cluster again; that one reads it anew and writes.
      await placement.settled();
    } finally {
      spy.mockRestore();
    }
    const rows = await stored();
    const overtaken = rows.find((r) => r.name === 'c-00002')!;
    const neighbour = rows.find((r) => r.name === 'c-00004')!;
    expect(overtaken.checksum).not.toBe('other replica');
    expect(overtaken.targets.find((x) => x.bundle === 'eu')?.source?.commit).toBe(await t.repo.head());
    expect(overtaken.targets.map((x) => ({ ...x, values: {} }))).toEqual(neighbour.targets.map((x) => ({ ...x, values: {} })));
  });
});
