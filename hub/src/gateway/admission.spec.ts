import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';
import { RETRY_AFTER_METADATA } from '#core';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };

describe('admission control of agent connections', () => {
  let t: TestHub;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    t = await startTestHub(FILES, { grpcMaxHandshakes: 1 });
  });

  afterAll(async () => {
    for (const agent of agents) agent.close();
    await t?.stop();
  });

  async function registered(name: string) {
    const agent = new TestAgent(t.hub.grpcAddress);
    agents.push(agent);
    const c = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, labels: {} });
    return { agent, ...c };
  }

  it('refuses a Connect beyond GRPC_MAX_HANDSHAKES with RESOURCE_EXHAUSTED and a retry hint; the retry is served once a place is free', async () => {
    const slow = await registered('slow');
    const other = await registered('other');
    // The first connection is authenticated but has not said Hello: it holds the only place.
    const holding = slow.agent.connect(slow.credential);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const refused = other.agent.connect(other.credential);
    refused.hello(other.clusterId);
    const status = await refused.ended();
    expect(status.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(status.metadata.get(RETRY_AFTER_METADATA)).toEqual(['1000']);
    expect(refused.ofKind('targetSet')).toEqual([]);

    // Hello answered: the place is free again, and the refused agent's retry gets its TargetSet.
    holding.hello(slow.clusterId);
    await holding.nth('targetSet');
    const retried = other.agent.connect(other.credential);
    retried.hello(other.clusterId);
    expect((await retried.nth('targetSet')).targets.map((target) => target.bundle)).toEqual(['web']);
    holding.close();
    retried.close();
  });

  it('gives the place back when a connection ends before its Hello', async () => {
    const quitter = await registered('quitter');
    const next = await registered('next');
    const early = quitter.agent.connect(quitter.credential);
    await new Promise((resolve) => setTimeout(resolve, 300));
    early.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stream = next.agent.connect(next.credential);
    stream.hello(next.clusterId);
    await stream.nth('targetSet');
    stream.close();
  });
});
