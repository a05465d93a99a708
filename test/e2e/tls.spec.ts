/**
 * The agent ↔ hub link over TLS, on real parts: a hub serving gRPC with a certificate, an
 * agent that trusts its CA registers, connects and syncs; clients that do not trust it, or
 * speak plaintext, get nothing; a hub given a bad certificate or key does not start.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '#hub';
import { createSelfSignedCertificate } from '#kube-sim';
import type { RegisterResponse } from '#proto';
import { createFleetClient } from '../../agent/src/link/fleet-client';
import { ONE_WEB_BUNDLE } from '../support/bundles';
import { eventually } from '../support/eventually';
import { startFleet, type ClusterView, type Fleet } from '../support/fleet';

describe('agent ↔ hub over TLS', () => {
  let fleet: Fleet;
  let certDir: string;
  const identity = createSelfSignedCertificate('gitfleet-hub');
  const certFile = () => join(certDir, 'hub.crt');
  const keyFile = () => join(certDir, 'hub.key');

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-tls-'));
    await writeFile(certFile(), identity.cert);
    await writeFile(keyFile(), identity.key, { mode: 0o600 });
    fleet = await startFleet({
      files: ONE_WEB_BUNDLE,
      clusters: [{ name: 'secure', noAgent: true }],
      hub: { grpcTlsCertFile: certFile(), grpcTlsKeyFile: keyFile() },
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  const register = (client: ReturnType<typeof createFleetClient>) =>
    new Promise<RegisterResponse>((resolve, reject) =>
      client.register(
        {
          bootstrapToken: fleet.bootstrapToken,
          clusterUid: randomBytes(8).toString('hex'),
          name: `probe-${randomBytes(3).toString('hex')}`,
          labels: {},
          agentVersion: 'test',
          csr: '',
        },
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );

  it('an agent trusting the hub CA registers, connects and syncs', async () => {
    await fleet.startAgent('secure', { hubTls: { caPem: identity.cert } });
    await eventually(
      async () => {
        const view = (await fleet.api.get<ClusterView>('/api/v1/clusters/secure')).body;
        expect(view.connected).toBe(true);
        expect(view.bundles.map((b) => b.phase)).toEqual(['synced']);
      },
      { timeoutMs: 30_000 },
    );
  });

  it('a client that does not trust the certificate, or speaks plaintext, gets nothing', async () => {
    const untrusting = createFleetClient(fleet.hub.grpcAddress, {}); // the system's roots only
    const plaintext = createFleetClient(fleet.hub.grpcAddress);
    const trusting = createFleetClient(fleet.hub.grpcAddress, { caPem: identity.cert });
    try {
      await expect(register(untrusting)).rejects.toMatchObject({ code: 14 }); // UNAVAILABLE: the handshake failed
      await expect(register(plaintext)).rejects.toMatchObject({ code: 14 });
      await expect(register(trusting)).resolves.toMatchObject({ clusterId: expect.any(String) });
    } finally {
      for (const client of [untrusting, plaintext, trusting]) client.close();
    }
  });

  it('a hub with an unreadable or non-PEM certificate or key does not start, and says which', async () => {
    const base = {
      databaseUrl: fleet.db.url,
      dataDir: join(certDir, 'hub-bad'),
      fleetRepoUrl: fleet.repo.url,
      bootstrapToken: fleet.bootstrapToken,
      httpPort: 0,
      grpcPort: 0,
      logLevel: 'silent',
    };
    await expect(startHub({ ...base, grpcTlsCertFile: join(certDir, 'missing.crt'), grpcTlsKeyFile: keyFile() })).rejects.toThrow(
      `GRPC_TLS_CERT_FILE: cannot read ${join(certDir, 'missing.crt')}: ENOENT`,
    );
    await writeFile(join(certDir, 'garbled.key'), 'not a key but a SECRET-VALUE');
    const error = await startHub({ ...base, grpcTlsCertFile: certFile(), grpcTlsKeyFile: join(certDir, 'garbled.key') }).then(
      () => new Error('the hub started'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(`GRPC_TLS_KEY_FILE: ${join(certDir, 'garbled.key')} holds no PEM private key`);
    expect(error.message).not.toContain('SECRET-VALUE');
  });
});
