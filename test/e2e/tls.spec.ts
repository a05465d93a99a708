/**
 * The agent ↔ hub link over TLS, on real parts: a hub serving gRPC with a certificate, an
 * agent that trusts its CA registers, connects and syncs; clients that do not trust it, or
 * speak plaintext, get nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '#agent';
import { startHub, type RunningHub } from '#hub';
import { createSelfSignedCertificate, startSimCluster, type SimCluster } from '#kube-sim';
import type { RegisterResponse } from '#proto';
import { createFleetClient } from '../../agent/src/link/fleet-client';
import { eventually } from '../support/eventually';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';

const FLEET = {
  'fleet/web.yaml': `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: apps/web
  namespace: default
  targets:
    - clusterSelector: {}
`,
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n',
};

describe('agent ↔ hub over TLS', () => {
  let db: ThrowawayDatabase;
  let repo: BareRepo;
  let hub: RunningHub;
  let cluster: SimCluster;
  let agent: RunningAgent;
  let workDir: string;
  const bootstrapToken = randomBytes(24).toString('hex');
  const adminToken = randomBytes(24).toString('hex');
  const identity = createSelfSignedCertificate('gitfleet-hub');

  beforeAll(async () => {
    db = await createThrowawayDatabase('gitfleet_e2e_tls');
    repo = await BareRepo.create();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-tls-'));
    await repo.commit(FLEET, 'fleet');
    await writeFile(join(workDir, 'hub.crt'), identity.cert);
    await writeFile(join(workDir, 'hub.key'), identity.key, { mode: 0o600 });
    hub = await startHub({
      databaseUrl: db.url, dataDir: join(workDir, 'hub'), fleetRepoUrl: repo.url, bootstrapToken, adminToken,
      httpPort: 0, grpcPort: 0, fleetPollIntervalMs: 300, heartbeatIntervalMs: 300, logLevel: 'silent',
      grpcTlsCertFile: join(workDir, 'hub.crt'), grpcTlsKeyFile: join(workDir, 'hub.key'),
    });
    cluster = await startSimCluster({ name: 'secure' });
  });

  afterAll(async () => {
    await agent?.stop();
    await hub?.stop();
    await cluster?.stop();
    await db?.drop();
    await repo?.remove();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const register = (client: ReturnType<typeof createFleetClient>) =>
    new Promise<RegisterResponse>((resolve, reject) =>
      client.register({ bootstrapToken, clusterUid: randomBytes(8).toString('hex'), name: `probe-${randomBytes(3).toString('hex')}`, labels: {}, agentVersion: 'test' }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  it('an agent trusting the hub CA registers, connects and syncs', async () => {
    agent = await startAgent({
      hubAddress: hub.grpcAddress, bootstrapToken, clusterName: 'secure', kubeconfig: cluster.kubeconfig,
      cacheDir: join(workDir, 'agent'), heartbeatIntervalMs: 300, logLevel: 'silent',
      hubTls: { caPem: identity.cert },
    });
    await eventually(async () => {
      const view = (await (await fetch(`${hub.httpUrl}/api/v1/clusters/secure`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
        connected: boolean;
        bundles: { phase: string }[];
      };
      expect(view.connected).toBe(true);
      expect(view.bundles.map((b) => b.phase)).toEqual(['synced']);
    }, { timeoutMs: 30_000 });
  });

  it('a client that does not trust the certificate, or speaks plaintext, gets nothing', async () => {
    const untrusting = createFleetClient(hub.grpcAddress, {}); // the system's roots only
    const plaintext = createFleetClient(hub.grpcAddress);
    try {
      await expect(register(untrusting)).rejects.toMatchObject({ code: 14 }); // UNAVAILABLE: the handshake failed
      await expect(register(plaintext)).rejects.toMatchObject({ code: 14 });
      const trusting = createFleetClient(hub.grpcAddress, { caPem: identity.cert });
      await expect(register(trusting)).resolves.toMatchObject({ clusterId: expect.any(String) });
      trusting.close();
    } finally {
      untrusting.close();
      plaintext.close();
    }
  });

  it('a hub with an unreadable or non-PEM certificate or key does not start, and says which', async () => {
    const base = { databaseUrl: db.url, dataDir: join(workDir, 'hub-bad'), fleetRepoUrl: repo.url, bootstrapToken, httpPort: 0, grpcPort: 0, logLevel: 'silent' };
    await expect(startHub({ ...base, grpcTlsCertFile: join(workDir, 'missing.crt'), grpcTlsKeyFile: join(workDir, 'hub.key') })).rejects.toThrow(
      `GRPC_TLS_CERT_FILE: cannot read ${join(workDir, 'missing.crt')}: ENOENT`,
    );
    await writeFile(join(workDir, 'garbled.key'), 'not a key but a SECRET-VALUE');
    const error = await startHub({ ...base, grpcTlsCertFile: join(workDir, 'hub.crt'), grpcTlsKeyFile: join(workDir, 'garbled.key') }).then(
      () => new Error('the hub started'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(`GRPC_TLS_KEY_FILE: ${join(workDir, 'garbled.key')} holds no PEM private key`);
    expect(error.message).not.toContain('SECRET-VALUE');
  });
});
