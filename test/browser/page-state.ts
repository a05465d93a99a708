import type { Locator } from 'playwright-core';

/** What the page draws after asking the hub, it draws within this (expect.poll's own default is 1 s). */
export const DRAWN = { timeout: 10_000 };

/**
 * What the page shows now, for expect.poll. Playwright's own reads (innerText, getAttribute)
 * wait for a missing element up to their timeout: inside a poll that wait replaces the poll's
 * own timeout (the poll awaits its callback before looking at the clock), so an element that
 * is never drawn ends the test by its timeout instead of failing the assertion. These answer
 * at once: '' or null while the element is missing.
 */
export async function textNow(locator: Locator): Promise<string> {
  return single(locator, await locator.allInnerTexts()) ?? '';
}

export async function attributeNow(locator: Locator, name: string): Promise<string | null> {
  const values = await locator.evaluateAll((elements, attribute) => elements.map((e) => e.getAttribute(attribute)), name);
  return single(locator, values) ?? null;
}

/** Like Playwright's own reads, refuses a locator that matches more than one element. */
function single<T>(locator: Locator, values: T[]): T | undefined {
  if (values.length > 1) throw new Error(`${locator.toString()} matches ${values.length} elements, not one`);
  return values[0];
}
