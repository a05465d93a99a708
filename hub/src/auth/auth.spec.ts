import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../admin/openapi';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../testing/hub-fixture';

type Role = 'viewer' | 'operator' | 'admin';
const ROLES: Role[] = ['viewer', 'operator', 'admin'];

/** Every documented operation with the role the document claims, params filled with a name nobody has. */
function documentedOperations(): { method: string; path: string; role: Role | 'public' }[] {
  const paths = openApiDocument().paths as Record<string, Record<string, { 'x-gitfleet-role': Role | 'public' }>>;
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{\w+\}/g, 'nobody'),
      role: op['x-gitfleet-role'],
    })),
  );
}

describe('auth: API tokens and roles', () => {
  let t: TestHub;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    for (const role of ROLES) tokens[role] = await t.apiToken(`${role}-bot`, role);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('refuses a call without a token, with an unknown token or a malformed header (401, JSON)', async () => {
    for (const token of [null, 'gfat_nope', 'not-a-token']) {
      const { status, body } = await t.requestAs(token, 'GET', '/api/v1/clusters');
      expect(status).toBe(401);
      expect(body).toEqual({ code: 'unauthenticated', message: expect.any(String) });
    }
    expect((await t.requestAs(null, 'GET', '/api/v1/clusters')).body).toMatchObject({
      message: 'send an API token as "Authorization: Bearer <token>"',
    });
  });

  // Streams never end; their owner tests them.
  const matrix = documentedOperations().filter((o) => o.path !== '/api/v1/stream' && o.role !== 'public');

  it.each(ROLES)('lets a %s token do exactly what the OpenAPI document says its role may do', async (role) => {
    const refused: string[] = [];
    const wronglyRefused: string[] = [];
    for (const op of matrix) {
      const body = op.method === 'POST' ? { ttlSeconds: 0 } : undefined;
      const { status, body: answer } = await t.requestAs<{ code: string; message: string }>(tokens[role], op.method, op.path, body);
      const allowed = ROLES.indexOf(role) >= ROLES.indexOf(op.role as Role);
      if (!allowed && status !== 403) refused.push(`${op.method} ${op.path} → ${status}`);
      if (!allowed && status === 403)
        expect(answer).toEqual({
          code: 'forbidden',
          message: expect.stringContaining(`needs the ${op.role} role; token "${role}-bot" has ${role}`),
        });
      if (allowed && (status === 401 || status === 403)) wronglyRefused.push(`${op.method} ${op.path} → ${status}`);
    }
    expect(refused).toEqual([]);
    expect(wronglyRefused).toEqual([]);
  });

  it('keeps health, readiness, the webhook and the OpenAPI document public', async () => {
    expect((await t.requestAs(null, 'GET', '/healthz')).status).toBe(200);
    expect((await t.requestAs(null, 'GET', '/readyz')).status).toBe(200);
    expect((await t.requestAs(null, 'GET', '/api/docs/openapi.json')).status).toBe(200);
    // Refused by the webhook's own signature check, not by the API token guard.
    expect((await t.requestAs(null, 'POST', '/api/v1/webhooks/git', {})).body).not.toMatchObject({ code: 'unauthenticated' });
  });

  it('creates tokens shown once, stores only their hash, lists them without secrets', async () => {
    const created = await t.request<{ token: string; item: Record<string, unknown> }>('POST', '/api/v1/api-tokens', {
      name: 'ci',
      role: 'operator',
      ttlSeconds: 3600,
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^gfat_[A-Za-z0-9_-]{43}$/);
    expect(created.body.item).toMatchObject({
      name: 'ci',
      role: 'operator',
      scope: null,
      createdBy: 'ADMIN_TOKEN',
      state: 'usable',
      revokedAt: null,
      expiresAt: expect.any(String),
    });
    const rows = await t.query<Record<string, unknown>>(`SELECT * FROM api_token WHERE name = 'ci'`);
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = await t.get<{ items: Record<string, unknown>[] }>('/api/v1/api-tokens');
    expect(listed.body.items.map((i) => i.name)).toEqual(['viewer-bot', 'operator-bot', 'admin-bot', 'ci']);
    expect(JSON.stringify(listed.body)).not.toContain('gfat_');
    // A token made by another token records who made it.
    const byBot = await t.requestAs<{ item: { createdBy: string } }>(tokens.admin, 'POST', '/api/v1/api-tokens', {
      name: 'made-by-bot',
      role: 'viewer',
    });
    expect(byBot.body.item.createdBy).toBe('admin-bot');
  });

  it('refuses bad token requests with a message that says what to fix', async () => {
    const cases: [unknown, string][] = [
      [{ role: 'viewer' }, 'name must be 1-63 letters'],
      [{ name: 'x', role: 'root' }, 'role must be one of viewer, operator, admin'],
      [{ name: 'x', role: 'viewer', scope: {} }, 'scope must be'],
      [{ name: 'x', role: 'viewer', scope: { clusterGroups: [] } }, 'scope must be'],
      [{ name: 'x', role: 'viewer', ttlSeconds: -1 }, 'ttlSeconds must be an integer'],
      [{ name: 'x', role: 'viewer', secret: 'y' }, 'unknown field "secret"'],
    ];
    for (const [body, message] of cases) {
      const answer = await t.request('POST', '/api/v1/api-tokens', body);
      expect(answer).toEqual({ status: 400, body: { code: 'invalid_argument', message: expect.stringContaining(message) } });
    }
  });

  it('refuses a revoked token and an expired one (401) saying why', async () => {
    const doomed = await t.request<{ token: string; item: { id: string } }>('POST', '/api/v1/api-tokens', {
      name: 'doomed',
      role: 'viewer',
    });
    expect((await t.requestAs(doomed.body.token, 'GET', '/api/v1/clusters')).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/api-tokens/${doomed.body.item.id}`)).status).toBe(204);
    const revoked = await t.requestAs(doomed.body.token, 'GET', '/api/v1/clusters');
    expect(revoked).toEqual({
      status: 401,
      body: { code: 'unauthenticated', message: expect.stringMatching(/^API token "doomed" was revoked at /) },
    });
    expect((await t.request('DELETE', '/api/v1/api-tokens/00000000-0000-4000-8000-000000000000')).body).toMatchObject({
      code: 'api_token_not_found',
    });

    const brief = await t.apiToken('brief', 'viewer', { ttlSeconds: 1 });
    await t.query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE name = 'brief'`);
    expect(await t.requestAs(brief, 'GET', '/api/v1/clusters')).toEqual({
      status: 401,
      body: { code: 'unauthenticated', message: expect.stringMatching(/^API token "brief" expired at /) },
    });
    const listed = await t.get<{ items: { name: string; state: string }[] }>('/api/v1/api-tokens?limit=500');
    expect(listed.body.items.filter((i) => ['doomed', 'brief'].includes(i.name)).map((i) => i.state)).toEqual(['revoked', 'expired']);
  });

  it('records when a token was last used', async () => {
    const rows = await t.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM api_token WHERE name = 'viewer-bot'`);
    expect(rows[0].last_used_at).not.toBeNull();
  });
});

describe('auth: a hub without ADMIN_TOKEN', () => {
  let t: TestHub;
  let app: INestApplicationContext;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { adminToken: undefined });
    app = t.app;
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('is never open: every API call is refused until a token exists', async () => {
    expect(app).toBeDefined();
    expect((await t.requestAs(null, 'GET', '/api/v1/clusters')).status).toBe(401);
    expect((await t.get('/api/v1/clusters')).status).toBe(401);
    expect((await t.requestAs(null, 'GET', '/healthz')).status).toBe(200);
  });
});
