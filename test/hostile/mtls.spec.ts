/**
 * Hostile agents against mutual TLS (docs/security.md "Agent authentication"): a certificate
 * is the identity of one cluster and of no other; an expired or never-issued certificate, even
 * one signed by the hub's own CA, gets nothing; a CSR whose signature is not by the key it
 * holds, or that is not a CSR at all, is refused with a message naming what is wrong, and
 * nothing is registered or issued.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFacts, createCertificationRequest, createPrivateKeyPem, issueCertificate, type KeyAndCertificate } from '#core';
import { forgedCertificationRequest } from '../support/forged-csr';
import { CERTIFICATE_REQUIRED_DETAILS } from '../../hub/src/gateway/agent-authenticator';
import { CLUSTER_URI_PREFIX, ClientCertificatesService } from '../../hub/src/clusters/client-certificates.service';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../../hub/src/testing/hub-fixture';
import { MtlsFixture, refusal, renewCertificate } from '../../hub/src/testing/mtls-fixture';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };
const MINUTE = 60_000;

/** A client certificate signed with the hub's own CA key, outside its records (a leaked CA key, a forged validity). */
function signedByHubCa(ca: KeyAndCertificate, clusterId: string, notBefore: Date, notAfter: Date): { key: string; cert: string } {
  const key = createPrivateKeyPem();
  const cert = issueCertificate({
    commonName: 'forged',
    publicKey: createPublicKey(createPrivateKey(key)),
    issuer: ca,
    use: 'client',
    altNames: { uri: [`${CLUSTER_URI_PREFIX}${clusterId}`] },
    notBefore,
    notAfter,
  });
  return { key, cert };
}

describe('hostile agents against mutual TLS', () => {
  const mtls = new MtlsFixture();
  let t: TestHub;
  let ca: KeyAndCertificate;
  let a: Awaited<ReturnType<MtlsFixture['registerWithCsr']>>;
  let b: Awaited<ReturnType<MtlsFixture['registerWithCsr']>>;

  beforeAll(async () => {
    t = await startTestHub(FILES, { ...mtls.hubTls, agentAuth: 'mtls', heartbeatIntervalMs: 60_000 });
    ca = t.app.get(ClientCertificatesService).ca;
    a = await mtls.registerWithCsr(t, 'alpha');
    b = await mtls.registerWithCsr(t, 'bravo');
  });

  afterAll(async () => {
    await t?.stop();
    mtls.remove();
  });

  const asA = () => mtls.agent(t, { key: a.key, cert: a.response.clientCertificate });

  it("a certificate for cluster A cannot act as B: not with B's id in Hello, nor with B's bearer credential beside it", async () => {
    const agent = asA();
    const claimsB = agent.connect(null);
    claimsB.hello(b.response.clusterId);
    expect(await claimsB.ended()).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: 'Hello.cluster_id is not the authenticated cluster',
    });
    // The certificate names the caller; a bearer credential in the same call changes nothing.
    const withBsCredential = agent.connect(b.response.credential);
    withBsCredential.hello(b.response.clusterId);
    expect((await withBsCredential.ended()).code).toBe(grpc.status.PERMISSION_DENIED);
    // Renewing as A with a CSR that names B yields a certificate for A.
    const renewed = await renewCertificate(agent, createCertificationRequest(createPrivateKeyPem(), 'bravo'));
    expect(certificateFacts(renewed.clientCertificate)).toMatchObject({
      commonName: 'alpha',
      uris: [`${CLUSTER_URI_PREFIX}${a.response.clusterId}`],
    });
    agent.close();
    expect(await t.query(`SELECT connected FROM cluster WHERE name = 'bravo'`)).toEqual([{ connected: false }]);
  });

  it("a certificate signed with the hub's CA key but never issued by the hub is refused, naming no more than that", async () => {
    const forged = signedByHubCa(ca, b.response.clusterId, new Date(Date.now() - MINUTE), new Date(Date.now() + 10 * MINUTE));
    const agent = mtls.agent(t, forged);
    const stream = agent.connect(null);
    stream.hello(b.response.clusterId);
    expect(await stream.ended()).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'client certificate unknown to this hub' });
    expect(await refusal(renewCertificate(agent, createCertificationRequest(forged.key, 'bravo')))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: 'client certificate unknown to this hub',
    });
    agent.close();
  });

  it('an expired certificate is refused, even one the hub issued and never revoked', async () => {
    const expired = signedByHubCa(ca, a.response.clusterId, new Date(Date.now() - 20 * MINUTE), new Date(Date.now() - 10 * MINUTE));
    const facts = certificateFacts(expired.cert);
    await t.query(`INSERT INTO client_certificate (serial, cluster_id, not_after) VALUES ($1, $2, $3)`, [
      facts.serial,
      a.response.clusterId,
      facts.notAfter,
    ]);
    const agent = mtls.agent(t, expired);
    const stream = agent.connect(a.response.credential);
    stream.hello(a.response.clusterId);
    expect(await stream.ended()).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: CERTIFICATE_REQUIRED_DETAILS });
    expect((await refusal(renewCertificate(agent, createCertificationRequest(expired.key, 'alpha'), a.response.credential))).details).toBe(
      CERTIFICATE_REQUIRED_DETAILS,
    );
    agent.close();
  });

  it('a CSR signed by another key than the one it holds is refused at registration and at renewal; nothing registered or issued', async () => {
    const forged = forgedCertificationRequest(
      createCertificationRequest(createPrivateKeyPem(), 'x'),
      createCertificationRequest(createPrivateKeyPem(), 'x'),
    );
    const plain = mtls.agent(t);
    expect(
      await refusal(plain.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-forger', name: 'forger', csr: forged })),
    ).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'csr: signature does not match its public key' });
    expect(await t.query(`SELECT id FROM cluster WHERE name = 'forger'`)).toEqual([]);
    plain.close();

    const agent = asA();
    const before = await t.query(`SELECT serial FROM client_certificate`);
    for (const [csr, details] of [
      [forged, 'csr: signature does not match its public key'],
      ['', 'csr: no PEM CERTIFICATE REQUEST block'],
      ['-----BEGIN CERTIFICATE REQUEST-----\nAAAA\u0000\n-----END CERTIFICATE REQUEST-----', 'csr: no PEM CERTIFICATE REQUEST block'],
      ['x'.repeat(64 * 1024), 'csr: larger than 16384 bytes'],
    ]) {
      expect(await refusal(renewCertificate(agent, csr))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details });
    }
    expect(await t.query(`SELECT serial FROM client_certificate`)).toEqual(before);
    agent.close();
  });
});
