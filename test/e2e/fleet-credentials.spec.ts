/**
 * Credentials refused, on real parts: real agents presenting an expired, a used-up (maxUses
 * exceeded) and a revoked bootstrap token never register — their clusters never appear and
 * receive nothing — and a revoked cluster's credential is refused at Connect, so that a new
 * commit reaches the other clusters but not that one.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClient, type HubMessage } from '#proto';
import { ONE_WEB_BUNDLE } from '../support/bundles';
import { eventually } from '../support/eventually';
import { capturingLogger, readConfigMap, sleep, startFleet, type ClusterListItem, type ClusterView, type Fleet } from '../support/fleet';

interface TokenView {
  id: string;
  uses: number;
  maxUses: number | null;
  state: string;
}

describe('fleet: expired, used-up and revoked credentials are refused', { timeout: 90_000 }, () => {
  let fleet: Fleet;

  const clusterNames = async () =>
    (await fleet.api.get<{ items: ClusterListItem[] }>('/api/v1/clusters')).body.items.map((c) => c.name).sort();
  const newToken = async (body: Record<string, unknown>) => {
    const { status, body: answer } = await fleet.api.post<{ token: string; item: TokenView }>('/api/v1/tokens', body);
    expect(status).toBe(201);
    return answer;
  };
  const tokenState = async (id: string) =>
    (await fleet.api.get<{ items: TokenView[] }>('/api/v1/tokens')).body.items.find((t) => t.id === id)!;
  const expectSynced = async (name: string, greeting: string) => {
    const v = (await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`)).body;
    expect(v.bundles.map((b) => b.phase)).toEqual(['synced']);
    expect((await readConfigMap(fleet.cluster(name), 'default', 'web-config'))?.data).toEqual({ greeting });
  };

  /**
   * Starts an agent with `token` on a new cluster and waits until the hub has refused it with
   * `details` at least once; then checks, a while later, that the cluster never appeared and
   * got nothing.
   */
  const expectRefused = async (name: string, token: string, details: RegExp) => {
    await fleet.addCluster({ name });
    const log = capturingLogger('error');
    await fleet.startAgent(name, { bootstrapToken: token }, { logger: log.logger });
    await eventually(
      () => {
        const refusals = log.lines().filter((l) => l.code === 'UNAUTHENTICATED');
        expect(refusals.map((l) => String(l.details))).toContainEqual(expect.stringMatching(details));
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await sleep(1_500);
    expect(await clusterNames()).not.toContain(name);
    expect(await readConfigMap(fleet.cluster(name), 'default', 'web-config')).toBeUndefined();
    // The agent never got a credential to store.
    await expect(
      fleet.cluster(name).core.readNamespacedSecret({ name: 'gitfleet-agent', namespace: 'gitfleet-system' }),
    ).rejects.toMatchObject({
      code: 404,
    });
    await fleet.stopAgent(name);
  };

  beforeAll(async () => {
    fleet = await startFleet({ files: ONE_WEB_BUNDLE, clusters: [{ name: 'anchor' }, { name: 'outcast' }] });
    await eventually(
      async () => {
        await expectSynced('anchor', 'hello');
        await expectSynced('outcast', 'hello');
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('refuses an expired bootstrap token: the cluster never appears', async () => {
    const { token, item } = await newToken({ description: 'short-lived', ttlSeconds: 1 });
    await eventually(async () => expect((await tokenState(item.id)).state).toBe('expired'), { timeoutMs: 5_000, intervalMs: 200 });
    await expectRefused('late', token, /^bootstrap token expired at /);
    expect((await tokenState(item.id)).uses).toBe(0);
  });

  it('refuses a token used more often than maxUses: the second cluster never appears', async () => {
    const { token, item } = await newToken({ description: 'single use', maxUses: 1 });
    await fleet.addCluster({ name: 'first' });
    await fleet.startAgent('first', { bootstrapToken: token });
    await eventually(() => expectSynced('first', 'hello'), { timeoutMs: 20_000, intervalMs: 200 });
    expect(await tokenState(item.id)).toMatchObject({ uses: 1, maxUses: 1, state: 'used-up' });

    await expectRefused('second', token, /^bootstrap token used up \(1 of 1 uses\)/);
    expect(await tokenState(item.id)).toMatchObject({ uses: 1, state: 'used-up' });
    expect(await clusterNames()).toEqual(['anchor', 'first', 'outcast']);
  });

  it('refuses a revoked bootstrap token: the cluster never appears', async () => {
    const { token, item } = await newToken({ description: 'revoked soon' });
    expect((await fleet.api.delete(`/api/v1/tokens/${item.id}`)).status).toBe(204);
    expect((await tokenState(item.id)).state).toBe('revoked');
    await expectRefused('shunned', token, /^bootstrap token revoked/);
    expect((await tokenState(item.id)).uses).toBe(0);
  });

  it("refuses a revoked cluster's credential: nothing more reaches that cluster", async () => {
    const outcast = fleet.cluster('outcast');
    const secret = await outcast.core.readNamespacedSecret({ name: 'gitfleet-agent', namespace: 'gitfleet-system' });
    const credential = Buffer.from(secret.data!.credential, 'base64').toString('utf8');
    const id = (await fleet.api.get<ClusterView>('/api/v1/clusters/outcast')).body.id;
    expect(credential.startsWith(`${id}.`)).toBe(true);

    const revoked = await fleet.api.post<{ state: string }>('/api/v1/clusters/outcast/revoke');
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe('revoked');

    // The credential it held is refused before anything is sent.
    const client = new FleetClient(fleet.hub.grpcAddress, grpc.credentials.createInsecure());
    try {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${credential}`);
      const call = client.connect(metadata);
      const received: HubMessage[] = [];
      const ended = new Promise<grpc.ServiceError>((resolve) => {
        call.on('data', (m: HubMessage) => received.push(m));
        call.on('error', (e: grpc.ServiceError) => resolve(e));
      });
      call.write({
        kind: {
          $case: 'hello',
          value: { clusterId: id, agentVersion: 'replay', capabilities: [], targetSetChecksum: '', lastAckedSeq: '' },
        },
      });
      const error = await ended;
      expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(error.details).toMatch(/^revoked/);
      expect(received).toEqual([]);
    } finally {
      client.close();
    }

    // A new commit reaches the other clusters, not the revoked one (whose agent keeps trying).
    const next = await fleet.repo.commit(
      { 'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: again\n' },
      'again',
    );
    await eventually(
      async () => {
        await expectSynced('anchor', 'again');
        await expectSynced('first', 'again');
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await sleep(1_000);
    expect((await readConfigMap(outcast, 'default', 'web-config'))?.data).toEqual({ greeting: 'hello' });
    const v = (await fleet.api.get<ClusterView>('/api/v1/clusters/outcast')).body;
    expect(v).toMatchObject({ state: 'revoked', connected: false, connectivity: 'unreachable' });
    expect(v.bundles.every((b) => b.phase === 'unknown' && b.commit !== next)).toBe(true);
  });
});
