import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
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
    // A heartbeat round-trip proves the session is live and has had time to send anything it would.
    await stream.nth('heartbeat');
    expect(stream.ofKind('targetSet')).toEqual([]);

    await t.repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, 'fix the fleet');
    await t.app.get(FleetRepoService).syncNow();
    const pushed = await stream.nth('targetSet');
    expect(pushed).toMatchObject({ revision: '1' });
    expect(pushed.targets.map((x) => x.bundle)).toEqual(['web']);
    stream.close();
  });
});
