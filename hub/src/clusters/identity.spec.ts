import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootstrapTokenView } from './bootstrap-tokens.service';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';

const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the registration to be refused');
    },
    (error: ServiceError) => ({ code: error.code, details: error.details }),
  );

describe('identity: bootstrap tokens, revoke, rotate', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  const createToken = async (body: Record<string, unknown>) => {
    const { status, body: created } = await t.request<{ token: string; item: BootstrapTokenView }>('POST', '/api/v1/tokens', body);
    expect(status).toBe(201);
    return created;
  };

  it('registers with a token made through the API, counts its uses and stores only its hash', async () => {
    const { token, item } = await createToken({ description: 'ci', maxUses: 2, ttlSeconds: 3600 });
    expect(item).toMatchObject({ description: 'ci', maxUses: 2, uses: 0, state: 'usable', revokedAt: null });
    await agent.register({ bootstrapToken: token, clusterUid: 'uid-t1', name: 't1' });
    const listed = (await t.get<{ items: BootstrapTokenView[] }>('/api/v1/tokens')).body.items;
    expect(listed.find((x) => x.id === item.id)).toMatchObject({ uses: 1, state: 'usable' });
    expect(JSON.stringify(listed)).not.toContain(token);
    const dump = await t.query<{ dump: string }>(`SELECT string_agg(b::text, ' ') AS dump FROM bootstrap_token b`);
    expect(dump[0].dump).not.toContain(token.slice(5));
  });

  it('refuses a used-up token, and refuses nothing more than the limit even for re-registrations', async () => {
    const { token, item } = await createToken({ maxUses: 1 });
    await agent.register({ bootstrapToken: token, clusterUid: 'uid-u1', name: 'u1' });
    expect(await refusal(agent.register({ bootstrapToken: token, clusterUid: 'uid-u2', name: 'u2' }))).toEqual({
      code: GrpcStatus.UNAUTHENTICATED,
      details: 'bootstrap token used up (1 of 1 uses)',
    });
    expect(await t.query(`SELECT id FROM cluster WHERE name = 'u2'`)).toEqual([]);
    expect((await t.get<{ items: BootstrapTokenView[] }>('/api/v1/tokens')).body.items.find((x) => x.id === item.id)?.state).toBe(
      'used-up',
    );
  });

  it('refuses an expired token', async () => {
    const { token, item } = await createToken({ ttlSeconds: 60 });
    await t.query(`UPDATE bootstrap_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [item.id]);
    const refused = await refusal(agent.register({ bootstrapToken: token, clusterUid: 'uid-x1', name: 'x1' }));
    expect(refused.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(refused.details).toMatch(/^bootstrap token expired at \d{4}-/);
  });

  it('refuses a revoked token; the configured token keeps working; bad input is a 400', async () => {
    const { token, item } = await createToken({});
    expect((await t.request('DELETE', `/api/v1/tokens/${item.id}`)).status).toBe(204);
    expect(await refusal(agent.register({ bootstrapToken: token, clusterUid: 'uid-r1', name: 'r1' }))).toEqual({
      code: GrpcStatus.UNAUTHENTICATED,
      details: 'bootstrap token revoked',
    });
    expect(await refusal(agent.register({ bootstrapToken: 'gfbt_made-up', clusterUid: 'uid-r1', name: 'r1' }))).toEqual({
      code: GrpcStatus.UNAUTHENTICATED,
      details: 'invalid bootstrap token',
    });
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-r1', name: 'r1' });
    expect((await t.request('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.request('POST', '/api/v1/tokens', { maxUses: 0 })).status).toBe(400);
    expect((await t.request('POST', '/api/v1/tokens', { ttlSeconds: 'soon' })).status).toBe(400);
  });

  it('revokes a cluster: its session ends at once, its credential is refused, and only a new registration brings it back', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-rev', name: 'rev' });
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    await stream.nth('targetSet');

    const revoked = await t.request<{ state: string }>('POST', '/api/v1/clusters/rev/revoke');
    expect(revoked).toMatchObject({ status: 200, body: { state: 'revoked' } });
    const ended = await stream.ended(2_000);
    expect(ended.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(ended.details).toMatch(/^revoked/);

    const again = agent.connect(credential);
    again.hello(clusterId);
    const refused = await again.ended();
    expect([refused.code, refused.details.startsWith('revoked')]).toEqual([GrpcStatus.UNAUTHENTICATED, true]);
    expect(again.received).toEqual([]);
    await eventually(async () => {
      const { body } = await t.get<{ state: string; connectivity: string; targetSet: unknown; bundles: unknown[] }>('/api/v1/clusters/rev');
      expect(body).toMatchObject({ state: 'revoked', connectivity: 'unreachable', targetSet: null, bundles: [] });
    });
    expect((await t.request('POST', '/api/v1/clusters/rev/approve')).status).toBe(409);

    const back = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-rev', name: 'rev' });
    expect(back.clusterId).toBe(clusterId);
    const fresh = agent.connect(back.credential);
    fresh.hello(clusterId);
    expect((await fresh.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);
    expect((await t.get<{ state: string }>('/api/v1/clusters/rev')).body.state).toBe('active');
    fresh.close();
  });

  it('rotates a credential by invalidating it: the session ends and the agent must register again', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-rot', name: 'rot' });
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    await stream.nth('targetSet');
    expect((await t.request<{ state: string }>('POST', '/api/v1/clusters/rot/rotate-credential')).body.state).toBe('active');
    const ended = await stream.ended(2_000);
    expect([ended.code, ended.details]).toEqual([GrpcStatus.UNAUTHENTICATED, expect.stringMatching(/^credential rotated/)]);
    const old = agent.connect(credential);
    expect((await old.ended()).code).toBe(GrpcStatus.UNAUTHENTICATED);
    const next = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-rot', name: 'rot' });
    expect(next.credential).not.toBe(credential);
    const fresh = agent.connect(next.credential);
    fresh.hello(clusterId);
    await fresh.nth('targetSet');
    fresh.close();
    expect((await t.request('POST', '/api/v1/clusters/nobody/revoke')).status).toBe(404);
  });
});

describe('identity: manual approval', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 200, clusterApprovalRequired: true });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('keeps a new cluster pending with no TargetSet until approved, then pushes it on the open session', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-p', name: 'pend' });
    expect(await t.query(`SELECT cluster_id FROM target_set WHERE cluster_id = $1`, [clusterId])).toEqual([]);
    const stream = agent.connect(credential);
    stream.hello(clusterId);
    stream.keepAlive();
    await stream.nth('heartbeat');
    expect(stream.ofKind('targetSet')).toEqual([]);
    expect((await t.get<{ state: string; targetSet: unknown }>('/api/v1/clusters/pend')).body).toMatchObject({
      state: 'pending',
      targetSet: null,
    });

    const approved = await t.request<{ state: string }>('POST', '/api/v1/clusters/pend/approve');
    expect(approved).toMatchObject({ status: 200, body: { state: 'active' } });
    expect((await stream.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);

    // Revoked and registered again: pending again.
    await t.request('POST', '/api/v1/clusters/pend/revoke');
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-p', name: 'pend' });
    expect((await t.get<{ state: string }>('/api/v1/clusters/pend')).body.state).toBe('pending');
  });
});
