import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';
import { ClustersService } from './clusters.service';
import { hashCredential } from './credential';

describe('clusters: registration and credentials', () => {
  let t: TestHub;
  let agent: TestAgent;
  let clusters: ClustersService;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    agent = new TestAgent(t.hub.grpcAddress);
    clusters = t.app.get(ClustersService);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the registration to be refused');
      },
      (error: ServiceError) => ({ code: error.code, details: error.details }),
    );

  it('registers a cluster with the bootstrap token and stores only the hash of its credential', async () => {
    const registration = await agent.register({
      bootstrapToken: t.bootstrapToken,
      clusterUid: 'uid-alpha',
      name: 'alpha',
      labels: { env: 'prod' },
    });
    expect(registration.clusterName).toBe('alpha');
    expect(registration.credential).toMatch(new RegExp(`^${registration.clusterId}\\.[A-Za-z0-9_-]{43}$`));

    const rows = await t.query<Record<string, unknown>>(`SELECT * FROM cluster WHERE id = $1`, [registration.clusterId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'alpha', kube_system_uid: 'uid-alpha', labels: { env: 'prod' }, connected: false });
    expect(rows[0].credential_hash).toBe(hashCredential(registration.credential));
    const secret = registration.credential.split('.')[1];
    const dump = await t.query<{ dump: string }>(`SELECT string_agg(c::text, ' ') AS dump FROM cluster c`);
    expect(dump[0].dump).not.toContain(secret);

    expect(await clusters.authenticate(registration.credential)).toEqual({
      id: registration.clusterId,
      name: 'alpha',
      credentialHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // What the agent's Hello is compared with, read with the credential.
      targetSet: { revision: '1', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // A cluster has a TargetSet (revision 1) from the moment it registers.
    const targetSets = await t.query(`SELECT revision::text AS revision FROM target_set WHERE cluster_id = $1`, [registration.clusterId]);
    expect(targetSets).toEqual([{ revision: '1' }]);
  });

  it('refuses a wrong or missing bootstrap token with UNAUTHENTICATED and creates nothing', async () => {
    expect(await refusal(agent.register({ bootstrapToken: `${t.bootstrapToken}x`, clusterUid: 'uid-eve', name: 'eve' }))).toMatchObject({
      code: GrpcStatus.UNAUTHENTICATED,
    });
    expect(await refusal(agent.register({ bootstrapToken: '', clusterUid: 'uid-eve', name: 'eve' }))).toMatchObject({
      code: GrpcStatus.UNAUTHENTICATED,
    });
    expect(await t.query(`SELECT id FROM cluster WHERE name = 'eve'`)).toEqual([]);
  });

  it('refuses a missing UID, an invalid name or invalid labels with INVALID_ARGUMENT', async () => {
    for (const request of [
      { clusterUid: '', name: 'no-uid' },
      { clusterUid: 'uid-x', name: 'Not_A_Label' },
      { clusterUid: 'uid-x', name: 'ok', labels: { 'bad key!': 'v' } },
    ]) {
      expect(await refusal(agent.register({ bootstrapToken: t.bootstrapToken, ...request }))).toMatchObject({
        code: GrpcStatus.INVALID_ARGUMENT,
      });
    }
  });

  it('keeps id and name on re-registration of a known UID and rotates the credential', async () => {
    const first = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-beta', name: 'beta', labels: { env: 'dev' } });
    const second = await agent.register({
      bootstrapToken: t.bootstrapToken,
      clusterUid: 'uid-beta',
      name: 'beta-renamed',
      labels: { env: 'staging' },
    });
    expect(second.clusterId).toBe(first.clusterId);
    expect(second.clusterName).toBe('beta');
    expect(second.credential).not.toBe(first.credential);
    expect(await clusters.authenticate(first.credential)).toBeNull();
    expect(await clusters.authenticate(second.credential)).toMatchObject({ id: first.clusterId, name: 'beta' });
    const rows = await t.query(`SELECT name, labels FROM cluster WHERE kube_system_uid = 'uid-beta'`);
    expect(rows).toEqual([{ name: 'beta', labels: { env: 'staging' } }]);
  });

  it('refuses a name held by another cluster UID with ALREADY_EXISTS', async () => {
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-gamma', name: 'gamma' });
    expect(await refusal(agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-impostor', name: 'gamma' }))).toMatchObject({
      code: GrpcStatus.ALREADY_EXISTS,
    });
    expect(await t.query(`SELECT kube_system_uid FROM cluster WHERE name = 'gamma'`)).toEqual([{ kube_system_uid: 'uid-gamma' }]);
  });

  it('authenticates nothing that is missing, malformed or unknown', async () => {
    const { credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-delta', name: 'delta' });
    expect(await clusters.authenticate(undefined)).toBeNull();
    expect(await clusters.authenticate('')).toBeNull();
    expect(await clusters.authenticate('not-a-uuid.secret')).toBeNull();
    expect(await clusters.authenticate(credential.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeNull();
    expect(await clusters.authenticate(`00000000-0000-4000-8000-000000000000.${credential.split('.')[1]}`)).toBeNull();
  });
});
