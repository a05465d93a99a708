import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificationRequest, createPrivateKeyPem, createServerCertificate, certificateFacts } from '#core';
import { CERTIFICATE_REQUIRED_DETAILS } from './agent-authenticator';
import { CERTIFICATE_REVOKED_DETAILS, CLUSTER_URI_PREFIX } from '../clusters/client-certificates.service';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import { MtlsFixture, refusal, renewCertificate } from '../testing/mtls-fixture';
import { CREDENTIAL_REJECTION_TRAILER } from './credential-refusal';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };
const DAY = 24 * 3600_000;
const mtls = new MtlsFixture();
const tls = mtls.hubTls;
const agentOver = (t: TestHub, client?: { key: string; cert: string }) => mtls.agent(t, client);
const registerWithCsr = (t: TestHub, name: string) => mtls.registerWithCsr(t, name);
const renew = renewCertificate;

afterAll(() => mtls.remove());

describe('mutual TLS, AGENT_AUTH=mtls-or-bearer', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(FILES, { ...tls, heartbeatIntervalMs: 60_000 });
  });
  afterAll(() => t?.stop());

  it('issues a client certificate at registration and authenticates Connect by it alone', async () => {
    const { key, response } = await registerWithCsr(t, 'east');
    const facts = certificateFacts(response.clientCertificate);
    expect(facts.uris).toEqual([`${CLUSTER_URI_PREFIX}${response.clusterId}`]);
    expect(facts.commonName).toBe('east');
    expect(response.caCertificate).toContain('BEGIN CERTIFICATE');
    const agent = agentOver(t, { key, cert: response.clientCertificate });
    const stream = agent.connect(null);
    stream.hello(response.clusterId);
    expect((await stream.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);
    expect(await t.query(`SELECT cluster_id::text AS id, revoked_at FROM client_certificate WHERE serial = $1`, [facts.serial])).toEqual([
      { id: response.clusterId, revoked_at: null },
    ]);
    expect((await t.get<{ clientCertificate: unknown }>('/api/v1/clusters/east')).body.clientCertificate).toEqual({
      serial: facts.serial,
      notAfter: facts.notAfter.toISOString(),
    });
    stream.close();
    agent.close();
  });

  it('still lets an agent without a certificate in with its bearer credential, and moves it to one by RenewCertificate', async () => {
    const plain = agentOver(t);
    const registered = await plain.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-old', name: 'old' });
    expect(registered.clientCertificate).toBe('');
    expect((await t.get<{ clientCertificate: unknown }>('/api/v1/clusters/old')).body.clientCertificate).toBeNull();
    const stream = plain.connect(registered.credential);
    stream.hello(registered.clusterId);
    await stream.nth('targetSet');
    stream.close();
    const key = createPrivateKeyPem();
    const renewed = await renew(plain, createCertificationRequest(key, 'whatever-the-csr-says'), registered.credential);
    // The certificate names the caller's cluster, never what the CSR asked for.
    expect(certificateFacts(renewed.clientCertificate)).toMatchObject({
      commonName: 'old',
      uris: [`${CLUSTER_URI_PREFIX}${registered.clusterId}`],
    });
    plain.close();
    const withCert = agentOver(t, { key, cert: renewed.clientCertificate });
    const again = withCert.connect(null);
    again.hello(registered.clusterId);
    await again.nth('targetSet');
    again.close();
    withCert.close();
  });

  it('refuses a CSR whose signature is not by the key it holds, registering nothing', async () => {
    const csr = createCertificationRequest(createPrivateKeyPem(), 'x');
    const tampered = csr.replace(/(.{20})([A-Za-z])(.*-----END)/s, (_, a, c: string, b) => `${a}${c === 'A' ? 'B' : 'A'}${b}`);
    const agent = agentOver(t);
    const refused = await refusal(agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-bad', name: 'bad', csr: tampered }));
    agent.close();
    expect(refused.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/^csr: /);
    expect(await t.query(`SELECT id FROM cluster WHERE name = 'bad'`)).toEqual([]);
  });

  it('revokes through the admin API: the open session ends, the next connect is refused with why, and the call is audited', async () => {
    const { key, response } = await registerWithCsr(t, 'west');
    const agent = agentOver(t, { key, cert: response.clientCertificate });
    const stream = agent.connect(null);
    stream.hello(response.clusterId);
    await stream.nth('targetSet');
    const { status, body } = await t.request<{ revokedCertificates: number; state: string }>(
      'POST',
      '/api/v1/clusters/west/revoke-certificates',
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ revokedCertificates: 1, state: 'active' });
    const ended = await stream.ended();
    expect(ended).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: CERTIFICATE_REVOKED_DETAILS });
    expect(ended.metadata.get(CREDENTIAL_REJECTION_TRAILER)).toEqual(['CREDENTIAL_REJECTION_REVOKED']);
    const next = agent.connect(null);
    next.hello(response.clusterId);
    expect(await next.ended()).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: CERTIFICATE_REVOKED_DETAILS });
    // Nor can the revoked certificate obtain a new one, nor the bearer credential of before.
    expect(await refusal(renew(agent, createCertificationRequest(key, 'west')))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: CERTIFICATE_REVOKED_DETAILS,
    });
    const plain = agentOver(t);
    expect((await refusal(renew(plain, createCertificationRequest(key, 'west'), response.credential))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    plain.close();
    agent.close();
    await eventually(async () => {
      const audit = await t.get<{ items: { path: string; status: number }[] }>('/api/v1/audit');
      expect(audit.body.items.some((e) => e.path === '/api/v1/clusters/west/revoke-certificates' && e.status === 200)).toBe(true);
    });
  });
});

describe('mutual TLS, AGENT_AUTH=mtls', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(FILES, { ...tls, agentAuth: 'mtls', heartbeatIntervalMs: 60_000 });
  });
  afterAll(() => t?.stop());

  it('refuses a bearer credential alone, and a registration without a CSR, saying why', async () => {
    const { response } = await registerWithCsr(t, 'south');
    const plain = agentOver(t);
    const stream = plain.connect(response.credential);
    stream.hello(response.clusterId);
    expect(await stream.ended()).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: CERTIFICATE_REQUIRED_DETAILS });
    expect(await refusal(plain.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-n', name: 'n' }))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'csr is required: this hub authenticates agents by client certificate (AGENT_AUTH=mtls)',
    });
    plain.close();
  });

  it('refuses a certificate this hub did not issue (another CA), as if none were presented', async () => {
    const { key, response } = await registerWithCsr(t, 'north');
    const stranger = createServerCertificate('north', { uri: [`${CLUSTER_URI_PREFIX}${response.clusterId}`] }, DAY);
    const agent = agentOver(t, stranger);
    const stream = agent.connect(null);
    stream.hello(response.clusterId);
    expect(await stream.ended()).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: CERTIFICATE_REQUIRED_DETAILS });
    agent.close();
    const good = agentOver(t, { key, cert: response.clientCertificate });
    const ok = good.connect(null);
    ok.hello(response.clusterId);
    await ok.nth('targetSet');
    ok.close();
    good.close();
  });
});
