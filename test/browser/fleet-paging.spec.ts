/**
 * The fleet view in Chromium over a fleet larger than one page of rows: the hub filters and
 * pages, the page asks for the next page by cursor, groups come from the summary, and the
 * unreachable banner names the first few with the fleet's total. The clusters are registered
 * without agents, so every one of them is unreachable.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../../hub/src/fleet-repo/fleet-repo.service';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../../hub/src/testing/hub-fixture';
import { launchChromium, type Browser } from './chromium';
import { DRAWN, textNow } from './page-state';

/** More than one page of rows (200) and of banner names (20). */
const COUNT = 230;
const name = (i: number) => `edge-${String(i).padStart(4, '0')}`;
const regionOf = (i: number) => (i % 5 === 0 ? 'us' : 'eu');
const US = Array.from({ length: COUNT }, (_, i) => i).filter((i) => regionOf(i) === 'us').length;

describe('dashboard fleet view, paged by the hub', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const clusterRequests: string[] = [];

  const rowNames = () => page.locator('tbody tr[data-cluster]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster')));

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    const agent = new TestAgent(t.hub.grpcAddress);
    try {
      // Registered out of order: the rows must still come in name order.
      for (let i = COUNT - 1; i >= 0; i--)
        await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${i}`, name: name(i), labels: { region: regionOf(i) } });
    } finally {
      agent.close();
    }
    browser = await launchChromium();
    page = await browser.page();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/v1/clusters') || url.pathname.startsWith('/api/v1/bundles'))
        clusterRequests.push(url.pathname + url.search);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the first page of rows, the totals, and the next page on "show more"', async () => {
    await page.goto(`${t.hub.httpUrl}/#token=${encodeURIComponent(t.adminToken)}`);
    await expect.poll(rowNames, { timeout: 30_000 }).toHaveLength(200);
    expect((await rowNames()).slice(0, 2)).toEqual([name(0), name(1)]);
    expect(await page.locator('.summary-line').innerText()).toContain(`${COUNT} clusters in the fleet`);
    expect(await page.locator('.filter-note').innerText()).toContain('more match');
    // The whole fleet is never listed: no page beyond the first, and no bundle list.
    expect(clusterRequests.filter((r) => r.startsWith('/api/v1/bundles'))).toEqual([]);
    expect(clusterRequests.some((r) => r.includes('cursor='))).toBe(false);
    await page.getByRole('button', { name: /Show 200 more/ }).click();
    await expect.poll(rowNames, DRAWN).toHaveLength(COUNT);
    expect(new Set(await rowNames()).size).toBe(COUNT);
    expect((await rowNames()).at(-1)).toBe(name(COUNT - 1));
    expect(clusterRequests.some((r) => r.includes('cursor='))).toBe(true);
    expect(await page.getByRole('button', { name: /Show 200 more/ }).count()).toBe(0);
  }, 60_000);

  it('names the first unreachable clusters in the banner with the total from the summary', async () => {
    const banner = page.locator('.unreachable.alert');
    expect(await banner.locator('h2').innerText()).toContain(`${COUNT} clusters unreachable`);
    expect(await banner.locator('.down-list a').count()).toBe(20);
    expect(await banner.innerText()).toContain(`and ${COUNT - 20} more`);
  });

  it('groups by a label from the summary, and filters by a group when it is clicked', async () => {
    await page.fill('#group-by', 'region');
    await page.press('#group-by', 'Enter');
    const us = page.locator('button.group[data-group="us"]');
    // Read without waiting: Playwright's own wait for a missing element would replace the poll's timeout.
    await expect.poll(() => textNow(us), DRAWN).toContain(`${US} clusters`);
    expect(await textNow(page.locator('button.group[data-group="eu"]'))).toContain(`${COUNT - US} clusters`);
    await browser.screenshot(page, 'matrix-grouped');
    await us.click();
    expect(await page.locator('#filter-labels').inputValue()).toBe('region=us');
    await expect.poll(rowNames, DRAWN).toHaveLength(US);
    expect((await rowNames()).every((n) => Number(n!.slice(5)) % 5 === 0)).toBe(true);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(rowNames, DRAWN).toHaveLength(200);
  });

  /**
   * A regroup while the refresh a fleet commit started is held at one of its requests (`held`,
   * under `route`, answered 2 s late): once the held request answers and the refresh finishes,
   * the groups asked for are still drawn.
   */
  async function regroupWhileRefreshHeld(route: string, held: (url: string) => boolean, file: string): Promise<void> {
    let asked = 0;
    let answeredAt = 0;
    await page.route(route, async (request) => {
      if (held(request.request().url())) {
        asked++;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      await request.continue();
    });
    const onResponse = (response: { url(): string }) => {
      if (held(response.url())) answeredAt = Date.now();
    };
    page.on('response', onResponse);
    try {
      await page.fill('#group-by', '');
      await page.press('#group-by', 'Enter');
      await expect.poll(() => page.locator('button.group').count(), DRAWN).toBe(0);
      // A fleet commit makes the page refresh, and the refresh's request is held.
      const before = asked;
      await t.repo.commit({ [`apps/web/${file}.yaml`]: CONFIGMAP(file) }, `a change the page refreshes for (${file})`);
      await t.app.get(FleetRepoService).syncNow();
      await expect.poll(() => asked, DRAWN).toBeGreaterThan(before);
      const askedAt = Date.now();
      // Grouping is asked for meanwhile, and answered first.
      await page.fill('#group-by', 'region');
      await page.press('#group-by', 'Enter');
      const us = page.locator('button.group[data-group="us"]');
      await expect.poll(() => us.count(), DRAWN).toBe(1);
      // Then the held request answers and its refresh finishes (one refresh runs at a time).
      await expect.poll(() => answeredAt, DRAWN).toBeGreaterThan(askedAt);
      await expect
        .poll(async () => Number(await page.locator('body').getAttribute('data-refreshed-at')), DRAWN)
        .toBeGreaterThanOrEqual(answeredAt);
      expect(await us.count()).toBe(1);
      expect(await textNow(page.locator('button.group[data-group="eu"]'))).toContain(`${COUNT - US} clusters`);
    } finally {
      page.off('response', onResponse);
      // Waits for a later refresh's request still held (removed under it, its answer fails).
      await page.unrouteAll({ behavior: 'wait' });
    }
  }

  it('keeps the groups asked for when a refresh that asked for its summary before them answers last', async () => {
    // Summaries asked for without groupBy answer late.
    await regroupWhileRefreshHeld(
      '**/api/v1/summary*',
      (url) => url.includes('/api/v1/summary') && !new URL(url).searchParams.has('groupBy'),
      'extra',
    );
  });

  it('keeps the groups asked for while a refresh is still reading the unreachable clusters', async () => {
    // The refresh's read of the unreachable clusters (after its summary) answers late.
    await regroupWhileRefreshHeld(
      '**/api/v1/clusters*',
      (url) => url.includes('/api/v1/clusters') && new URL(url).searchParams.get('connectivity') === 'unreachable',
      'late',
    );
  });

  it('searches names on the hub, in any case', async () => {
    await page.fill('#filter-name', 'EDGE-012');
    await expect.poll(rowNames, DRAWN).toEqual(Array.from({ length: 10 }, (_, i) => name(120 + i)));
    expect(clusterRequests.some((r) => r.includes('name=EDGE-012'))).toBe(true);
    await page.fill('#filter-name', 'no-such-cluster');
    await expect.poll(() => textNow(page.locator('.matrix-wrap')), DRAWN).toContain('No cluster matches these filters.');
    await page.fill('#filter-name', '');
    await page.fill('#filter-labels', 'region in (');
    await expect.poll(() => textNow(page.locator('.filter-note')), DRAWN).toContain('Not understood');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(rowNames, DRAWN).toHaveLength(200);
    await browser.screenshot(page, 'matrix-paged');
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
