import { HealthStatus, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_PHASES,
  type BundleClusterView,
  type BundlePhase,
  type BundleView,
  type ClusterView,
  CommitProgress,
  type FleetSummary,
  type Page,
  RolloutPage,
  RolloutView,
} from '../api-contract';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { TargetSetStore } from '../placement/target-set-store';
import { StatusService } from '../status/status.service';
import { RolloutService } from '../rollout/rollout.service';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';

/** `staged` rolls out to the canary clusters first, then to the rest. */
const STAGED = `${BUNDLE('staged')}  rollout:
    partitions:
      - name: canary
        clusterSelector: { matchLabels: { stage: canary } }
    maxUnavailable: "100%"
    pauseOnFailure: false
`;
const GROUP = `apiVersion: gitfleet.io/v1alpha1
kind: ClusterGroup
metadata:
  name: team-a
spec:
  selector:
    matchLabels: { team: a }
`;

/** 36 clusters whose names sort differently by code point than by a locale collation (which skips '-'). */
const NAMES = Array.from({ length: 36 }, (_, i) => `${['a-', 'a', 'b-'][i % 3]}${(i * 7) % 36}`);
const labelsOf = (i: number) => ({
  team: i % 2 === 0 ? 'a' : 'b',
  ...(i % 4 === 0 ? { tier: 'edge' } : {}),
  stage: i % 6 === 0 ? 'canary' : 'main',
});
const byCodePoint = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('bundles over many clusters: counts and keyset pages of clusters', () => {
  let t: TestHub;
  let agent: TestAgent;
  const streams = new Map<string, TestStream>();
  const ids = new Map<string, string>();
  let teamA: string;

  /** The clusters' own views of every bundle, counted by phase and health as the bundle list should count them. */
  const countsFromClusterViews = async (token: string) => {
    const clusters = await t.requestAs<Page<ClusterView>>(token, 'GET', '/api/v1/clusters?limit=500');
    const counts: Record<string, Record<string, { condition: unknown; clusters: number }>> = {};
    for (const c of clusters.body.items)
      for (const b of c.bundles) {
        const key = `${b.phase}/${b.health}`;
        const bundle = (counts[b.bundle] ??= {});
        bundle[key] = { condition: b.condition, clusters: (bundle[key]?.clusters ?? 0) + 1 };
      }
    return counts;
  };

  /** Every page of a list, following its cursor. */
  const walkPages = async <T>(path: string, token: string): Promise<{ items: T[]; pages: number }> => {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: Page<T> } = await t.requestAs<Page<T>>(
        token,
        'GET',
        `${path}${path.includes('?') ? '&' : '?'}${cursor === null ? '' : `cursor=${cursor}`}`,
      );
      expect(status, JSON.stringify(body)).toBe(200);
      items.push(...body.items);
      cursor = body.next;
      expect(++pages).toBeLessThan(60);
    } while (cursor !== null);
    return { items, pages };
  };
  const walk = (path: string, token = t.adminToken) => walkPages<BundleClusterView>(path, token);

  beforeAll(async () => {
    t = await startTestHub(
      {
        'fleet/groups.yaml': GROUP,
        'fleet/web.yaml': BUNDLE('web'),
        'fleet/edge.yaml': BUNDLE('edge', '{ matchLabels: { tier: edge } }'),
        'fleet/b-only.yaml': BUNDLE('b-only', '{ matchLabels: { team: b } }'),
        'fleet/staged.yaml': STAGED,
        'apps/web/cm.yaml': CONFIGMAP('web'),
        'apps/edge/cm.yaml': CONFIGMAP('edge'),
        'apps/b-only/cm.yaml': CONFIGMAP('b-only'),
        'apps/staged/cm.yaml': CONFIGMAP('staged'),
      },
      { heartbeatIntervalMs: 60_000, rolloutTickIntervalMs: 600_000 },
    );
    agent = new TestAgent(t.hub.grpcAddress);
    for (const [i, name] of NAMES.entries()) {
      const registered = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, labels: labelsOf(i) });
      ids.set(name, registered.clusterId);
      // Two of three connect; the others stay unreachable (unknown).
      if (i % 3 === 2) continue;
      const stream = agent.connect(registered.credential);
      stream.hello(registered.clusterId);
      await stream.nth('targetSet');
      streams.set(name, stream);
    }
    const rollouts = t.app.get(RolloutService);
    const reportAll = async (variety: boolean) => {
      for (const [i, name] of NAMES.entries()) {
        const stream = streams.get(name);
        if (stream === undefined) continue;
        const view = (await t.get<ClusterView>(`/api/v1/clusters/${name}`)).body;
        for (const b of view.bundles) {
          // By cluster: synced and healthy, failed and degraded, rolling out, synced but degraded;
          // and across those, drift on some.
          const fields = !variety
            ? {}
            : {
                ...[
                  {},
                  { phase: SyncPhase.SYNC_PHASE_FAILED, health: HealthStatus.HEALTH_STATUS_DEGRADED },
                  { phase: SyncPhase.SYNC_PHASE_PROGRESSING, health: HealthStatus.HEALTH_STATUS_PROGRESSING },
                  { health: HealthStatus.HEALTH_STATUS_DEGRADED },
                ][i % 4],
                ...(i % 5 === 1 ? { driftCount: 1 + (i % 3) } : {}),
              };
          await stream.acked(stream.report(b.bundle, b.desiredCommit, fields));
        }
      }
      await rollouts.stepNow();
    };
    // The canaries get `staged` first; once synced and healthy everywhere, a second commit
    // starts a new rollout, and the clusters outside the canary partition wait for it.
    await reportAll(false);
    await reportAll(false);
    await t.repo.commit({ 'apps/staged/cm.yaml': CONFIGMAP('staged-2') }, 'staged, second revision');
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    await reportAll(true);
    // One cluster revoked: it holds nothing any more.
    expect((await t.request('POST', `/api/v1/clusters/${NAMES[0]}/revoke`)).status).toBe(200);
    teamA = await t.apiToken('team-a-viewer', 'viewer', { scope: { clusterGroups: ['team-a'] } });
  });

  afterAll(async () => {
    for (const s of streams.values()) s.close();
    agent?.close();
    await t?.stop();
  });

  it('walk every cluster of a bundle once, in code-point order, page after page', async () => {
    const active = NAMES.slice(1);
    const { items, pages } = await walk('/api/v1/bundles/web/clusters?limit=7');
    expect(items.map((c) => c.cluster)).toEqual(byCodePoint(active));
    expect(pages).toBe(Math.ceil(active.length / 7));
    const edge = await walk('/api/v1/bundles/edge/clusters?limit=2');
    expect(edge.items.map((c) => c.cluster)).toEqual(byCodePoint(NAMES.filter((_, i) => i > 0 && i % 4 === 0)));
  });

  it('show each cluster of a bundle as its own view shows the bundle', async () => {
    for (const bundle of ['web', 'staged']) {
      const { items } = await walk(`/api/v1/bundles/${bundle}/clusters?limit=500`);
      const clusters = (await t.get<Page<ClusterView>>('/api/v1/clusters?limit=500')).body.items;
      const fromClusters = clusters.flatMap((c) =>
        c.bundles
          .filter((b) => b.bundle === bundle)
          .map((b) => ({ cluster: c.name, phase: b.phase, health: b.health, condition: b.condition, commit: b.commit })),
      );
      expect(items).toEqual(fromClusters);
    }
    // The rollout holds the clusters outside the canary partition back: pending, for all that report.
    const { items } = await walk('/api/v1/bundles/staged/clusters?limit=500');
    const main = items.filter((c) => NAMES.indexOf(c.cluster) % 6 !== 0 && NAMES.indexOf(c.cluster) % 3 !== 2);
    expect(main.length).toBeGreaterThan(5);
    expect(new Set(main.map((c) => c.phase))).toEqual(new Set(['pending']));
  });

  it.each([
    ['phase=failed'],
    ['phase=unknown'],
    ['phase=synced'],
    ['phase=rolling-out'],
    ['tone=bad'],
    ['tone=ok'],
    ['phase=synced&tone=bad'],
    ['phase=failed&tone=bad'],
  ])('filter the clusters of a bundle by %s through pages, with no gaps', async (filter) => {
    const all = (await walk('/api/v1/bundles/web/clusters?limit=500')).items;
    const [key, value] = filter.split('&').map((f) => f.split('='))[0];
    const second = filter.split('&')[1]?.split('=');
    const want = all.filter(
      (c) => (key === 'phase' ? c.phase === value : c.condition.tone === value) && (second === undefined || c.condition.tone === second[1]),
    );
    expect(want.length).toBeGreaterThan(0);
    const { items, pages } = await walk(`/api/v1/bundles/web/clusters?limit=2&${filter}`);
    expect(items).toEqual(want);
    expect(pages).toBe(Math.ceil(want.length / 2));
  });

  it('read, for a phase filter, only the placements that can be in that phase', async () => {
    const status = t.app.get(StatusService);
    const bundlePlacements = status.bundlePlacements.bind(status);
    let read = 0;
    status.bundlePlacements = async (query) => {
      const rows = await bundlePlacements(query);
      read += rows.length;
      return rows;
    };
    try {
      const total = (await walk('/api/v1/bundles/web/clusters?limit=500')).items.length;
      for (const phase of ['failed', 'unknown', 'rolling-out'] as const) {
        read = 0;
        const { items } = await walk(`/api/v1/bundles/web/clusters?limit=500&phase=${phase}`);
        expect(items.length, phase).toBeGreaterThan(0);
        // Those it keeps, and perhaps a few it cannot tell apart in SQL (a report of an older commit).
        expect(read, phase).toBeGreaterThanOrEqual(items.length);
        expect(read, phase).toBeLessThan(total / 2);
      }
    } finally {
      status.bundlePlacements = bundlePlacements;
    }
  });

  it('count each bundle as the clusters’ own views show it, for the whole fleet and under a scope', async () => {
    for (const token of [t.adminToken, teamA]) {
      const want = await countsFromClusterViews(token);
      const { body } = await t.requestAs<Page<BundleView>>(token, 'GET', '/api/v1/bundles');
      const counted = Object.fromEntries(
        body.items.map((b) => [
          b.name,
          Object.fromEntries(b.placements.map((p) => [`${p.phase}/${p.health}`, { condition: p.condition, clusters: p.clusters }])),
        ]),
      );
      expect(counted).toEqual(want);
      for (const b of body.items) {
        expect(b.summary.total).toBe(b.placements.reduce((n, p) => n + p.clusters, 0));
        expect((await t.requestAs(token, 'GET', `/api/v1/bundles/${b.name}`)).body).toEqual(b);
      }
    }
    // Several phases and healths occur, so the counts say something.
    const web = (await t.get<BundleView>('/api/v1/bundles/web')).body;
    expect(web.placements.length).toBeGreaterThan(3);
    expect(web.summary).toMatchObject({ total: NAMES.length - 1, unknown: NAMES.filter((_, i) => i % 3 === 2).length });
  });

  it('count the fleet in GET /api/v1/summary as the clusters’ own views show it, per label, and under a scope', async () => {
    const fromViews = async (token: string, groupBy: string | undefined) => {
      const clusters = (await t.requestAs<Page<ClusterView>>(token, 'GET', '/api/v1/clusters?limit=500')).body.items;
      const phases = () => Object.fromEntries(BUNDLE_PHASES.map((p) => [p, 0])) as Record<BundlePhase, number>;
      const want = {
        clusters: clusters.length,
        states: { pending: 0, active: 0, revoked: 0 },
        connectivity: { connected: 0, unreachable: 0 },
        unreachableActive: 0,
        phases: phases(),
        drift: { placements: 0, resources: 0 },
        groupBy: groupBy ?? null,
        groups: [] as { value: string | null; clusters: number; unreachable: number; phases: Record<BundlePhase, number> }[],
        groupsTruncated: false,
      };
      for (const c of clusters) {
        want.states[c.state]++;
        want.connectivity[c.connectivity]++;
        if (c.state === 'active' && c.connectivity === 'unreachable') want.unreachableActive++;
        for (const b of c.bundles) {
          want.phases[b.phase]++;
          if (b.driftCount > 0) want.drift.placements++;
          want.drift.resources += b.driftCount;
        }
        if (groupBy === undefined) continue;
        const value = c.labels[groupBy] ?? null;
        let group = want.groups.find((g) => g.value === value);
        if (group === undefined) want.groups.push((group = { value, clusters: 0, unreachable: 0, phases: phases() }));
        group.clusters++;
        if (c.connectivity === 'unreachable') group.unreachable++;
        for (const b of c.bundles) group.phases[b.phase]++;
      }
      want.groups.sort((a, b) => (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1));
      return want;
    };
    for (const token of [t.adminToken, teamA])
      for (const groupBy of [undefined, 'team', 'tier', 'stage']) {
        const { status, body } = await t.requestAs<FleetSummary>(token, 'GET', `/api/v1/summary${groupBy ? `?groupBy=${groupBy}` : ''}`);
        expect(status).toBe(200);
        expect(body).toEqual(await fromViews(token, groupBy));
      }
    // The fleet is mixed enough for the comparison to say something: several phases, a revoked
    // cluster, unreachable ones, a label some clusters lack.
    const all = (await t.get<FleetSummary>('/api/v1/summary?groupBy=tier')).body;
    expect(Object.values(all.phases).filter((n) => n > 0).length).toBeGreaterThan(3);
    expect(all.states.revoked).toBe(1);
    expect(all.unreachableActive).toBeGreaterThan(0);
    expect(all.groups.map((g) => g.value)).toEqual(['edge', null]);
    expect(all.drift.placements).toBeGreaterThan(0);
    expect(all.drift.resources).toBeGreaterThan(all.drift.placements);
  });

  it('filter the cluster list as its views say, page after page, reading only the matching clusters’ TargetSets', async () => {
    const everything = async (token: string) =>
      (await t.requestAs<Page<ClusterView>>(token, 'GET', '/api/v1/clusters?limit=500')).body.items;
    const filters: [string, (c: ClusterView) => boolean][] = [
      ['name=A-', (c) => c.name.includes('a-')],
      ['name=3', (c) => c.name.includes('3')],
      ['state=revoked', (c) => c.state === 'revoked'],
      ['state=active&connectivity=unreachable', (c) => c.state === 'active' && c.connectivity === 'unreachable'],
      ['connectivity=connected', (c) => c.connectivity === 'connected'],
      ['label=team%3Da', (c) => c.labels['team'] === 'a'],
      ['label=team%3Da&label=stage%3Dcanary', (c) => c.labels['team'] === 'a' && c.labels['stage'] === 'canary'],
      ['label=team%3Db&phase=failed', (c) => c.labels['team'] === 'b' && c.bundles.some((b) => b.phase === 'failed')],
      ['phase=unknown', (c) => c.bundles.some((b) => b.phase === 'unknown')],
      ['phase=pending', (c) => c.bundles.some((b) => b.phase === 'pending')],
      ['phase=rolling-out', (c) => c.bundles.some((b) => b.phase === 'rolling-out')],
      ['phase=synced&connectivity=connected', (c) => c.bundles.some((b) => b.phase === 'synced') && c.connectivity === 'connected'],
      ['selector=tier&connectivity=unreachable', (c) => 'tier' in c.labels && c.connectivity === 'unreachable'],
      ['drifted=true', (c) => c.bundles.some((b) => b.driftCount > 0)],
      ['drifted=true&label=team%3Db', (c) => c.bundles.some((b) => b.driftCount > 0) && c.labels['team'] === 'b'],
      [
        'name=1&label=stage%3Dmain&connectivity=connected',
        (c) => c.name.includes('1') && c.labels['stage'] === 'main' && c.connectivity === 'connected',
      ],
    ];
    for (const token of [t.adminToken, teamA]) {
      const all = await everything(token);
      for (const [query, keep] of filters) {
        const want = all.filter(keep);
        const pages = (await walkPages<ClusterView>(`/api/v1/clusters?limit=3&${query}`, token)).items;
        expect(
          pages.map((c) => c.name),
          `${query}`,
        ).toEqual(want.map((c) => c.name));
        // The hub refreshes its connected clusters' last-seen time every few seconds, and this
        // walk takes longer than that on a loaded machine: the rest of each view must match.
        const moving = (c: ClusterView) => ({ ...c, lastSeenAt: null });
        expect(pages.map(moving), query).toEqual(want.map(moving));
      }
    }
    // Each filter above keeps some clusters and leaves out others, so the comparison says something.
    const all = await everything(t.adminToken);
    for (const [query, keep] of filters) expect(all.some(keep) && !all.every(keep), query).toBe(true);

    // A name no cluster has: nothing but the cluster table is read.
    const store = t.app.get(TargetSetStore);
    const viewsOf = store.viewsOf.bind(store);
    const asked: string[] = [];
    store.viewsOf = async (ids) => {
      asked.push(...ids);
      return viewsOf(ids);
    };
    try {
      expect((await t.get<Page<ClusterView>>('/api/v1/clusters?name=nothing-like-it')).body.items).toEqual([]);
      expect((await t.get<Page<ClusterView>>('/api/v1/clusters?name=B-14')).body.items.map((c) => c.name)).toEqual(['b-14']);
    } finally {
      store.viewsOf = viewsOf;
    }
    expect(asked).toEqual([ids.get('b-14')]);
  });

  it('list bundles by phase from their counts', async () => {
    const { body } = await t.get<Page<BundleView>>('/api/v1/bundles?phase=pending');
    expect(body.items.map((b) => b.name)).toEqual(['staged']);
  });

  it('answer a scoped token with its clusters only, and 404 for a bundle none of them holds', async () => {
    const { items } = await walk('/api/v1/bundles/web/clusters?limit=3', teamA);
    expect(items.map((c) => c.cluster)).toEqual(byCodePoint(NAMES.filter((_, i) => i > 0 && i % 2 === 0)));
    const tone = await walk('/api/v1/bundles/web/clusters?limit=3&tone=bad', teamA);
    expect(tone.items.every((c) => NAMES.indexOf(c.cluster) % 2 === 0)).toBe(true);
    for (const path of ['/api/v1/bundles/b-only', '/api/v1/bundles/b-only/clusters', '/api/v1/bundles/nothing/clusters']) {
      expect(await t.requestAs(teamA, 'GET', path)).toEqual({
        status: 404,
        body: { code: 'bundle_not_found', message: `no bundle named "${path.split('/')[4]}"` },
      });
    }
    const onlyEdge = await t.apiToken('edge-viewer', 'viewer', { scope: { bundles: ['edge'] } });
    expect((await t.requestAs(onlyEdge, 'GET', '/api/v1/bundles/web/clusters')).status).toBe(404);
    expect((await walk('/api/v1/bundles/edge/clusters', onlyEdge)).items.length).toBe(8);
  });

  it("count a commit's clusters as their own views show them, listing those not there first, under any scope", async () => {
    const head = await t.repo.head();
    const order = ['failed', 'unreachable', 'waiting', 'reached'];
    const seen = new Set<string>();
    for (const token of [t.adminToken, teamA])
      for (const bundle of ['web', 'staged']) {
        const views = (await t.requestAs<Page<ClusterView>>(token, 'GET', '/api/v1/clusters?limit=500')).body.items.flatMap((c) =>
          c.bundles.filter((b) => b.bundle === bundle).map((b) => ({ cluster: c.name, connectivity: c.connectivity, row: b })),
        );
        const { status, body } = await t.requestAs<CommitProgress>(token, 'GET', `/api/v1/commits/${head}?bundle=${bundle}&limit=500`);
        expect(status).toBe(200);
        const [gate] = CommitProgress.parse(body).bundles;
        expect(gate.counts.clusters, bundle).toBe(views.length);
        expect(gate.unlisted).toBe(0);
        expect(gate.counts.unreachable).toBe(views.filter((v) => v.connectivity !== 'connected').length);
        // The commit the bundle's targets name at the head: an earlier one if the head left it alone.
        const { contentCommit } = (await t.requestAs<{ contentCommit: string }>(token, 'GET', `/api/v1/bundles/${bundle}`)).body;
        expect(gate.counts.reached).toBe(
          views.filter((v) => v.connectivity === 'connected' && v.row.commit === contentCommit && v.row.phase === 'synced').length,
        );
        expect(gate.counts.reached + gate.counts.waiting + gate.counts.failed + gate.counts.unreachable).toBe(views.length);
        for (const c of gate.clusters) seen.add(c.state);
        expect(Object.fromEntries(gate.clusters.map((c) => [c.cluster, { commit: c.commit, condition: c.condition }]))).toEqual(
          Object.fromEntries(views.map((v) => [v.cluster, { commit: v.row.commit, condition: v.row.condition }])),
        );
        const keys = gate.clusters.map((c) => [order.indexOf(c.state), c.cluster] as const);
        expect(keys).toEqual([...keys].sort(([a, x], [b, y]) => a - b || (x < y ? -1 : x > y ? 1 : 0)));
        // A limit keeps the first of that order and counts the rest.
        const two = (await t.requestAs<CommitProgress>(token, 'GET', `/api/v1/commits/${head}?bundle=${bundle}&limit=2`)).body.bundles[0];
        expect(two.clusters.map((c) => c.cluster)).toEqual(gate.clusters.slice(0, 2).map((c) => c.cluster));
        expect({ ...two.counts, unlisted: two.unlisted }).toEqual({ ...gate.counts, unlisted: views.length - 2 });
      }
    // Every state came up, so the order above was tested.
    expect(seen).toEqual(new Set(order));
  });

  it("count a rollout's clusters in full and list those not done first, under any scope", async () => {
    type Planned = { name: string; clusters: { name: string; state: string }[] };
    const [{ partitions: plan }] = await t.query<{ partitions: Planned[] }>(`SELECT partitions FROM rollout WHERE bundle = 'staged'`);
    const order = ['failed', 'updating', 'waiting', 'done'];
    const countsOf = (clusters: { state: string }[]) =>
      Object.fromEntries(['waiting', 'updating', 'done', 'failed'].map((s) => [s, clusters.filter((c) => c.state === s).length]));
    /** Every listed cluster as [state rank, partition, name]: the order the hub lists them in. */
    const keysOf = (view: RolloutView) =>
      view.partitions.flatMap((p, ord) => p.clusters.map((c) => [order.indexOf(c.state), ord, c.name] as const));
    const byRank = (keys: (readonly [number, number, string])[]) =>
      [...keys].sort(([a, p, x], [b, q, y]) => a - b || p - q || (x < y ? -1 : x > y ? 1 : 0));
    const teamANames = new Set(NAMES.filter((_, i) => labelsOf(i).team === 'a'));
    const seen = new Set<string>();
    for (const [token, visible] of [
      [t.adminToken, () => true],
      [teamA, (name: string) => teamANames.has(name)],
    ] as const) {
      const expected = plan.map((p) => ({ name: p.name, clusters: p.clusters.filter((c) => visible(c.name)) }));
      const { status, body } = await t.requestAs<RolloutView>(token, 'GET', '/api/v1/rollouts/staged?clusters=500');
      expect(status).toBe(200);
      const full = RolloutView.parse(body);
      expect(full.partitions.map((p) => [p.name, p.counts, p.unlisted])).toEqual(expected.map((p) => [p.name, countsOf(p.clusters), 0]));
      expect(full.partitions.map((p) => p.clusters)).toEqual(
        expected.map((p) =>
          byRank(p.clusters.map((c) => [order.indexOf(c.state), 0, c.name] as const)).map(([rank, , name]) => ({
            name,
            state: order[rank],
          })),
        ),
      );
      const keys = byRank(keysOf(full));
      for (const c of full.partitions.flatMap((p) => p.clusters)) seen.add(c.state);

      // A limit keeps the first of that order over the whole rollout and counts the rest.
      const three = (await t.requestAs<RolloutView>(token, 'GET', '/api/v1/rollouts/staged?clusters=3')).body;
      expect(byRank(keysOf(three))).toEqual(keys.slice(0, 3));
      expect(three.partitions.map((p) => [p.counts, p.unlisted])).toEqual(
        full.partitions.map((p, i) => [
          p.counts,
          p.counts.waiting + p.counts.updating + p.counts.done + p.counts.failed - three.partitions[i].clusters.length,
        ]),
      );
      // The list with counts only names no cluster.
      const list = RolloutPage.parse((await t.requestAs(token, 'GET', '/api/v1/rollouts?clusters=0')).body);
      const staged = list.items.find((r) => r.bundle === 'staged')!;
      expect(staged.partitions.map((p) => [p.counts, p.clusters, p.unlisted])).toEqual(
        full.partitions.map((p) => [p.counts, [], p.clusters.length]),
      );
    }
    // Updating, waiting and done clusters were all there, so the order above was tested (a failed
    // one first: rollout.spec).
    expect(seen).toEqual(new Set(['updating', 'waiting', 'done']));
    for (const query of ['clusters=501', 'clusters=-1', 'clusters=x']) {
      const { status, body } = await t.get(`/api/v1/rollouts/staged?${query}`);
      expect(status, query).toBe(400);
      expect(body).toEqual({ code: 'invalid_argument', message: expect.stringContaining('clusters must be an integer from 0 to 500') });
    }
  });

  it('refuse bad paging and filters naming the parameter', async () => {
    for (const [query, message] of [
      ['limit=0', 'limit must be an integer from 1 to 500'],
      ['cursor=%21', 'cursor must be the `next` value of a previous page'],
      ['phase=green', 'phase must be one of pending, rolling-out'],
      ['tone=fine', 'tone must be one of ok, busy, waiting, bad, held, unknown'],
    ]) {
      const { status, body } = await t.get(`/api/v1/bundles/web/clusters?${query}`);
      expect(status).toBe(400);
      expect(body).toEqual({ code: 'invalid_argument', message: expect.stringContaining(message) });
    }
  });
});
