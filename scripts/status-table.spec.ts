import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterBundleView } from '../hub/src/api-contract';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../hub/src/testing/hub-fixture';
import { commitReached, fetchClusters, isFleetSynced, type ClusterSummary } from './status-table';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

const bundle = (name: string, desiredCommit: string, commit: string | null, phase: ClusterBundleView['phase'] = 'synced') =>
  ({ bundle: name, desiredCommit, commit, phase }) as ClusterBundleView;
const cluster = (name: string, bundles: ClusterBundleView[], connected = true): ClusterSummary => ({
  name,
  labels: {},
  connected,
  bundles,
});

describe('isFleetSynced: the demo and benches ask whether the fleet settled', () => {
  it('counts a bundle synced at the commit its TargetSet asks for, whether or not that is the newest', () => {
    // web is at the new commit; db was left alone by it and keeps the old one.
    expect(isFleetSynced([cluster('a', [bundle('db', OLD, OLD), bundle('web', NEW, NEW)])], 1)).toBe(true);
  });

  it('is not settled while a bundle is behind its TargetSet, not synced, or a cluster is missing or away', () => {
    expect(isFleetSynced([cluster('a', [bundle('web', NEW, OLD)])], 1)).toBe(false);
    expect(isFleetSynced([cluster('a', [bundle('web', NEW, NEW, 'failed')])], 1)).toBe(false);
    expect(isFleetSynced([cluster('a', [bundle('web', NEW, NEW)])], 2)).toBe(false);
    expect(isFleetSynced([cluster('a', [bundle('web', NEW, NEW)], false)], 1)).toBe(false);
    expect(isFleetSynced([cluster('a', [])], 1)).toBe(false);
  });
});

describe('commitReached: the hub commit gate, read by the demo and benches', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { heartbeatIntervalMs: 60_000 });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('says a commit reached the fleet once every targeted cluster reported it, and not for a commit the hub has not seen', async () => {
    const head = await t.repo.head();
    const registered = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-one', name: 'one', labels: {} });
    const stream = agent.connect(registered.credential);
    stream.hello(registered.clusterId);
    await stream.nth('targetSet');
    expect(await commitReached(t.hub.httpUrl, t.adminToken, head)).toBe(false);
    expect(isFleetSynced(await fetchClusters(t.hub.httpUrl, t.adminToken), 1)).toBe(false);

    await stream.acked(stream.report('web', head));
    expect(await commitReached(t.hub.httpUrl, t.adminToken, head)).toBe(true);
    expect(isFleetSynced(await fetchClusters(t.hub.httpUrl, t.adminToken), 1)).toBe(true);
    expect(await commitReached(t.hub.httpUrl, t.adminToken, 'c'.repeat(40))).toBe(false);
    stream.close();
  });
});
