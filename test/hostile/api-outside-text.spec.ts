/**
 * Issue 13 #1, the admin API side: a NUL (or any control character) in a path parameter or a
 * query value is refused with a 400 that names the parameter — never a 500 from PostgreSQL,
 * which can neither store nor compare such text — and a refused mutating call is audited, its
 * path stored as visible text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../hub/src/audit/audit.service';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../../hub/src/testing/hub-fixture';

describe('admin API: control characters in paths and queries', () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  const READS: [string, string][] = [
    ['/api/v1/clusters/%00', 'path parameter name'],
    ['/api/v1/bundles/%1B%5B2J', 'path parameter name'],
    ['/api/v1/commits/%00', 'path parameter commit'],
    ['/api/v1/rollouts/%00', 'path parameter bundle'],
    ['/api/v1/clusters?selector=%00', 'query parameter selector'],
    // Checked by PostgreSQL as the name index is read: refused before it gets there.
    ['/api/v1/clusters?name=a%00', 'query parameter name'],
    ['/api/v1/summary?groupBy=%00', 'query parameter groupBy'],
    ['/api/v1/bundles?cluster=%00', 'query parameter cluster'],
    ['/api/v1/events?cluster=%00', 'query parameter cluster'],
    ['/api/v1/history?cluster=%00', 'query parameter cluster'],
    ['/api/v1/history?bundle=%00', 'query parameter bundle'],
    ['/api/v1/audit?actor=%00', 'query parameter actor'],
  ];

  it.each(READS)('GET %s answers 400 naming the %s', async (path, named) => {
    const { status, body } = await t.get<{ code: string; message: string }>(path);
    expect(status).toBe(400);
    expect(body.code).toBe('invalid_argument');
    expect(body.message).toContain(`${named} holds a control character`);
  });

  it('refuses mutating calls the same way, and audits them with the path as visible text', async () => {
    const writes: [string, string][] = [
      ['POST', '/api/v1/clusters/%00/sync'],
      ['POST', '/api/v1/clusters/%00/revoke'],
      ['POST', '/api/v1/rollouts/%00/pause'],
      ['DELETE', '/api/v1/api-tokens/%00'],
      ['DELETE', '/api/v1/tokens/%00'],
    ];
    for (const [method, path] of writes) {
      const { status } = await t.request(method, path, method === 'POST' ? {} : undefined);
      expect(status, `${method} ${path}`).toBe(400);
    }
    await t.app.get(AuditService).flushed();
    const audit = await t.get<{ items: { method: string; path: string; target: string; status: number }[] }>('/api/v1/audit?limit=50');
    const refused = audit.body.items.filter((entry) => entry.status === 400);
    expect(refused.map((entry) => `${entry.method} ${entry.path}`).sort()).toEqual(
      writes.map(([method, path]) => `${method} ${path}`).sort(),
    );
    // The decoded parameter, NUL and all, as visible text.
    expect(new Set(refused.map((entry) => entry.target))).toEqual(new Set(['\\u0000']));
  });
});
