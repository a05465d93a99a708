import { status } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  certificateFacts,
  createCertificateAuthority,
  createCertificationRequest,
  createPrivateKeyPem,
  issueClientCertificate,
} from '#core';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { loadKubeConfig } from '../kube/object-client';
import { createFleetClient } from '../link/fleet-client';
import { FakeHub, until } from '../testing/fake-hub';
import { capturingLogger } from '../testing/log-capture';
import { CertificateRenewal, renewalTime } from './certificate-renewal';
import { CredentialSecret } from './credential-secret';
import type { Identity } from './registration';

const CREDENTIAL = 'c-1.secret-credential';
const ca = createCertificateAuthority('hub CA', 3600_000);

let cluster: SimCluster;
let hub: FakeHub;
let secret: CredentialSecret;

beforeEach(async () => {
  cluster = await startSimCluster({ name: 'renewal' });
  secret = new CredentialSecret(loadKubeConfig(cluster.kubeconfig).makeApiClient(CoreV1Api), 'gitfleet-system');
  hub = new FakeHub();
  await hub.start();
});

afterEach(async () => {
  hub.stop();
  await cluster.stop();
});

function renewal(onRenewed: (identity: Identity) => void = () => undefined, logger = capturingLogger().logger) {
  const client = createFleetClient(hub.address);
  return new CertificateRenewal({ secret, clientFor: () => client, clusterName: 'alpha', logger, onRenewed, retryMs: 50 });
}

describe('client certificate renewal', () => {
  it('renews at 2/3 of the lifetime, however long', () => {
    const key = createPrivateKeyPem();
    const { cert } = issueClientCertificate(ca, {
      csr: createCertificationRequest(key, 'a'),
      commonName: 'a',
      uris: [],
      validityMs: 90_000,
    });
    const { notBefore, notAfter } = certificateFacts(cert);
    expect(renewalTime(cert)).toBe(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
    expect(notAfter.getTime() - renewalTime(cert)).toBeGreaterThan(29_000);
  });

  it('gets a certificate for an agent that has none (upgrade from bearer), stores it with its key, and hands it over', async () => {
    hub.onRenew = (request, metadata) => {
      expect(metadata.get('authorization')).toEqual([`Bearer ${CREDENTIAL}`]);
      return {
        clientCertificate: issueClientCertificate(ca, { csr: request.csr, commonName: 'alpha', uris: [], validityMs: 3600_000 }).cert,
        caCertificate: ca.cert,
      };
    };
    await secret.write(CREDENTIAL);
    const handed: Identity[] = [];
    const r = renewal((identity) => handed.push(identity));
    r.track({ clusterId: 'c-1', credential: CREDENTIAL });
    await until(() => handed.length === 1);
    r.stop();
    const stored = await secret.readAll();
    expect(stored).toEqual({ credential: CREDENTIAL, certificate: handed[0].certificate });
    expect(r.current).toEqual(handed[0]);
  });

  it('leaves an agent on bearer when the hub predates RenewCertificate, and retries other failures', async () => {
    await secret.write(CREDENTIAL);
    const logs = capturingLogger();
    const quiet = renewal(undefined, logs.logger);
    quiet.track({ clusterId: 'c-1', credential: CREDENTIAL });
    await quiet.renewNow();
    expect(logs.text()).toContain('staying with the bearer credential');
    expect(await secret.readAll()).toEqual({ credential: CREDENTIAL });
    quiet.stop();

    let calls = 0;
    hub.onRenew = () => ({ code: status.UNAVAILABLE, details: `down ${++calls}` });
    const retrying = renewal();
    retrying.track({ clusterId: 'c-1', credential: CREDENTIAL });
    await until(() => calls >= 3);
    retrying.stop();
    expect(await secret.readAll()).toEqual({ credential: CREDENTIAL });
  });
});
