/**
 * Mutual TLS between agents and the hub, on real parts (docs/security.md): a hub serving gRPC
 * over TLS with AGENT_AUTH=mtls-or-bearer and short-lived agent certificates, real agents on
 * kube-sim clusters. An agent registers with a CSR and connects by its certificate alone,
 * renews it before expiry, is refused with a clear message once revoked; an agent registered
 * with bearer before obtains a certificate on its next start.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFacts, createServerCertificate } from '#core';
import type { RegisterResponse } from '#proto';
import { createFleetClient } from '../../agent/src/link/fleet-client';
import { CredentialSecret } from '../../agent/src/registration/credential-secret';
import { ONE_WEB_BUNDLE } from '../support/bundles';
import { eventually } from '../support/eventually';
import { capturingLogger, startFleet, type ClusterView, type Fleet } from '../support/fleet';

const CERT_VALIDITY_MS = 6_000;

describe('mutual TLS between agents and the hub', () => {
  let fleet: Fleet;
  let certDir: string;
  const server = createServerCertificate('gitfleet-hub', { dns: ['localhost'], ip: ['127.0.0.1'] }, 24 * 3600_000);
  const hubTls = { caPem: server.cert };

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-mtls-'));
    await writeFile(join(certDir, 'hub.crt'), server.cert);
    await writeFile(join(certDir, 'hub.key'), server.key, { mode: 0o600 });
    fleet = await startFleet({
      files: ONE_WEB_BUNDLE,
      clusters: [
        { name: 'east', noAgent: true },
        { name: 'legacy', noAgent: true },
      ],
      hub: {
        grpcTlsCertFile: join(certDir, 'hub.crt'),
        grpcTlsKeyFile: join(certDir, 'hub.key'),
        agentAuth: 'mtls-or-bearer',
        agentCertValidityMs: CERT_VALIDITY_MS,
      },
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  const view = async (name: string) => (await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`)).body;
  const certificates = (name: string) =>
    fleet.db.query<{ serial: string; revoked_at: Date | null }>(
      `SELECT serial, revoked_at FROM client_certificate WHERE cluster_id = (SELECT id FROM cluster WHERE name = $1) ORDER BY issued_at`,
      [name],
    );
  const secretOf = (name: string) => new CredentialSecret(fleet.cluster(name).core, 'gitfleet-system').readAll();

  it('registers with a CSR, connects by the certificate alone, renews it before expiry, and is refused once revoked', async () => {
    const logs = capturingLogger();
    await fleet.startAgent('east', { hubTls }, { logger: logs.logger });
    await eventually(async () => expect((await view('east')).bundles.map((b) => b.phase)).toEqual(['synced']), { timeoutMs: 30_000 });
    const stored = await secretOf('east');
    expect(stored.certificate?.cert).toContain('BEGIN CERTIFICATE');
    const first = certificateFacts(stored.certificate!.cert);

    // The bearer credential no longer works on the hub: whatever keeps the agent connected from
    // here on is its certificate, renewed at 2/3 of its 6 s lifetime, again and again.
    await fleet.db.query(`UPDATE cluster SET credential_hash = 'bearer-disabled' WHERE name = 'east'`);
    await eventually(async () => expect((await certificates('east')).length).toBeGreaterThanOrEqual(3), { timeoutMs: 30_000 });
    expect(first.notAfter.getTime()).toBeLessThan(Date.now());
    const { cert: renewedCert, key: renewedKey } = (await secretOf('east')).certificate!;
    const renewed = certificateFacts(renewedCert);
    expect(renewed.serial).not.toBe(first.serial);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(Date.now());
    await eventually(async () => expect((await view('east')).connected).toBe(true));
    expect(logs.lines().filter((l) => l.msg === 'client certificate renewed and stored').length).toBeGreaterThanOrEqual(2);
    // No registration happened meanwhile: a bearer session would have been ended and the agent
    // would have registered again, replacing the disabled credential.
    expect(await fleet.db.query(`SELECT credential_hash FROM cluster WHERE name = 'east'`)).toEqual([
      { credential_hash: 'bearer-disabled' },
    ]);
    expect(logs.lines().some((l) => String(l.msg).includes('registering again'))).toBe(false);

    const revoked = await fleet.api.post<{ revokedCertificates: number }>('/api/v1/clusters/east/revoke-certificates', {});
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedCertificates).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect((await view('east')).connected).toBe(false), { timeoutMs: 15_000 });
    await eventually(() =>
      expect(
        logs.lines().some((l) => l.reason === 'revoked' && String(l.details ?? '').startsWith('client certificate revoked on the hub')),
      ).toBe(true),
    );
    // As for a revoked cluster, the agent forgets what the hub refused and waits for an operator.
    await eventually(async () => expect(await secretOf('east')).toEqual({}));
    // Nothing in the agent's log shows its keys.
    for (const key of [stored.certificate!.key, renewedKey]) expect(JSON.stringify(logs.lines())).not.toContain(key.split('\n')[1]);
    await fleet.stopAgent('east');
  });

  it('moves an agent registered with bearer to a certificate on its next start', async () => {
    const client = createFleetClient(fleet.hub.grpcAddress, hubTls);
    const cluster = fleet.cluster('legacy');
    const uid = (await cluster.core.readNamespace({ name: 'kube-system' })).metadata!.uid!;
    const registered = await new Promise<RegisterResponse>((resolve, reject) =>
      client.register(
        { bootstrapToken: fleet.bootstrapToken, clusterUid: uid, name: 'legacy', labels: {}, agentVersion: 'old', csr: '' },
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    client.close();
    await new CredentialSecret(cluster.core, 'gitfleet-system').write(registered.credential);
    expect(await certificates('legacy')).toEqual([]);

    await fleet.startAgent('legacy', { hubTls, bootstrapToken: undefined });
    await eventually(async () => expect((await view('legacy')).bundles.map((b) => b.phase)).toEqual(['synced']), { timeoutMs: 30_000 });
    const stored = await secretOf('legacy');
    expect(stored.credential).toBe(registered.credential);
    expect(certificateFacts(stored.certificate!.cert).uris).toEqual([`spiffe://gitfleet/cluster/${registered.clusterId}`]);
    expect((await certificates('legacy')).length).toBeGreaterThanOrEqual(1);
    await fleet.stopAgent('legacy');
  });
});
