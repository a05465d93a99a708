import { createPrivateKey, X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetClient } from '#proto';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { loadKubeConfig } from '../kube/object-client';
import { createCertificateAuthority, issueClientCertificate } from '#core';
import { createFleetClient } from '../link/fleet-client';
import { FakeHub } from '../testing/fake-hub';
import { capturingLogger } from '../testing/log-capture';
import { CredentialSecret } from './credential-secret';
import { clusterIdOf, obtainIdentity, type RegistrationOptions } from './registration';

const TOKEN = 'bootstrap-0123456789abcdef';
const CREDENTIAL = 'c-42.very-secret-credential-value';

let cluster: SimCluster;
let kc: KubeConfig;
let core: CoreV1Api;
let hub: FakeHub;
let client: FleetClient;
let abort: AbortController;

beforeEach(async () => {
  cluster = await startSimCluster({ name: 'reg-test' });
  kc = loadKubeConfig(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  hub = new FakeHub();
  await hub.start();
  client = createFleetClient(hub.address);
  abort = new AbortController();
});

afterEach(async () => {
  abort.abort();
  client.close();
  hub.stop();
  await cluster.stop();
});

function options(extra: Partial<RegistrationOptions>): RegistrationOptions {
  return {
    core,
    client,
    namespace: 'gitfleet-system',
    clusterName: 'alpha',
    clusterLabels: { env: 'prod' },
    bootstrapToken: TOKEN,
    logger: capturingLogger().logger,
    signal: abort.signal,
    backoff: { baseMs: 20, factor: 2, capMs: 100, resetAfterMs: Infinity },
    ...extra,
  };
}

describe('registration', () => {
  it('registers with the bootstrap token and the kube-system UID, then stores the credential in a new namespace', async () => {
    hub.onRegister = () => ({ clusterId: 'c-42', clusterName: 'alpha', credential: CREDENTIAL });
    const logs = capturingLogger();

    const identity = await obtainIdentity(options({ logger: logs.logger }));

    expect(identity).toEqual({ clusterId: 'c-42', credential: CREDENTIAL });
    expect(hub.registrations).toEqual([
      {
        bootstrapToken: TOKEN,
        clusterUid: cluster.kubeSystemUid,
        name: 'alpha',
        labels: { env: 'prod' },
        agentVersion: expect.any(String),
        csr: expect.stringContaining('-----BEGIN CERTIFICATE REQUEST-----'),
      },
    ]);
    const secret = await core.readNamespacedSecret({ name: 'gitfleet-agent', namespace: 'gitfleet-system' });
    expect(Buffer.from(secret.data!.credential, 'base64').toString()).toBe(CREDENTIAL);
    expect(logs.text()).toContain('registered');
    expect(logs.text()).not.toContain(CREDENTIAL);
    expect(logs.text()).not.toContain('very-secret');
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('sends a CSR for a key of its own and keeps key, certificate and CA beside the credential, the key never logged', async () => {
    const ca = createCertificateAuthority('hub CA', 3600_000);
    hub.onRegister = (request) => ({
      clusterId: 'c-42',
      clusterName: 'alpha',
      credential: CREDENTIAL,
      clientCertificate: issueClientCertificate(ca, { csr: request.csr, commonName: 'alpha', uris: [], validityMs: 3600_000 }).cert,
      caCertificate: ca.cert,
    });
    const logs = capturingLogger();
    const identity = await obtainIdentity(options({ logger: logs.logger }));
    expect(new X509Certificate(identity.certificate!.cert).checkPrivateKey(createPrivateKey(identity.certificate!.key))).toBe(true);
    expect(identity.certificate!.ca).toBe(ca.cert);
    // After a restart: the same identity, certificate included, from the Secret alone.
    expect(await obtainIdentity(options({ bootstrapToken: undefined }))).toEqual(identity);
    expect(logs.text()).not.toContain(identity.certificate!.key.split('\n')[1]);
  });

  it('uses a stored credential without calling Register', async () => {
    await new CredentialSecret(core, 'gitfleet-system').write(CREDENTIAL);
    const logs = capturingLogger();
    const identity = await obtainIdentity(options({ logger: logs.logger, bootstrapToken: undefined }));
    expect(identity).toEqual({ clusterId: 'c-42', credential: CREDENTIAL });
    expect(hub.registrations).toEqual([]);
    expect(logs.text()).not.toContain(CREDENTIAL);
  });

  it('reads a credential Secret written with stringData by someone else', async () => {
    await core.createNamespace({ body: { metadata: { name: 'gitfleet-system' } } });
    await core.createNamespacedSecret({
      namespace: 'gitfleet-system',
      body: { metadata: { name: 'gitfleet-agent' }, stringData: { credential: CREDENTIAL } },
    });
    expect(await obtainIdentity(options({ bootstrapToken: undefined }))).toEqual({ clusterId: 'c-42', credential: CREDENTIAL });
  });

  it('keeps retrying with backoff while the hub refuses the token, and succeeds once it accepts', async () => {
    let refusals = 0;
    hub.onRegister = () => {
      if (refusals < 3) {
        refusals += 1;
        return { code: status.UNAUTHENTICATED, details: 'bad bootstrap token' };
      }
      return { clusterId: 'c-42', clusterName: 'alpha', credential: CREDENTIAL };
    };
    const logs = capturingLogger();
    const identity = await obtainIdentity(options({ logger: logs.logger }));
    expect(identity.clusterId).toBe('c-42');
    expect(hub.registrations).toHaveLength(4);
    expect(logs.text()).toContain('the hub refused the bootstrap token');
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('waits, without calling the hub, when it has neither credential nor bootstrap token', async () => {
    const logs = capturingLogger();
    const pending = obtainIdentity(options({ logger: logs.logger, bootstrapToken: undefined }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hub.registrations).toEqual([]);
    expect(logs.text()).toContain('no BOOTSTRAP_TOKEN');
    // An operator creates the Secret: the agent picks it up.
    await new CredentialSecret(core, 'gitfleet-system').write(CREDENTIAL);
    expect(await pending).toEqual({ clusterId: 'c-42', credential: CREDENTIAL });
  });

  it('stops waiting when aborted', async () => {
    const pending = obtainIdentity(options({ bootstrapToken: undefined }));
    abort.abort(new Error('agent stopped'));
    await expect(pending).rejects.toThrow('agent stopped');
  });
});

describe('clusterIdOf', () => {
  it('takes the part before the first dot', () => {
    expect(clusterIdOf('c-1.abc.def')).toBe('c-1');
    expect(clusterIdOf('nodot')).toBeUndefined();
    expect(clusterIdOf('.x')).toBeUndefined();
    expect(clusterIdOf('x.')).toBeUndefined();
  });
});
