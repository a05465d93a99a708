import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';

/** `ss` (iproute2) shows a listening socket's backlog as its Send-Q. */
function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasSs())('gRPC listener (needs `ss` from iproute2 to read the backlog)', () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { grpcListenBacklog: 1234 });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('listens with GRPC_LISTEN_BACKLOG as its accept queue, and serves agents through it', async () => {
    const port = t.hub.grpcAddress.split(':').pop()!;
    const listing = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
    expect(listing.trim().split(/\s+/)[2]).toBe('1234');

    const agent = new TestAgent(t.hub.grpcAddress);
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-b', name: 'b' });
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    expect((await stream.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);
    stream.close();
    agent.close();
  });
});
