/**
 * Every page the app and the emulator show, checked with axe-core (WCAG 2.0/2.1 A and AA, plus axe's best
 * practices) in real Chromium, on the desktop and the phone viewport, in the light and the dark colour scheme:
 * the login page (also with the logged-out notice and after a closed login popup), the emulator's sign-in page
 * (also with its error), the home page, the three `/test?api=` pages
 * (extension list, the user's call log with the explorer's filters and chart, the account call log with paging, and
 * the account call log refused for a user without the permission), the profile page, an error page, the logout confirmation, the
 * production-readiness page and the end of a popup login. `<details>` are opened first, so what they hide is
 * checked too. Any violation fails, with its rule id, impact and the elements' selectors.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../emulator/index.js';
import { startTestApp } from '../helpers/app.js';
import {
  VIEWPORTS,
  assertAccessible,
  chromiumOrSkip,
  sharedChromium,
  submitRingCentralLogin,
} from '../helpers/browser.js';
import { startTestEmulator } from '../helpers/emulator.js';
import { recordSecrets } from '../helpers/log-spy.js';
import { openPage as open } from './support.js';

const chromium = chromiumOrSkip();
const ADMIN = DEMO.admin;
const USER1 = DEMO.user('user1@example.com');
const ADMIN_TOKEN = randomBytes(24).toString('base64url');

/** Chromium's console line for a page answered with an error status: expected on error pages. */
const statusLog = (status: number): RegExp =>
  new RegExp(`^console error on \\S+: Failed to load resource: the server responded with a status of ${status} \\(`);

/** `YYYY-MM-DD` of today in UTC, shifted by `days`. */
const utcDay = (days = 0): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function startStack(t: TestContext): Promise<{ appUrl: string }> {
  const emulator = await startTestEmulator(t);
  for (const group of ['Light', 'Medium', 'Heavy'] as const) {
    await emulator.control.limits({ group, limit: 10_000, windowSeconds: 60 });
  }
  recordSecrets(ADMIN_TOKEN);
  const app = await startTestApp(t, { emulator, env: { ADMIN_TOKEN } });
  return { appUrl: app.url };
}

/** Opens every `<details>`, so the content they fold away is checked too. */
async function openDetails(page: Page): Promise<void> {
  await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
}

/** Goes to `url` and checks the page. */
async function check(page: Page, url: string, name: string, waitFor?: string): Promise<void> {
  await page.goto(url);
  if (waitFor !== undefined) await page.locator(waitFor).first().waitFor();
  await openDetails(page);
  await assertAccessible(page, name);
}

void describe('browser: accessibility (axe-core)', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  for (const [viewport, options] of Object.entries(VIEWPORTS)) {
    void it(`${viewport}: the login, sign-in, home, API, error, logout and readiness pages pass axe`, async (t) => {
      const { appUrl } = await startStack(t);
      const { page, watcher } = await open(t, browser(), {
        ...options,
        httpCredentials: { username: 'admin', password: ADMIN_TOKEN, origin: appUrl },
      });

      await check(page, appUrl, 'login page');

      await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).click();
      await page.waitForSelector('input[name="password"]');
      await openDetails(page);
      await assertAccessible(page, 'emulator sign-in page');
      await submitRingCentralLogin(page, { username: ADMIN.username, password: 'not the password' });
      await page.locator('[role="alert"]').waitFor();
      await openDetails(page);
      await assertAccessible(page, 'emulator sign-in page with an error');
      await submitRingCentralLogin(page, ADMIN);
      await page.waitForURL((url) => url.origin === appUrl, { waitUntil: 'load' });

      await check(page, `${appUrl}/`, 'home page', '[data-testid="user-name"]');
      await check(page, `${appUrl}/test?api=extension&perPage=8`, 'extension list', '[data-testid="extension-table"]');
      await check(
        page,
        `${appUrl}/test?api=extension-call-log&dateFrom=${utcDay(-14)}&dateTo=${utcDay(0)}&tz=UTC&perPage=8`,
        'user call log with the explorer',
        '[data-testid="call-chart"]',
      );
      await check(
        page,
        `${appUrl}/test?api=account-call-log&perPage=10&page=2`,
        'account call log',
        '[data-testid="call-log-table"]',
      );
      await check(page, `${appUrl}/profile`, 'profile page', '[data-testid="profile"]');
      await check(page, `${appUrl}/test?api=nope`, 'error page', 'h1');
      await check(page, `${appUrl}/admin/readiness`, 'readiness page', '[data-testid="verdict"]');
      // A logout link followed from another site gets the confirmation page (from our own pages, it logs out).
      await page.goto('about:blank');
      await page.evaluate(`location.assign(${JSON.stringify(`${appUrl}/logout`)})`);
      await page.locator('#logout-title').waitFor();
      await assertAccessible(page, 'logout confirmation');
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.locator('.notice').waitFor();
      await assertAccessible(page, 'login page with the logged-out notice');
      watcher.assertClean('pages', [statusLog(400), statusLog(401)]);
    });

    void it(`${viewport}: the permission-denied and popup-login pages pass axe`, async (t) => {
      const { appUrl } = await startStack(t);
      const { context, page, watcher } = await open(t, browser(), options);

      // A popup login closed half-way: the login page says so in its status line.
      await page.goto(appUrl);
      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('link', { name: 'Log in in a popup', exact: true }).click(),
      ]);
      await popup.waitForSelector('input[name="password"]');
      await popup.close();
      await page.getByText('The login window was closed before the login finished').waitFor();
      await assertAccessible(page, 'login page after a closed popup');

      // Opened directly (no opener), the popup login's last page stays open with its Continue link.
      await page.goto(`${appUrl}/login?popup=1`);
      await page.waitForSelector('input[name="password"]');
      await submitRingCentralLogin(page, USER1);
      await page.locator('#popup-done').waitFor();
      await assertAccessible(page, 'popup login done');

      await check(page, `${appUrl}/test?api=account-call-log`, 'account call log refused', '.error-card');
      watcher.assertClean('pages', [statusLog(403)]);
    });
  }
});
