/**
 * The user's copy of the call log in real Chromium (app and emulator on 127.0.0.1:0, RingCentral's default limits):
 * a minute of browsing the company log (pages 1–5 of 30 days, two filters, the detailed view, pages revisited with
 * Back: 12 views) never meets a 429 and costs RingCentral at most 6 Heavy calls; the chart and the table count the
 * same calls; the page says how fresh it is, and Refresh brings in a call added at RingCentral meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO } from '../../emulator/index.js';
import { startTestApp } from '../helpers/app.js';
import { assertAccessible, chromiumOrSkip, sharedChromium } from '../helpers/browser.js';
import { startTestEmulator } from '../helpers/emulator.js';
import { chartTotals, logIn, openPage as open, utcDay } from './support.js';

const chromium = chromiumOrSkip();
const ADMIN = DEMO.admin;

void describe('browser: the call log from the user’s copy', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  void it('browses a minute under RingCentral’s default limits from the user’s copy, and Refresh brings in a new call', async (t) => {
    // RingCentral's default limits (Heavy: 10 per 60 s): no generous limits here.
    const emulator = await startTestEmulator(t);
    const app = await startTestApp(t, { emulator });
    const { page, watcher } = await open(t, browser());
    await logIn(page, app.url, ADMIN);
    const before = await emulator.control.stats();
    const seen: string[] = [];
    const caption = async (): Promise<number> => {
      const text = await page.locator('#results-caption').innerText();
      seen.push(page.url());
      assert.doesNotMatch(await page.locator('main').innerText(), /try again in|429/i, `${page.url()}: no 429`);
      return Number(/of ([\d,]+)/.exec(text)?.[1]?.replace(/,/g, ''));
    };

    await page.getByRole('link', { name: 'Company call log', exact: true }).click();
    await page.getByTestId('filters').waitFor();
    await page.getByLabel('From', { exact: true }).fill(utcDay(-29));
    await page.getByLabel('To', { exact: true }).fill(utcDay(0));
    await page.getByLabel('Rows per page').selectOption('100');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/perPage=100/);
    const total = await caption();
    assert.ok(total > 400, `a 30-day company log of ${total} calls has five pages`);
    for (let n = 2; n <= 5; n++) {
      await page.locator('nav.paging a[rel="next"]').click();
      await page.waitForURL(new RegExp(`page=${n}`));
      assert.equal(await caption(), total);
    }
    await page.getByLabel('Direction').selectOption('Inbound');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/direction=Inbound/);
    const inbound = await caption();
    await page.getByLabel('Type').selectOption('Voice');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/type=Voice/);
    const voice = await caption();
    assert.ok(voice <= inbound && inbound < total, `filters narrow: ${total} → ${inbound} → ${voice}`);
    const chart = (await chartTotals(page)).reduce((a, b) => a + b, 0);
    assert.equal(chart, voice, 'the chart and the table count the same calls');
    await page.getByLabel('View').selectOption('Detailed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/view=Detailed/);
    assert.equal(await caption(), voice);
    for (let back = 0; back < 4; back++) {
      await page.goBack({ waitUntil: 'load' });
      await caption();
    }
    assert.equal(seen.length, 12, `12 views: ${seen.join(' ')}`);
    const after = await emulator.control.stats();
    assert.equal(after.rateLimited, before.rateLimited, 'RingCentral answered no 429');
    const heavy = (after['rest.Heavy'] ?? 0) - (before['rest.Heavy'] ?? 0);
    assert.ok(heavy <= 6, `${heavy} Heavy calls for 12 views`);

    // The page says how fresh it is; a new call at RingCentral shows up after Refresh.
    const freshness = page.getByTestId('freshness');
    assert.match(await freshness.innerText(), /as of \d\d:\d\d:\d\d/);
    await assertAccessible(page, 'call log served from the copy');
    await page.goto(
      `${app.url}/test?api=account-call-log&dateFrom=${utcDay(-29)}&dateTo=${utcDay(0)}&tz=UTC&perPage=100`,
    );
    const response = await fetch(`${emulator.url}/__emulator/call-log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensionNumber: ADMIN.extensionNumber, record: {} }),
    });
    assert.equal(response.status, 200);
    assert.equal(await caption(), total, 'until refreshed, the page is as of its copy');
    await freshness.getByRole('link', { name: 'Refresh' }).click();
    await page.waitForLoadState('load');
    assert.doesNotMatch(page.url(), /refresh=1/, 'the refresh redirects back to the page itself');
    assert.equal(await caption(), total + 1, 'the new call is counted');
    watcher.assertClean();
  });
});
