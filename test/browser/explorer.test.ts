/**
 * The call-log explorer in real Chromium against the app and the emulator (both on 127.0.0.1:0): the filter form
 * (mouse, keyboard, and without JavaScript), the chart, paging with the filters kept, the CSV export with its
 * progress (checked with axe-core while it runs), Cancel, and the plain download link without JavaScript; a phone
 * layout that does not overflow; no console errors or CSP violations. With RC_SCREENSHOTS=1 it writes the explorer screenshots to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../emulator/index.js';
import type { ExplorerOptions } from '../../src/web/explorer/call-log-explorer.js';
import type { CallLogCopyStore } from '../../src/web/explorer/copy-store.js';
import type { GovernorSleep as Sleep } from '../../src/governor/rate-governor.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { VIEWPORTS, assertAccessible, chromiumOrSkip, sharedChromium, saveScreenshot } from '../helpers/browser.js';
import { parseCsv } from '../helpers/csv.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { chartTotals, logIn, openPage as open, utcDay } from './support.js';

const chromium = chromiumOrSkip();
const ADMIN = DEMO.admin;
const USER1 = DEMO.user('user1@example.com');

interface Stack {
  readonly emulator: TestEmulator;
  readonly app: TestApp;
}

/**
 * A copy store that keeps nothing. The export tests watch an export paced by the rate limit; a range the user's
 * copy of the call log holds would be exported from the copy without any RingCentral call (`call-log-copy.test.ts`).
 */
const KEEPS_NOTHING: CallLogCopyStore = {
  kind: 'memory',
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  drop: () => Promise.resolve(),
};

async function startStack(
  t: TestContext,
  explorer?: ExplorerOptions,
  held?: { sleep: Sleep; now(): number },
): Promise<Stack> {
  const emulator = await startTestEmulator(t);
  for (const group of ['Light', 'Medium', 'Heavy'] as const) {
    await emulator.control.limits({ group, limit: 10_000, windowSeconds: 60 });
  }
  const app = await startTestApp(t, {
    emulator,
    ...(explorer === undefined ? {} : { explorer }),
    ...(held === undefined
      ? {}
      : { governorSleep: held.sleep, now: () => held.now(), callLogCopyStore: KEEPS_NOTHING }),
  });
  return { emulator, app };
}

/**
 * A sleep for the rate-limit governor's waits that holds until the test lets it go (or the client leaves); once let
 * go, each wait moves the app's clock (`now`) instead of sleeping, so the governor sees its window pass.
 */
function heldSleep(): { sleep: Sleep; asleep: Promise<void>; release(): void; now(): number } {
  let markAsleep: () => void = () => undefined;
  const asleep = new Promise<void>((resolve) => (markAsleep = resolve));
  let releaseAll: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (releaseAll = resolve));
  let offsetMs = 0;
  const sleep: Sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      void released.then(() => {
        offsetMs += ms;
        resolve();
      });
      markAsleep();
    });
  return { sleep, asleep, release: () => releaseAll(), now: () => Date.now() + offsetMs };
}

/** Polls (bounded) for something the server does, that the test cannot await directly. */
async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/**
 * Waits until the export's status line matches `text`. A locator, not `page.waitForFunction(string)`: a string
 * predicate that has to poll is evaluated from the page's own timers, where the CSP (`script-src 'self'`, no
 * `unsafe-eval`) refuses it; only its first check runs inside the DevTools call that may evaluate strings.
 */
async function statusSays(page: Page, text: RegExp, timeout?: number): Promise<void> {
  await page
    .locator('#export-status')
    .filter({ hasText: text })
    .waitFor({ state: 'attached', ...(timeout === undefined ? {} : { timeout }) });
}

void describe('browser: call-log explorer', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  void it('filters with the form, shows the chart, and pages with the filters kept', async (t) => {
    const { app } = await startStack(t);
    const { page, watcher } = await open(t, browser());
    await logIn(page, app.url, ADMIN);
    await page.getByRole('link', { name: 'Company call log', exact: true }).click();
    await page.getByTestId('filters').waitFor();
    assert.match(await page.getByTestId('range').innerText(), /the last 24 hours/);

    await page.getByLabel('From', { exact: true }).fill(utcDay(-14));
    await page.getByLabel('To', { exact: true }).fill(utcDay(0));
    await page.getByLabel('Direction').selectOption('Inbound');
    await page.getByLabel('Rows per page').selectOption('25');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/direction=Inbound/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('dateFrom'), utcDay(-14), 'the filters are in the address: shareable');
    assert.equal(url.searchParams.get('tz'), 'UTC');

    const chart = page.getByTestId('call-chart');
    await chart.waitFor();
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 600 && box.height > 100, `the chart is drawn large enough (${JSON.stringify(box)})`);
    const totals = await chartTotals(page);
    assert.equal(totals.length, 15, 'one bar per day of the range');
    const total = Number(
      /of ([\d,]+)/.exec(await page.locator('#results-caption').innerText())?.[1]?.replace(/,/g, ''),
    );
    assert.equal(
      totals.reduce((a, b) => a + b, 0),
      total,
      'the chart counts every call of the filtered range',
    );
    const directions = await page.locator('[data-testid="call-log-table"] tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(directions.length === 25 && directions.every((text) => text.trim() === 'Inbound'));
    await saveScreenshot(page, 'call-log-explorer-desktop');

    await page.locator('nav.paging a[rel="next"]').click();
    await page.waitForURL(/page=2/);
    assert.equal(new URL(page.url()).searchParams.get('direction'), 'Inbound', 'the next page keeps the filters');
    assert.equal(await page.getByLabel('Direction').inputValue(), 'Inbound', 'and the form shows them');
    assert.deepEqual(await chartTotals(page), totals, 'the same chart on every page');
    watcher.assertClean();
  });

  void it('exports CSV with progress and saves the file', async (t) => {
    const held = heldSleep();
    const { app, emulator } = await startStack(t, { exportPageSize: 500 }, held);
    const { page, watcher } = await open(t, browser());
    await logIn(page, app.url, ADMIN);
    await page.goto(
      `${app.url}/test?api=account-call-log&dateFrom=${utcDay(-30)}&dateTo=${utcDay(0)}&tz=UTC&perPage=10`,
    );
    const link = page.getByRole('link', { name: 'Download CSV' });
    const total = Number(await link.getAttribute('data-total'));
    assert.ok(total > 2000, `a big export (${total})`);

    // Two pages (a new limit starts a new window at RingCentral), then the export waits for the rate-limit window:
    // the page shows how far it got.
    await emulator.control.limits({ group: 'Heavy', limit: 2, windowSeconds: 60 });
    const download = page.waitForEvent('download');
    await link.click();
    await held.asleep;
    const status = page.locator('#export-status');
    await statusSays(page, /Exporting: 1,000 of/, 10_000);
    assert.match(await status.innerText(), new RegExp(`Exporting: 1,000 of ${total.toLocaleString('en-US')} calls`));
    assert.equal(await page.locator('#export-bar').getAttribute('max'), String(total));
    assert.ok(await page.getByRole('button', { name: 'Cancel export' }).isVisible());
    await saveScreenshot(page, 'export-progress-desktop');
    // The progress bar, its status line and the Cancel button only exist in this state: axe checks them here.
    await assertAccessible(page, 'call log during a CSV export');

    await emulator.control.limits({ group: 'Heavy', limit: 10_000, windowSeconds: 60 });
    held.release();
    const file = await download;
    assert.match(file.suggestedFilename(), /^call-log-account-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parseCsv(readFileSync(await file.path(), 'utf8'));
    assert.equal(rows.length - 1, total, 'every call saved');
    await statusSays(page, /Export complete/);
    assert.match(
      await status.innerText(),
      new RegExp(`Export complete: ${total.toLocaleString('en-US')} calls saved\\.`),
    );
    assert.equal(await page.getByRole('button', { name: 'Cancel export' }).isVisible(), false);
    watcher.assertClean();
  });

  void it('Cancel stops the export at RingCentral too', async (t) => {
    const held = heldSleep();
    const { app, emulator } = await startStack(t, { exportPageSize: 100 }, held);
    const { page, watcher } = await open(t, browser());
    await logIn(page, app.url, ADMIN);
    await page.goto(`${app.url}/test?api=account-call-log&dateFrom=${utcDay(-30)}&dateTo=${utcDay(0)}&tz=UTC`);
    await emulator.control.limits({ group: 'Heavy', limit: 3, windowSeconds: 60 });
    await page.getByRole('link', { name: 'Download CSV' }).click();
    await held.asleep;
    const calls = (await emulator.control.stats())['rest.readCompanyCallLog'];
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await statusSays(page, /Export cancelled/);
    await waitUntil(
      () => app.logLines.some((line) => line.includes('call-log export stopped: the client left')),
      'the server to stop the export',
    );
    assert.equal(
      (await emulator.control.stats())['rest.readCompanyCallLog'],
      calls,
      'no RingCentral call after Cancel',
    );
    watcher.assertClean();
  });

  void it('works from the keyboard: presets, form controls and Apply', async (t) => {
    const { app } = await startStack(t);
    const { page, watcher } = await open(t, browser());
    await logIn(page, app.url, USER1);
    await page.goto(`${app.url}/test?api=extension-call-log`);
    const focusedText = async (): Promise<string> =>
      String(await page.evaluate('document.activeElement && (document.activeElement.textContent || "").trim()'));
    for (let i = 0; i < 30 && (await focusedText()) !== 'Last 7 days'; i += 1) await page.keyboard.press('Tab');
    assert.equal(await focusedText(), 'Last 7 days', 'the quick ranges are reachable with Tab');
    const outline = String(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'));
    assert.notEqual(outline, 'none', 'with a visible focus ring');
    await page.keyboard.press('Enter');
    await page.waitForURL(/dateFrom=/);
    assert.ok(await page.locator('a.preset[aria-current="true"]', { hasText: 'Last 7 days' }).isVisible());

    await page.getByLabel('Direction').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('Direction').inputValue(), 'Outbound');
    for (let i = 0; i < 10 && (await focusedText()) !== 'Apply filters'; i += 1) await page.keyboard.press('Tab');
    assert.equal(await focusedText(), 'Apply filters');
    await page.keyboard.press('Enter');
    await page.waitForURL(/direction=Outbound/);
    await page.getByTestId('call-chart').waitFor();
    watcher.assertClean();
  });

  void it('works without JavaScript: the form filters and the link downloads the CSV', async (t) => {
    const { app } = await startStack(t);
    const { page, watcher } = await open(t, browser(), { ...VIEWPORTS.desktop, javaScriptEnabled: false });
    await logIn(page, app.url, USER1);
    await page.goto(`${app.url}/test?api=extension-call-log`);
    await page.getByLabel('From', { exact: true }).fill(utcDay(-30));
    await page.getByLabel('Type').selectOption('Fax');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/type=Fax/);
    const types = await page.locator('[data-testid="call-log-table"] tbody tr td:nth-child(3)').allInnerTexts();
    assert.ok(types.length > 0 && types.every((text) => text.trim() === 'Fax'));
    await page.getByTestId('call-chart').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const rows = parseCsv(readFileSync(await (await download).path(), 'utf8'));
    const total = Number(
      /of ([\d,]+)/.exec(await page.locator('#results-caption').innerText())?.[1]?.replace(/,/g, ''),
    );
    assert.equal(rows.length - 1, total, 'every call of the range, not just the page');
    assert.ok(
      rows.slice(1).every((row) => row[4] === 'Fax'),
      'the CSV has the filtered calls',
    );
    watcher.assertClean();
  });

  void it('fits a phone: the chart scrolls inside its own box', async (t) => {
    const { app } = await startStack(t);
    const { page, watcher } = await open(t, browser(), VIEWPORTS.mobile);
    await logIn(page, app.url, ADMIN);
    await page.goto(
      `${app.url}/test?api=account-call-log&dateFrom=${utcDay(-14)}&dateTo=${utcDay(0)}&tz=UTC&perPage=8`,
    );
    await page.getByTestId('call-chart').waitFor();
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390, `the page fits the phone (${width}px)`);
    await saveScreenshot(page, 'call-log-explorer-mobile');
    watcher.assertClean();
  });
});
