/**
 * What the browser tests of the pages share: a desktop or phone page closed with the test, the login through the
 * emulator's sign-in page, the chart's bars, and dates.
 */
import type { TestContext } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import {
  VIEWPORTS,
  attributeValues,
  openContext,
  submitRingCentralLogin,
  type PageProblems,
} from '../helpers/browser.js';

/** `YYYY-MM-DD` of today in UTC, shifted by `days`. */
export const utcDay = (days = 0): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A page in a new browser context, closed when the test ends. */
export async function openPage(
  t: TestContext,
  browser: Browser,
  options: BrowserContextOptions = VIEWPORTS.desktop,
): Promise<{ context: BrowserContext; page: Page; watcher: PageProblems }> {
  const opened = await openContext(browser, options);
  t.after(() => opened.context.close());
  return opened;
}

/** Logs `user` in from the home page's login link (the full-page flow), back on the app when it resolves. */
export async function logIn(page: Page, appUrl: string, user: { username: string; password: string }): Promise<void> {
  await page.goto(appUrl);
  await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).click();
  await page.waitForSelector('input[name="password"]');
  await submitRingCentralLogin(page, user);
  await page.waitForURL((url) => url.origin === new URL(appUrl).origin, { waitUntil: 'load' });
}

/** The calls per day the chart draws (its day groups' `data-total`). */
export async function chartTotals(page: Page): Promise<number[]> {
  const totals = await attributeValues(page.locator('[data-testid="call-chart"] g.chart-day'), 'data-total');
  return totals.map(Number);
}
