import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificationRequest, createPrivateKeyPem } from '#core';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import type { BootstrapTokenView } from './bootstrap-tokens.service';
import { ClustersService, type ClusterCredentialInvalidated, type ClusterRegistered } from './clusters.service';
import { RegistrationError, type RegistrationRequest } from './registration';

/** Registrations submitted in the same tick share a batch: these specs send them together. */
describe('clusters: registrations that arrive together', () => {
  let t: TestHub;
  let clusters: ClustersService;
  const registered: ClusterRegistered[] = [];
  const invalidated: ClusterCredentialInvalidated[] = [];

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { heartbeatIntervalMs: 60_000 });
    clusters = t.app.get(ClustersService);
    clusters.registered.add((e) => void registered.push(e));
    clusters.credentialInvalidated.add((e) => void invalidated.push(e));
  });

  afterAll(async () => {
    await t?.stop();
  });

  const request = (name: string, extra: Partial<RegistrationRequest> = {}): RegistrationRequest => ({
    bootstrapToken: t.bootstrapToken,
    clusterUid: `uid-${name}`,
    name,
    labels: { batch: 'yes' },
    agentVersion: 'test',
    csr: '',
    ...extra,
  });

  /** Each registration's outcome: the registration, or the code and message it was refused with. */
  const registerTogether = async (requests: RegistrationRequest[]) =>
    (await Promise.allSettled(requests.map((r) => clusters.register(r)))).map((s) => {
      if (s.status === 'fulfilled') return s.value;
      if (s.reason instanceof RegistrationError) return { code: s.reason.code, message: s.reason.message };
      throw s.reason;
    });

  /** Rows inserted or updated by one transaction share its xmin. */
  const transactionsWriting = async (names: string[]) =>
    (await t.query<{ n: number }>(`SELECT count(DISTINCT xmin::text)::int AS n FROM cluster WHERE name = ANY($1)`, [names]))[0].n;

  it('writes many new clusters in one transaction; a name held by another UID fails alone, and so does a second claim in the batch', async () => {
    await clusters.register(request('taken'));
    const names = Array.from({ length: 30 }, (_, i) => `many-${i}`);
    const outcomes = await registerTogether([
      ...names.slice(0, 15).map((n) => request(n)),
      request('taken', { clusterUid: 'uid-impostor' }),
      request('many-0', { clusterUid: 'uid-second-claim' }),
      ...names.slice(15).map((n) => request(n)),
    ]);
    expect(outcomes[15]).toEqual({ code: 'already_exists', message: 'cluster name "taken" is held by another cluster' });
    expect(outcomes[16]).toEqual({ code: 'already_exists', message: 'cluster name "many-0" is held by another cluster' });
    const admitted = outcomes.filter((o) => 'clusterId' in o);
    expect(admitted.map((o) => o.clusterName)).toEqual(names);
    const rows = await t.query<{ name: string; kube_system_uid: string }>(
      `SELECT name, kube_system_uid FROM cluster WHERE name = ANY($1) OR name = 'taken' ORDER BY kube_system_uid`,
      [names],
    );
    expect(rows).toHaveLength(31);
    expect(rows.find((r) => r.name === 'taken')?.kube_system_uid).toBe('uid-taken');
    expect(rows.find((r) => r.name === 'many-0')?.kube_system_uid).toBe('uid-many-0');
    expect(await transactionsWriting(names)).toBe(1);
    for (const o of admitted) expect(await clusters.authenticate(o.credential)).toMatchObject({ id: o.clusterId, name: o.clusterName });
    // Every admitted cluster got its TargetSet through the `registered` listeners.
    await eventually(async () =>
      expect(
        (await t.query(`SELECT cluster_id FROM target_set WHERE cluster_id = ANY($1::uuid[])`, [admitted.map((o) => o.clusterId)])).length,
      ).toBe(30),
    );
  });

  it('admits one of two registrations of the same UID in a batch; the other is ALREADY_EXISTS', async () => {
    const outcomes = await registerTogether([
      request('twin', { labels: { copy: 'first' } }),
      request('twin', { labels: { copy: 'second' } }),
    ]);
    expect(outcomes[1]).toEqual({ code: 'already_exists', message: 'a registration of this cluster is already in progress' });
    const first = outcomes[0] as { clusterId: string; credential: string };
    expect(await clusters.authenticate(first.credential)).toMatchObject({ id: first.clusterId });
    expect(await t.query(`SELECT labels FROM cluster WHERE kube_system_uid = 'uid-twin'`)).toEqual([{ labels: { copy: 'first' } }]);
  });

  it('never lets a token exceed its max uses: the registrations past the limit are refused, refused ones use nothing', async () => {
    const { body } = await t.request<{ token: string; item: BootstrapTokenView }>('POST', '/api/v1/tokens', { maxUses: 3 });
    const token = { bootstrapToken: body.token };
    await clusters.register(request('capped-taken'));
    const outcomes = await registerTogether([
      request('capped-1', token),
      // Refused for its name: it uses nothing of the token.
      request('capped-taken', { ...token, clusterUid: 'uid-other' }),
      request('capped-2', token),
      request('capped-3', token),
      request('capped-4', token),
      request('capped-5', token),
      // The configured token is not limited.
      request('capped-6'),
    ]);
    expect(outcomes.map((o) => ('clusterName' in o ? o.clusterName : o.message))).toEqual([
      'capped-1',
      'cluster name "capped-taken" is held by another cluster',
      'capped-2',
      'capped-3',
      'bootstrap token used up (3 of 3 uses)',
      'bootstrap token used up (3 of 3 uses)',
      'capped-6',
    ]);
    expect(await t.query(`SELECT uses FROM bootstrap_token WHERE id = $1`, [body.item.id])).toEqual([{ uses: 3 }]);
    expect(await t.query(`SELECT name FROM cluster WHERE name IN ('capped-4', 'capped-5')`)).toEqual([]);
  });

  it('re-registers a known cluster among new ones: same id and name, rotated credential, revoked certificates, events', async () => {
    const before = await clusters.register(request('veteran', { csr: createCertificationRequest(createPrivateKeyPem(), 'veteran') }));
    expect(before.clientCertificate).not.toBe('');
    await clusters.revoke('veteran');
    registered.length = 0;
    invalidated.length = 0;
    const outcomes = await registerTogether([
      request('rookie-1', { csr: createCertificationRequest(createPrivateKeyPem(), 'rookie-1') }),
      request('veteran-renamed', {
        clusterUid: 'uid-veteran',
        labels: { env: 'back' },
        csr: createCertificationRequest(createPrivateKeyPem(), 'veteran'),
      }),
      request('rookie-2'),
    ]);
    const again = outcomes[1] as { clusterId: string; clusterName: string; credential: string; clientCertificate: string };
    expect(again).toMatchObject({ clusterId: before.clusterId, clusterName: 'veteran' });
    expect(again.credential).not.toBe(before.credential);
    expect(again.clientCertificate).toContain('BEGIN CERTIFICATE');
    expect(await clusters.authenticate(before.credential)).toBeNull();
    expect(await clusters.authenticate(again.credential)).toMatchObject({ id: before.clusterId });
    expect(await t.query(`SELECT state, labels FROM cluster WHERE id = $1`, [before.clusterId])).toEqual([
      { state: 'active', labels: { env: 'back' } },
    ]);
    // The certificate of before stays revoked; the new ones of the batch are recorded, unrevoked.
    const certificates = await t.query<{ cluster_id: string; revoked: boolean }>(
      `SELECT cluster_id::text AS cluster_id, revoked_at IS NOT NULL AS revoked FROM client_certificate
       WHERE cluster_id = ANY($1::uuid[]) ORDER BY issued_at`,
      [[before.clusterId, (outcomes[0] as { clusterId: string }).clusterId]],
    );
    expect(certificates.map((c) => c.revoked)).toEqual([true, false, false]);
    expect(await transactionsWriting(['rookie-1', 'veteran', 'rookie-2'])).toBe(1);

    expect(invalidated).toEqual([{ clusterId: before.clusterId, reason: 'credential rotated by a re-registration' }]);
    expect(registered.map((r) => r.name).sort()).toEqual(['rookie-1', 'rookie-2', 'veteran']);
    await eventually(async () =>
      expect(
        await t.query(
          `SELECT cluster, message FROM fleet_event WHERE type = 'cluster.registered' AND cluster IN ('veteran', 'rookie-2') ORDER BY id`,
        ),
      ).toEqual([
        { cluster: 'veteran', message: 'cluster veteran registered (active)' },
        { cluster: 'veteran', message: 'cluster veteran re-registered (active)' },
        { cluster: 'rookie-2', message: 'cluster rookie-2 registered (active)' },
      ]),
    );
  });
});
