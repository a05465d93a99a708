/**
 * The dashboard in a real headless Chromium against a running hub with three simulated
 * clusters and real agents: what an operator on call sees — every cluster synced at the head
 * commit; a banner while the newest fleet commit is rejected or the repository cannot be
 * fetched; a bad image turning one cell red while the page stays open; the halted rollout
 * naming the cluster and the resource; drift with its diff after an out-of-band edit; a
 * stopped agent's cluster shown unreachable (never green); a viewer refused a pause; a failed
 * sync showing what the cluster still runs.
 */
import { rename } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webBundle } from '../support/bundles';
import { eventually } from '../support/eventually';
import { startFleet, type ClusterView, type Fleet } from '../support/fleet';
import { launchChromium, type Browser } from './chromium';
import { DRAWN, attributeNow, textNow } from './page-state';

const CLUSTERS = [
  { name: 'eu-prod', labels: { env: 'prod', region: 'eu', ring: 'canary' } },
  { name: 'us-prod', labels: { env: 'prod', region: 'us', ring: 'main' } },
  { name: 'dev', labels: { env: 'dev', region: 'eu', ring: 'main' } },
];

const WEB_BUNDLE = webBundle(`  rollout:
    partitions:
      - name: canary
        clusterSelector:
          matchLabels: { ring: canary }
      - name: main
        clusterSelector:
          matchLabels: { ring: main }
    maxUnavailable: 1
    pauseOnFailure: true
`);

const SETTINGS_BUNDLE = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: settings
spec:
  source:
    path: apps/settings
  namespace: default
  targets:
    - clusterSelector: {}
`;

const web = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  progressDeadlineSeconds: 60
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: "${image}"
`;

const SETTINGS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: hello
  mode: calm
`;

/** The matrix cell of a bundle on a cluster. */
const cell = (page: Page, cluster: string, bundle: string) => page.locator(`tr[data-cluster="${cluster}"] td[data-bundle="${bundle}"]`);

describe('dashboard in Chromium', () => {
  let fleet: Fleet;
  let browser: Browser;
  let page: Page;
  let viewerToken: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    fleet = await startFleet({
      files: {
        'fleet/web.yaml': WEB_BUNDLE,
        'fleet/settings.yaml': SETTINGS_BUNDLE,
        'apps/web/deployment.yaml': web('example.test/web:v1'),
        'apps/settings/settings.yaml': SETTINGS,
      },
      clusters: CLUSTERS,
      hub: { rolloutTickIntervalMs: 500 },
    });
    const created = await fleet.api.post<{ token: string }>('/api/v1/api-tokens', { name: 'night-viewer', role: 'viewer' });
    expect(created.status).toBe(201);
    viewerToken = created.body.token;
    page = await browser.page();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  it('serves the page to anyone, and the live stream only with a token', async () => {
    const root = await fetch(`${fleet.hub.httpUrl}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toContain('text/html');
    expect(root.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await root.text()).toContain('/dashboard/js/main.js');
    expect((await fetch(`${fleet.hub.httpUrl}/dashboard/js/matrix.js`)).status).toBe(200);
    expect((await fetch(`${fleet.hub.httpUrl}/dashboard/js/nothing.js`)).status).toBe(404);
    expect((await fetch(`${fleet.hub.httpUrl}/api/v1/stream`)).status).toBe(401);
  });

  it('shows every cluster synced and healthy at the head commit, and takes the token out of the address bar', async () => {
    await page.goto(`${fleet.hub.httpUrl}/#token=${encodeURIComponent(fleet.adminToken)}`);
    expect(new URL(page.url()).hash).toBe('#/');
    const head = fleet.firstCommit.slice(0, 7);
    await eventually(
      async () => {
        for (const { name } of CLUSTERS) {
          for (const bundle of ['web', 'settings']) {
            const c = cell(page, name, bundle);
            expect({ name, bundle, tone: await attributeNow(c, 'data-tone') }).toEqual({ name, bundle, tone: 'ok' });
            expect(await textNow(c)).toContain(head);
          }
        }
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await expect.poll(() => page.locator('body').getAttribute('data-live')).toBe('live');
    expect(await page.locator('.unreachable').innerText()).toContain('All 3 active clusters connected');
    await browser.screenshot(page, 'matrix-synced');
  }, 90_000);

  it('filters by label chip and text', async () => {
    await page.locator('tr[data-cluster="dev"] button.chip', { hasText: 'env=dev' }).click();
    await expect.poll(() => page.locator('tbody tr').count(), DRAWN).toBe(1);
    expect(await page.locator('#filter-labels').inputValue()).toBe('env=dev');
    await page.fill('#filter-labels', 'env=prod, region!=us');
    await expect
      .poll(() => page.locator('tbody tr[data-cluster]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster'))), DRAWN)
      .toEqual(['eu-prod']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count(), DRAWN).toBe(3);
  });

  it('shows a banner while the newest fleet commit is rejected or the repository cannot be fetched; the matrix keeps the last good commit', async () => {
    const banner = page.locator('#fleet-health');
    expect(await banner.isHidden()).toBe(true);
    const good = await fleet.repo.head();
    const bad = await fleet.repo.commit(
      { 'fleet/settings.yaml': 'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata: [\n' },
      'broken',
    );
    const repo = banner.locator('[data-repo="default"]');
    await expect.poll(() => attributeNow(repo, 'data-state'), { timeout: 15_000 }).toBe('rejected');
    const text = await banner.innerText();
    expect(text).toContain(`Fleet repository default: commit ${bad.slice(0, 7)} was rejected.`);
    expect(text).toContain(`The clusters keep ${good.slice(0, 7)}.`);
    expect(text).toMatch(/fleet\/settings\.yaml:\d+: /);
    for (const { name } of CLUSTERS) expect(await cell(page, name, 'settings').getAttribute('data-tone')).toBe('ok');
    await browser.screenshot(page, 'fleet-rejected');

    const away = `${fleet.repo.barePath}.away`;
    await rename(fleet.repo.barePath, away);
    try {
      await expect.poll(() => attributeNow(repo, 'data-state'), { timeout: 15_000 }).toBe('unreachable');
      expect(await banner.innerText()).toMatch(/Fleet repository default cannot be fetched since \d+ s ago/);
    } finally {
      await rename(away, fleet.repo.barePath);
    }
    await expect.poll(() => attributeNow(repo, 'data-state'), { timeout: 15_000 }).toBe('rejected');

    // Back to the good commit: nothing left to say.
    await fleet.repo.git('reset', '--hard', good);
    await fleet.repo.git('push', '--force', 'origin', 'HEAD:main');
    await expect.poll(() => banner.isHidden(), { timeout: 15_000 }).toBe(true);
  }, 60_000);

  it('turns the canary cell red, live, when a commit brings an image that cannot be pulled; the rollout halts with its cause', async () => {
    await page.evaluate('window.sameDocument = true');
    const bad = await fleet.repo.commit(
      { 'apps/web/deployment.yaml': web('example.test/web:v2-fail-pull') },
      'web v2 (image cannot be pulled)',
    );
    const c = cell(page, 'eu-prod', 'web');
    await expect.poll(() => attributeNow(c, 'data-tone'), { timeout: 45_000, interval: 250 }).toBe('bad');
    expect(await c.innerText()).toContain(bad.slice(0, 7));
    expect(await c.getAttribute('data-health')).toBe('degraded');
    // Phase and health together: applied is not the same as working.
    expect(await c.locator('.words').innerText()).toMatch(/^(synced|failed) · degraded$/);
    // The same document all along: the change came over the live stream, not a reload.
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    await browser.screenshot(page, 'matrix-degraded');

    await page.goto(`${fleet.hub.httpUrl}/#/rollouts/web`);
    const halt = page.locator('.halt');
    await expect.poll(() => halt.count(), { timeout: 30_000 }).toBe(1);
    const text = await halt.innerText();
    expect(text).toContain('eu-prod');
    expect(text).toContain('Deployment/default/web');
    expect(await page.locator('[data-partition="canary"]').innerText()).toContain('eu-prod');
    await browser.screenshot(page, 'rollout-halted');

    // The list counts every cluster without naming one.
    await page.goto(`${fleet.hub.httpUrl}/#/rollouts`);
    const row = page.locator('tr[data-bundle="web"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('.progress-text').innerText()).toMatch(/^\d of 3 done, \d updating, \d pending, 1 failed$/);
  }, 90_000);

  it('shows resources with their health and the drift diff of an object edited out of band', async () => {
    const dev = fleet.cluster('dev');
    const live = await dev.core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    live.data = { ...live.data, mode: 'panic' };
    await dev.core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: live });

    await page.goto(`${fleet.hub.httpUrl}/#/clusters/dev`);
    const row = page.locator('tr[data-resource="Deployment/default/web"]');
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.innerText()).toMatch(/healthy/);
    const drift = page.locator('[data-drift="ConfigMap/default/settings"]');
    await expect.poll(() => drift.count(), { timeout: 30_000, interval: 250 }).toBe(1);
    // From live (-) to desired (+), as the agent reports it.
    expect(await drift.locator('.diff-del').allInnerTexts()).toContainEqual(expect.stringContaining('mode: panic'));
    expect(await drift.locator('.diff-add').allInnerTexts()).toContainEqual(expect.stringContaining('mode: calm'));
    expect(await drift.innerText()).toContain('− live in the cluster');
    expect(await page.locator('table.history tbody tr').count()).toBeGreaterThan(0);
    // A full-page screenshot needs no scrolling; scrolling to the drift raced with the page's
    // redraws (an element replaced by a refresh cannot be scrolled to).
    await browser.screenshot(page, 'cluster-drift');

    // The fleet at a glance counts it, from the hub's summary.
    await page.goto(`${fleet.hub.httpUrl}/#/`);
    await expect
      .poll(() => textNow(page.locator('.summary-line .drift-note')), { timeout: 10_000 })
      .toBe(' · 1 drifted resource in 1 bundle');
  }, 60_000);

  it('shows a cluster whose agent stopped as unreachable within the heartbeat window, never green', async () => {
    await page.goto(`${fleet.hub.httpUrl}/#/`);
    await expect.poll(() => attributeNow(cell(page, 'us-prod', 'settings'), 'data-tone'), { timeout: 10_000 }).toBe('ok');
    const stoppedAt = Date.now();
    await fleet.stopAgent('us-prod');
    // Heartbeat 1 s: unreachable after 3 silent intervals plus one last-seen flush, then one hint.
    await expect.poll(() => textNow(page.locator('.unreachable.alert')), { timeout: 15_000, interval: 250 }).toContain('us-prod');
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
    for (const bundle of ['web', 'settings']) expect(await cell(page, 'us-prod', bundle).getAttribute('data-tone')).toBe('unknown');
    expect(await page.locator('tr[data-cluster="us-prod"] td[data-tone="ok"]').count()).toBe(0);
    expect(await page.locator('tr[data-cluster="us-prod"] th').innerText()).toContain('unreachable');
    await browser.screenshot(page, 'matrix-unreachable');
  }, 30_000);

  it("lets a viewer see the rollout but not pause it, showing the hub's refusal", async () => {
    const viewer = await browser.page();
    try {
      await viewer.goto(`${fleet.hub.httpUrl}/#token=${encodeURIComponent(viewerToken)}`);
      await viewer.goto(`${fleet.hub.httpUrl}/#/rollouts/web`);
      await viewer.getByRole('button', { name: /Pause rollout/ }).click();
      const refusal = viewer.locator('.notice .error-text');
      await expect.poll(() => textNow(refusal), { timeout: 10_000 }).toMatch(/Not allowed: .*role/);
      expect(await viewer.locator('#who').innerText()).toContain('viewer');
      await browser.screenshot(viewer, 'viewer-pause-refused');
      const { body } = await fleet.api.get<{ paused: boolean }>('/api/v1/rollouts/web');
      expect(body.paused).toBe(false);
    } finally {
      await viewer.close();
    }
  }, 30_000);

  it('tells the desired, applied and attempted commits apart after a sync that failed, and what the cluster still runs', async () => {
    const before = (await fleet.api.get<ClusterView>('/api/v1/clusters/eu-prod')).body.bundles.find((b) => b.bundle === 'settings')!;
    expect(before.phase).toBe('synced');
    const failing = await fleet.repo.commit(
      { 'apps/settings/unknown.yaml': 'apiVersion: example.test/v1\nkind: NoSuchKind\nmetadata:\n  name: nothing\n' },
      'settings: a kind the cluster does not serve',
    );
    await page.goto(`${fleet.hub.httpUrl}/#/clusters/eu-prod`);
    const row = page.locator('table.targets tr[data-bundle="settings"]');
    await expect.poll(() => textNow(row.locator('[data-col="attempted"]')), { timeout: 30_000 }).toContain('(failed)');
    expect(await row.locator('[data-col="state"]').innerText()).toContain('failed');
    expect(await row.locator('[data-col="desired"]').innerText()).toBe(failing.slice(0, 7));
    expect(await row.locator('[data-col="applied"]').innerText()).toBe(before.commit!.slice(0, 7));
    expect(await row.locator('[data-col="attempted"]').innerText()).toBe(`${failing.slice(0, 7)} (failed)`);
    const live = page.locator('#bundle-settings .still-live');
    expect(await live.innerText()).toContain(`the cluster still runs what ${before.commit!.slice(0, 7)} applied — 1 object`);
    expect(await live.locator('.still-live-resources li').allInnerTexts()).toEqual([
      'ConfigMap/default/settings — healthy when it was applied',
    ]);
    expect(await page.locator('#bundle-settings').innerText()).not.toContain('nothing to do');
    await browser.screenshot(page, 'cluster-failed-still-live');
  }, 60_000);

  it('ran without script errors or blocked content', () => {
    expect(pageErrors).toEqual([]);
  });
});
