import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as contract from '../api-contract';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';

const GROUP = (name: string, team: string) => `apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      team: ${team}
`;

interface Page<T> {
  items: T[];
  next: string | null;
}
type Named = { name: string };
type ClusterItem = { name: string; bundles: { bundle: string }[] };
type BundleItem = { name: string; summary: { total: number } };

describe('admin API: scopes, sync now, lists and the OpenAPI document', () => {
  let t: TestHub;
  let agent: TestAgent;
  let a1Stream: TestStream;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestHub({
      'fleet/groups.yaml': `${GROUP('team-a', 'a')}---\n${GROUP('team-b', 'b')}`,
      'fleet/shared.yaml': BUNDLE('shared'),
      'fleet/app-a.yaml': BUNDLE('app-a', '{ matchLabels: { team: a } }'),
      'fleet/app-b.yaml': BUNDLE('app-b', '{ matchLabels: { team: b } }'),
      'apps/shared/cm.yaml': CONFIGMAP('shared'),
      'apps/app-a/cm.yaml': CONFIGMAP('app-a'),
      'apps/app-b/cm.yaml': CONFIGMAP('app-b'),
    });
    agent = new TestAgent(t.hub.grpcAddress);
    const clusters: [string, Record<string, string>][] = [
      ['a1', { team: 'a', env: 'prod' }],
      ['a2', { team: 'a', env: 'dev' }],
      ['b1', { team: 'b', env: 'prod' }],
    ];
    for (const [name, labels] of clusters) {
      const registered = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, labels });
      ids[name] = registered.clusterId;
      ids[`${name}-credential`] = registered.credential;
    }
    a1Stream = agent.connect(ids['a1-credential']);
    a1Stream.hello(ids.a1);
    await a1Stream.nth('targetSet');
  });

  afterAll(async () => {
    a1Stream?.close();
    agent?.close();
    await t?.stop();
  });

  describe('a token scoped to a cluster group', () => {
    let teamA: string;
    beforeAll(async () => {
      teamA = await t.apiToken('team-a-ops', 'operator', { scope: { clusterGroups: ['team-a'] } });
    });

    it('lists only its clusters, and its bundles with only its clusters', async () => {
      const clusters = await t.requestAs<Page<ClusterItem>>(teamA, 'GET', '/api/v1/clusters');
      expect(clusters.body.items.map((c) => c.name)).toEqual(['a1', 'a2']);
      const bundles = await t.requestAs<Page<BundleItem>>(teamA, 'GET', '/api/v1/bundles');
      const clustersOf = async (bundle: string) =>
        (await t.requestAs<Page<{ cluster: string }>>(teamA, 'GET', `/api/v1/bundles/${bundle}/clusters`)).body.items.map((c) => c.cluster);
      expect(await Promise.all(bundles.body.items.map(async (b) => [b.name, await clustersOf(b.name), b.summary.total]))).toEqual([
        ['app-a', ['a1', 'a2'], 2],
        ['shared', ['a1', 'a2'], 2],
      ]);
    });

    it("answers 404 for another team's cluster and bundle, as if they did not exist", async () => {
      expect(await t.requestAs(teamA, 'GET', '/api/v1/clusters/b1')).toEqual({
        status: 404,
        body: { code: 'cluster_not_found', message: 'no cluster named "b1"' },
      });
      expect((await t.requestAs(teamA, 'GET', '/api/v1/bundles/app-b')).body).toEqual({
        code: 'bundle_not_found',
        message: 'no bundle named "app-b"',
      });
      expect((await t.requestAs(teamA, 'GET', '/api/v1/bundles/app-b/clusters')).status).toBe(404);
      for (const [method, path] of [
        ['POST', '/api/v1/clusters/b1/sync'],
        ['POST', '/api/v1/clusters/b1/approve'],
        ['POST', '/api/v1/bundles/app-b/sync'],
        ['DELETE', '/api/v1/bundles/app-b/pin'],
        ['POST', '/api/v1/rollouts/app-b/pause'],
      ]) {
        expect((await t.requestAs(teamA, method, path)).status, `${method} ${path}`).toBe(404);
      }
      expect((await t.requestAs(teamA, 'POST', '/api/v1/bundles/app-b/pin', { commit: await t.repo.head() })).status).toBe(404);
    });

    it('reads history and events through its scope', async () => {
      expect(await t.requestAs(teamA, 'GET', '/api/v1/history')).toEqual({ status: 200, body: { items: [], next: null } });
      const events = await t.requestAs<Page<{ cluster: string | null; bundle: string | null }>>(teamA, 'GET', '/api/v1/events?limit=500');
      expect(events.status).toBe(200);
      expect(events.body.items.filter((e) => e.cluster === 'b1' || e.bundle === 'app-b' || e.cluster === null)).toEqual([]);
    });

    it('lists the pins of the bundles that reach its clusters only', async () => {
      const head = await t.repo.head();
      for (const bundle of ['app-a', 'app-b'])
        expect((await t.request('POST', `/api/v1/bundles/${bundle}/pin`, { commit: head })).status).toBe(200);
      try {
        const pins = await t.requestAs<Page<{ bundle: string }>>(teamA, 'GET', '/api/v1/pins');
        expect(pins.body.items.map((p) => p.bundle)).toEqual(['app-a']);
        expect((await t.get<Page<{ bundle: string }>>('/api/v1/pins')).body.items.map((p) => p.bundle)).toEqual(['app-a', 'app-b']);
      } finally {
        for (const bundle of ['app-a', 'app-b']) await t.request('DELETE', `/api/v1/bundles/${bundle}/pin`);
      }
    });

    it('may steer its own clusters but not a bundle that also reaches other teams (403)', async () => {
      expect((await t.requestAs<{ state: string }>(teamA, 'POST', '/api/v1/clusters/a2/approve')).body).toMatchObject({
        name: 'a2',
        state: 'active',
      });
      const shared = await t.requestAs(teamA, 'POST', '/api/v1/bundles/shared/pin', { commit: await t.repo.head() });
      expect(shared).toEqual({
        status: 403,
        body: { code: 'forbidden', message: expect.stringContaining('bundle "shared" also reaches clusters outside the scope') },
      });
      // Sync is harmless to others: it reaches the team's own clusters only.
      const sync = await t.requestAs(teamA, 'POST', '/api/v1/bundles/shared/sync');
      expect(sync).toEqual({ status: 202, body: { command: expect.any(String), bundle: 'shared', reached: ['a1'], notConnected: ['a2'] } });
    });
  });

  describe('a token scoped to bundles', () => {
    let onlyB: string;
    beforeAll(async () => {
      onlyB = await t.apiToken('app-b-ops', 'operator', { scope: { bundles: ['app-b'] } });
    });

    it('sees only those bundles, on every cluster', async () => {
      const clusters = await t.requestAs<Page<ClusterItem>>(onlyB, 'GET', '/api/v1/clusters');
      expect(clusters.body.items.map((c) => [c.name, c.bundles.map((b) => b.bundle)])).toEqual([
        ['a1', []],
        ['a2', []],
        ['b1', ['app-b']],
      ]);
      expect((await t.requestAs<Page<Named>>(onlyB, 'GET', '/api/v1/bundles')).body.items.map((b) => b.name)).toEqual(['app-b']);
      expect((await t.requestAs(onlyB, 'GET', '/api/v1/bundles/shared')).status).toBe(404);
      expect((await t.requestAs(onlyB, 'GET', '/api/v1/bundles/shared/clusters')).status).toBe(404);
    });

    it('cannot act on whole clusters (403) nor on other bundles (404)', async () => {
      expect((await t.requestAs(onlyB, 'POST', '/api/v1/clusters/b1/sync')).body).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('scoped to bundles'),
      });
      expect((await t.requestAs(onlyB, 'POST', '/api/v1/bundles/shared/sync')).status).toBe(404);
      expect((await t.requestAs(onlyB, 'POST', '/api/v1/bundles/app-b/sync')).body).toMatchObject({ reached: [], notConnected: ['b1'] });
    });
  });

  describe('sync now', () => {
    it('sends a connected agent a Command { syncNow } and says who was not connected', async () => {
      const cluster = await t.request<{ command: string; reached: string[]; notConnected: string[] }>('POST', '/api/v1/clusters/a1/sync');
      expect(cluster).toEqual({
        status: 202,
        body: { command: expect.stringMatching(/^[0-9a-f-]{36}$/), bundle: null, reached: ['a1'], notConnected: [] },
      });
      const received = (await a1Stream.nth('command', 2)) as unknown;
      const first = a1Stream.ofKind('command')[0];
      expect(first.action).toEqual({ $case: 'syncNow', value: { bundle: 'shared' } });
      expect(received).toEqual({ id: cluster.body.command, action: { $case: 'syncNow', value: { bundle: '' } } });

      const bundle = await t.request<{ command: string }>('POST', '/api/v1/bundles/shared/sync');
      expect(bundle.body).toMatchObject({ bundle: 'shared', reached: ['a1'], notConnected: ['a2', 'b1'] });
      expect(await a1Stream.nth('command', 3)).toEqual({
        id: bundle.body.command,
        action: { $case: 'syncNow', value: { bundle: 'shared' } },
      });
      expect((await t.request('POST', '/api/v1/clusters/b1/sync')).body).toMatchObject({ reached: [], notConnected: ['b1'] });
      expect((await t.request('POST', '/api/v1/bundles/nope/sync')).body).toEqual({
        code: 'bundle_not_found',
        message: 'no bundle named "nope"',
      });
    });
  });

  describe('lists', () => {
    it('pages with limit and cursor, the next page starting after the last item', async () => {
      const first = await t.get<Page<Named>>('/api/v1/clusters?limit=2');
      expect(first.body.items.map((c) => c.name)).toEqual(['a1', 'a2']);
      expect(first.body.next).toEqual(expect.any(String));
      const second = await t.get<Page<Named>>(`/api/v1/clusters?limit=2&cursor=${first.body.next}`);
      expect(second.body).toMatchObject({ items: [{ name: 'b1' }], next: null });
      const tokens = await t.get<Page<Named>>('/api/v1/api-tokens?limit=1');
      const rest = await t.get<Page<Named>>(`/api/v1/api-tokens?limit=500&cursor=${tokens.body.next}`);
      expect([...tokens.body.items, ...rest.body.items].map((i) => i.name)).toEqual(['team-a-ops', 'app-b-ops']);
    });

    it.each([
      ['label=team=a', ['a1', 'a2']],
      ['label=team=a&label=env=prod', ['a1']],
      ['selector=env=prod,team!=a', ['b1']],
      ['selector=team in (b, c)', ['b1']],
      ['selector=!team', []],
      ['state=active&connectivity=connected', ['a1']],
      ['connectivity=unreachable', ['a2', 'b1']],
      ['phase=unknown', ['a2', 'b1']],
    ])('filters clusters by %s', async (query, names) => {
      const { status, body } = await t.get<Page<Named>>(`/api/v1/clusters?${query.replace(/ /g, '%20')}`);
      expect(status).toBe(200);
      expect(body.items.map((c) => c.name)).toEqual(names);
    });

    it('filters bundles by name and phase', async () => {
      expect((await t.get<Page<Named>>('/api/v1/bundles?name=app-a')).body.items.map((b) => b.name)).toEqual(['app-a']);
      expect((await t.get<Page<Named>>('/api/v1/bundles?phase=pending')).body.items.map((b) => b.name)).toEqual(['app-a', 'shared']);
    });

    it.each([
      ['/api/v1/clusters?limit=0', 'limit must be an integer from 1 to 500'],
      ['/api/v1/clusters?limit=x', 'limit must be an integer from 1 to 500'],
      ['/api/v1/clusters?cursor=%21%21', 'cursor must be the `next` value of a previous page'],
      ['/api/v1/clusters?state=gone', 'state must be one of pending, active, revoked'],
      ['/api/v1/clusters?drifted=false', 'drifted must be one of true'],
      ['/api/v1/rollouts/app-a?clusters=501', 'clusters must be an integer from 0 to 500'],
      ['/api/v1/clusters?label=team', 'label must be key=value, got "team"'],
      ['/api/v1/clusters?selector=team%20~%20a', 'selector term "team ~ a" is not'],
      ['/api/v1/bundles?phase=green', 'phase must be one of pending, rolling-out'],
      ['/api/v1/bundles/shared/clusters?tone=green', 'tone must be one of ok, busy, waiting, bad, held, unknown'],
      ['/api/v1/rollouts?state=x', 'state must be one of progressing, done, halted, paused'],
      ['/api/v1/history?limit=501', 'limit must be an integer from 1 to 500'],
      ['/api/v1/audit?before=x', 'cursor must be the `next` value of a previous page'],
      ['/api/v1/tokens?limit=-1', 'limit must be an integer from 1 to 500'],
      ['/api/v1/events?limit=501', 'limit must be an integer from 1 to 500'],
      ['/api/v1/events?cursor=abc', 'cursor'],
    ])('answers %s with 400 invalid_argument', async (path, message) => {
      const { status, body } = await t.get(path);
      expect(status).toBe(400);
      expect(body).toEqual({ code: 'invalid_argument', message: expect.stringContaining(message) });
    });
  });

  describe('the REST contract', () => {
    it('describes every answer exactly (no field missing, none extra)', async () => {
      const a1 = await t.get('/api/v1/clusters/a1');
      const answers: [string, z.ZodType, unknown][] = [
        ['clusters', contract.ClusterPage, (await t.get('/api/v1/clusters')).body],
        ['cluster', contract.ClusterDetailView, a1.body],
        ['bundles', contract.BundlePage, (await t.get('/api/v1/bundles')).body],
        ['bundle', contract.BundleView, (await t.get('/api/v1/bundles/shared')).body],
        ['bundle clusters', contract.BundleClusterPage, (await t.get('/api/v1/bundles/shared/clusters')).body],
        ['pins', contract.PinPage, (await t.get('/api/v1/pins')).body],
        ['rollouts', contract.RolloutPage, (await t.get('/api/v1/rollouts')).body],
        ['history', contract.DeploymentPage, (await t.get('/api/v1/history')).body],
        ['events', contract.FleetEventPage, (await t.get('/api/v1/events')).body],
        ['audit', contract.AuditPage, (await t.get('/api/v1/audit')).body],
        ['tokens', contract.BootstrapTokenPage, (await t.get('/api/v1/tokens')).body],
        ['api tokens', contract.ApiTokenPage, (await t.get('/api/v1/api-tokens')).body],
        ['fleet', contract.FleetView, (await t.get('/api/v1/fleet')).body],
        ['error', contract.ApiError, (await t.get('/api/v1/clusters/nobody')).body],
      ];
      expect(a1.status).toBe(200);
      const mismatches = answers.flatMap(([name, schema, body]) => {
        const result = schema.safeParse(body);
        return result.success ? [] : [`${name}: ${JSON.stringify(result.error.issues.slice(0, 3))}`];
      });
      expect(mismatches).toEqual([]);
    });

    it('refuses a bad body naming each field that is wrong', async () => {
      const answer = await t.request('POST', '/api/v1/api-tokens', { name: '-x', role: 'root', ttlSeconds: 0.5 });
      expect(answer).toEqual({
        status: 400,
        body: {
          code: 'invalid_argument',
          message:
            'name must be 1-63 letters, digits or ._@- starting with a letter or digit; role must be one of viewer, operator, admin; ' +
            'ttlSeconds must be an integer from 1 to 157680000',
        },
      });
    });
  });

  describe('the OpenAPI document', () => {
    it('documents every API route the app registers', async () => {
      const express = (t.app as NestExpressApplication).getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      };
      const registered = express.router.stack
        .flatMap((layer) => (layer.route === undefined ? [] : Object.keys(layer.route.methods).map((m) => [m, layer.route!.path] as const)))
        // Everything but the dashboard's static files (/, /dashboard/…), which are not API.
        .filter(([method, path]) => method !== 'head' && (path.startsWith('/api/') || ['/healthz', '/readyz', '/metrics'].includes(path)))
        .map(([method, path]) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
      expect(registered.length).toBeGreaterThan(25);
      const { status, body } = await t.requestAs<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
        null,
        'GET',
        '/api/docs/openapi.json',
      );
      expect(status).toBe(200);
      expect(body.openapi).toBe('3.1.0');
      const documented = new Set(Object.entries(body.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)));
      expect(registered.filter((r) => !documented.has(r))).toEqual([]);
    });

    it('renders a page that loads nothing from elsewhere', async () => {
      const res = await fetch(`${t.hub.httpUrl}/api/docs`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('/api/v1/clusters/{name}/sync');
      expect(html).not.toMatch(/<script|src=|https?:\/\//);
      // The descriptions' Markdown is rendered, not shown as backticks and asterisks.
      expect(html).toContain('Needs a token with at least the <strong>viewer</strong> role.');
      expect(html).toContain('<code>Authorization: Bearer &#60;API token&#62;</code>');
      expect(html.replace(/<code>[^<]*<\/code>/g, '')).not.toMatch(/`|\*\*/);
    });
  });
});
