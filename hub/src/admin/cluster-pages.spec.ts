import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, FleetSummary, Page } from '../api-contract';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';

/** Names whose order differs between a locale collation (which skips '-') and code points. */
const NAMES = ['ab', 'a-b', 'a0', 'a-a', 'b', 'aa', 'a', 'b-1', 'b1', 'c', 'a--z', 'z'];

describe('GET /api/v1/clusters pages', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    agent = new TestAgent(t.hub.grpcAddress);
    for (const [i, name] of NAMES.entries())
      await agent.register({
        bootstrapToken: t.bootstrapToken,
        clusterUid: `uid-${name}`,
        name,
        labels: { env: i % 3 === 0 ? 'prod' : 'dev' },
      });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  async function walk(query: string): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: Page<ClusterView> } = await t.get<Page<ClusterView>>(
        `/api/v1/clusters?${query}${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(status).toBe(200);
      names.push(...body.items.map((c) => c.name));
      cursor = body.next;
      pages++;
      expect(pages).toBeLessThan(50);
    } while (cursor !== null);
    return { names, pages };
  }

  const byCodePoint = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  it('walk every cluster once, in code-point order of the name, page after page', async () => {
    const { names, pages } = await walk('limit=5');
    expect(names).toEqual(byCodePoint(NAMES));
    expect(new Set(names).size).toBe(NAMES.length);
    expect(pages).toBe(3);
  });

  it('fill each page of a filtered list through as many reads as it takes, with no duplicates', async () => {
    const prod = NAMES.filter((_, i) => i % 3 === 0);
    const { names, pages } = await walk('limit=1&label=env%3Dprod');
    expect(names).toEqual(byCodePoint(prod));
    expect(pages).toBe(prod.length);
  });

  it('answer the same pages when asked again (a cursor is a name, not a position)', async () => {
    const first = await t.get<Page<ClusterView>>('/api/v1/clusters?limit=4');
    const again = await t.get<Page<ClusterView>>(`/api/v1/clusters?limit=4&cursor=${first.body.next}`);
    const fresh = await walk('limit=4');
    expect(again.body.items.map((c) => c.name)).toEqual(fresh.names.slice(4, 8));
  });

  it('filter by part of the name, in any case, through pages, and refuse a name filter given twice', async () => {
    const { names } = await walk('limit=2&name=A-');
    expect(names).toEqual(byCodePoint(NAMES.filter((n) => n.includes('a-'))));
    expect(names.length).toBeGreaterThan(2);
    expect((await walk('limit=3&name=B1')).names).toEqual(['b1']);
    expect((await walk('name=nothing-like-this')).names).toEqual([]);
    // Combined with the other filters, all must hold.
    const prodA = NAMES.filter((n, i) => i % 3 === 0 && n.startsWith('a'));
    expect((await walk('limit=1&name=a&label=env%3Dprod')).names).toEqual(byCodePoint(prodA));
    const twice = await t.get<{ code: string; message: string }>('/api/v1/clusters?name=a&name=b');
    expect(twice.status).toBe(400);
    expect(twice.body.message).toContain('name');
    const long = await t.get<{ code: string }>(`/api/v1/clusters?name=${'x'.repeat(254)}`);
    expect(long.status).toBe(400);
  });

  it('read no credential hash to list the clusters', async () => {
    const db = t.app.get(DataSource);
    const query = db.query.bind(db);
    const statements: string[] = [];
    db.query = ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    }) as typeof db.query;
    try {
      expect((await walk('limit=5')).names).toHaveLength(NAMES.length);
      expect((await walk('limit=5&label=env%3Dprod')).names.length).toBeGreaterThan(0);
    } finally {
      db.query = query;
    }
    expect(statements.filter((sql) => /FROM cluster\b/.test(sql)).length).toBeGreaterThan(0);
    expect(statements.filter((sql) => sql.includes('credential_hash'))).toEqual([]);
  });

  it('GET /api/v1/summary counts the fleet, per label value when asked, without listing it', async () => {
    const { status, body } = await t.get<FleetSummary>('/api/v1/summary?groupBy=env');
    expect(status).toBe(200);
    const prod = NAMES.filter((_, i) => i % 3 === 0).length;
    expect(body).toMatchObject({
      clusters: NAMES.length,
      states: { pending: 0, active: NAMES.length, revoked: 0 },
      connectivity: { connected: 0, unreachable: NAMES.length },
      unreachableActive: NAMES.length,
      groupBy: 'env',
      groupsTruncated: false,
    });
    // One bundle (web) on every cluster, none of them connected: each counted once, as unknown.
    expect(body.phases.unknown).toBe(NAMES.length);
    expect(Object.values(body.phases).reduce((a, b) => a + b, 0)).toBe(NAMES.length);
    expect(body.groups.map((g) => [g.value, g.clusters, g.unreachable, g.phases.unknown])).toEqual([
      ['dev', NAMES.length - prod, NAMES.length - prod, NAMES.length - prod],
      ['prod', prod, prod, prod],
    ]);
    const bad = await t.get<{ code: string }>('/api/v1/summary?groupBy=a%20b');
    expect(bad.status).toBe(400);
  });
});
