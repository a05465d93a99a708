import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import type { AuditEntry } from './audit.service';

describe('audit: every mutating API call is recorded', () => {
  let t: TestHub;
  let agent: TestAgent;
  let viewer: string;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    agent = new TestAgent(t.hub.grpcAddress);
    await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-1', name: 'c1' });
    viewer = await t.apiToken('watcher', 'viewer');
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  const audit = async (query = '') => (await t.get<{ items: AuditEntry[]; next: string | null }>(`/api/v1/audit${query}`)).body;

  it('records who, what, when and the result, refusals included, newest first', async () => {
    const before = Date.now();
    expect((await t.request('POST', '/api/v1/clusters/c1/sync')).status).toBe(202);
    expect((await t.request('POST', '/api/v1/clusters/ghost/revoke')).status).toBe(404);
    expect((await t.requestAs(viewer, 'POST', '/api/v1/clusters/c1/revoke')).status).toBe(403);
    await eventually(async () => expect((await audit()).items.length).toBeGreaterThanOrEqual(4));
    const { items } = await audit();
    expect(items.slice(0, 3)).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        actor: { tokenId: expect.any(String), name: 'watcher' },
        method: 'POST',
        route: '/api/v1/clusters/:name/revoke',
        path: '/api/v1/clusters/c1/revoke',
        target: 'c1',
        status: 403,
      },
      {
        id: expect.any(String),
        at: expect.any(String),
        actor: { tokenId: 'admin-token', name: 'ADMIN_TOKEN' },
        method: 'POST',
        route: '/api/v1/clusters/:name/revoke',
        path: '/api/v1/clusters/ghost/revoke',
        target: 'ghost',
        status: 404,
      },
      {
        id: expect.any(String),
        at: expect.any(String),
        actor: { tokenId: 'admin-token', name: 'ADMIN_TOKEN' },
        method: 'POST',
        route: '/api/v1/clusters/:name/sync',
        path: '/api/v1/clusters/c1/sync',
        target: 'c1',
        status: 202,
      },
    ]);
    expect(Date.parse(items[2].at)).toBeGreaterThanOrEqual(before - 1000);
    // The token creation of beforeAll is there too, without its secret.
    expect(items[3]).toMatchObject({ method: 'POST', route: '/api/v1/api-tokens', target: '', status: 201 });
  });

  it('never records a secret', async () => {
    const created = await t.request<{ token: string }>('POST', '/api/v1/api-tokens', { name: 'secret-keeper', role: 'admin' });
    const bootstrap = await t.request<{ token: string }>('POST', '/api/v1/tokens', { description: 'runners' });
    await eventually(async () => expect((await audit()).items[0].route).toBe('/api/v1/tokens'));
    const rows = JSON.stringify(await t.query('SELECT * FROM audit_log'));
    for (const secret of [created.body.token, bootstrap.body.token, t.adminToken, viewer]) expect(rows).not.toContain(secret);
  });

  it('does not record reads, lists by actor and pages newest first', async () => {
    const count = (await t.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log'))[0].n;
    await t.get('/api/v1/clusters');
    await t.requestAs(viewer, 'GET', '/api/v1/bundles');
    expect((await t.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log'))[0].n).toBe(count);

    expect((await audit('?actor=watcher')).items.map((e) => e.status)).toEqual([403]);
    const first = await audit('?limit=2');
    const second = await audit(`?limit=2&cursor=${first.next}`);
    const all = await audit();
    expect([...first.items, ...second.items].map((e) => e.id)).toEqual(all.items.slice(0, 4).map((e) => e.id));
    expect((await t.requestAs(viewer, 'GET', '/api/v1/audit')).status).toBe(403);
  });

  it('pages newest first by number, past ids of different lengths (9 before 10), each entry once', async () => {
    // Enough entries that ids reach two digits: text order would put 9 before 48.
    for (let i = 0; i < 14; i++) await t.request('POST', '/api/v1/clusters/c1/sync');
    await eventually(async () => expect(Number((await audit('?limit=1')).items[0].id)).toBeGreaterThanOrEqual(14));
    const everything = (await audit('?limit=500')).items.map((e) => Number(e.id));
    expect(everything.length).toBeGreaterThan(10);
    expect(everything).toEqual([...everything].sort((a, b) => b - a));

    const paged: number[] = [];
    let next: string | null = null;
    do {
      const page = await audit(`?limit=7${next === null ? '' : `&cursor=${next}`}`);
      paged.push(...page.items.map((e) => Number(e.id)));
      next = page.next;
    } while (next !== null && paged.length < 1000);
    expect(paged).toEqual(everything);
    expect(new Set(paged).size).toBe(paged.length);
  });
});
