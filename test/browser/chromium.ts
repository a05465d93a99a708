import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: the browser tests drive it with playwright-core, which never downloads one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go (git-ignored); CI keeps them as artefacts. */
export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', 'test-output', 'screenshots');

/**
 * Playwright waits (a click on a missing button, a read of a missing element) give up well
 * before a test's own timeout, so that a stuck wait fails naming what it waited for.
 */
const WAIT_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 20_000;

export interface Browser {
  context: BrowserContext;
  /** A new tab: its own sessionStorage, so its own API token. */
  page(): Promise<Page>;
  /** The whole page by default; `fullPage: false` takes the viewport only (a long table costs seconds to draw whole). */
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium on a fresh profile, with everything that would reach the network
 * on its own turned off (the tests run without one). Fails — never skips — without Chromium.
 */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need Debian's chromium package (apt-get install chromium), or CHROMIUM_PATH set to a Chromium binary`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'gitfleet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(WAIT_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page: () => context.newPage(),
    async screenshot(page, name, { fullPage = true } = {}) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
