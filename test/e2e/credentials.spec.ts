/**
 * What an agent does when the hub takes its credential away, on real parts: a rotation makes
 * it register again by itself with its bootstrap token; a revocation makes it drop the
 * credential and stay out, even though it still holds a bootstrap token that would work.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { ONE_WEB_BUNDLE } from '../support/bundles';
import { eventually } from '../support/eventually';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';

interface ClusterView {
  state: string;
  connected: boolean;
  bundles: { phase: string }[];
}

describe('credentials taken away by the hub', () => {
  let db: ThrowawayDatabase;
  let repo: BareRepo;
  let hub: RunningHub;
  let cluster: SimCluster;
  let agent: RunningAgent;
  let workDir: string;
  const bootstrapToken = randomBytes(24).toString('hex');

  const adminToken = randomBytes(24).toString('hex');
  const headers = { authorization: `Bearer ${adminToken}` };
  const view = async (): Promise<ClusterView> =>
    (await (await fetch(`${hub.httpUrl}/api/v1/clusters/delta`, { headers })).json()) as ClusterView;
  const post = (path: string) => fetch(`${hub.httpUrl}/api/v1/clusters/delta/${path}`, { method: 'POST', headers });
  const storedCredential = async (): Promise<string | undefined> => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    try {
      const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'gitfleet-agent', namespace: 'gitfleet-system' });
      return Buffer.from(secret.data?.credential ?? '', 'base64').toString('utf8');
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };

  beforeAll(async () => {
    db = await createThrowawayDatabase('gitfleet_e2e_cred');
    repo = await BareRepo.create();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-cred-'));
    await repo.commit(ONE_WEB_BUNDLE, 'fleet');
    hub = await startHub({
      databaseUrl: db.url,
      dataDir: join(workDir, 'hub'),
      fleetRepoUrl: repo.url,
      bootstrapToken,
      adminToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 300,
      heartbeatIntervalMs: 300,
      logLevel: 'silent',
    });
    cluster = await startSimCluster({ name: 'delta' });
    agent = await startAgent({
      hubAddress: hub.grpcAddress,
      bootstrapToken,
      clusterName: 'delta',
      kubeconfig: cluster.kubeconfig,
      cacheDir: join(workDir, 'agent'),
      heartbeatIntervalMs: 300,
      logLevel: 'silent',
    });
    await eventually(async () => expect((await view()).bundles.map((b) => b.phase)).toEqual(['synced']), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await agent?.stop();
    await hub?.stop();
    await cluster?.stop();
    await db?.drop();
    await repo?.remove();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('registers again by itself after a rotation and comes back with a new credential', async () => {
    const before = await storedCredential();
    expect(before).toMatch(/^[^.]+\..+$/);
    expect((await post('rotate-credential')).status).toBe(200);

    await eventually(
      async () => {
        const after = await storedCredential();
        expect(after).toBeDefined();
        expect(after).not.toBe(before);
        // Same cluster, new secret.
        expect(after!.split('.')[0]).toBe(before!.split('.')[0]);
        const v = await view();
        expect(v.connected).toBe(true);
        expect(v.state).toBe('active');
      },
      { timeoutMs: 20_000 },
    );
  });

  it('drops its credential after a revocation and does not let itself back in with its bootstrap token', async () => {
    expect((await post('revoke')).status).toBe(200);
    await eventually(async () => expect(await storedCredential()).toBeUndefined(), { timeoutMs: 20_000 });

    // Several heartbeat windows later the cluster is still revoked and disconnected.
    await new Promise((r) => setTimeout(r, 3_000));
    const v = await view();
    expect(v.state).toBe('revoked');
    expect(v.connected).toBe(false);
    expect(v.bundles.every((b) => b.phase === 'unknown')).toBe(true);
    expect(await storedCredential()).toBeUndefined();
  });
});
