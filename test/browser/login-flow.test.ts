/**
 * Real Chromium against the real app and the built-in RingCentral emulator (both on 127.0.0.1:0): full-page login,
 * popup login, the three API pages, logout, two users at once, no console errors or CSP violations anywhere, and
 * (with RC_SCREENSHOTS=1) the screenshots in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../emulator/index.js';
import { startTestApp } from '../helpers/app.js';
import {
  VIEWPORTS,
  attributeValues,
  chromiumOrSkip,
  sharedChromium,
  saveScreenshot,
  screenshotsEnabled,
  submitRingCentralLogin,
} from '../helpers/browser.js';
import { control, startTestEmulator } from '../helpers/emulator.js';
import { logIn, openPage as open } from './support.js';

const chromium = chromiumOrSkip();

const USER1 = DEMO.user('user1@example.com');
const USER2 = DEMO.user('user2@example.com');
const ADMIN = DEMO.admin;

/** Chromium's console line for a page answered with an error status: expected on error pages, nothing else is. */
function statusLog(status: number): RegExp {
  return new RegExp(
    `^console error on \\S+: Failed to load resource: the server responded with a status of ${status} \\(`,
  );
}
const BAD_REQUEST_LOG = statusLog(400);

const fullName = (user: { firstName: string; lastName: string }): string => `${user.firstName} ${user.lastName}`;

/** The emulator and the app for one test, closed in `t.after`. Call logs are Heavy (10/min): raise it for tests. */
async function startStack(t: TestContext): Promise<{ appUrl: string; emulatorUrl: string }> {
  const emulator = await startTestEmulator(t);
  await control(emulator.url).limits({ group: 'Heavy', limit: 1000, windowSeconds: 60 });
  await control(emulator.url).limits({ group: 'Medium', limit: 1000, windowSeconds: 60 });
  const app = await startTestApp(t, { emulator });
  return { appUrl: app.url, emulatorUrl: emulator.url };
}

/** Texts of one column of the results table. */
async function columnTexts(page: Page, column: number): Promise<string[]> {
  return page.locator(`table.data-table tbody tr > :nth-child(${column})`).allInnerTexts();
}

async function headerUser(page: Page): Promise<{ name: string; extension: string }> {
  return {
    name: (await page.getByTestId('user-name').innerText()).trim(),
    extension: (await page.getByTestId('user-extension').innerText()).trim(),
  };
}

void describe('browser: login, API pages and logout', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  void it('user1 logs in through the RingCentral form, opens the three API pages and logs out', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser());

    await page.goto(appUrl);
    assert.equal(await page.title(), 'RingCentral Authorization Code Flow Authentication');
    const loginLink = page.getByRole('link', { name: 'Login RingCentral Account', exact: true });
    assert.match(
      (await loginLink.getAttribute('href')) ?? '',
      /\/restapi\/oauth\/authorize\?.*code_challenge_method=S256/,
    );
    await saveScreenshot(page, 'login-desktop');

    await logIn(page, appUrl, USER1);
    assert.deepEqual(await headerUser(page), { name: fullName(USER1), extension: `Ext. ${USER1.extensionNumber}` });
    await assert.doesNotReject(page.getByRole('link', { name: 'Read Extension Info', exact: true }).waitFor());
    await saveScreenshot(page, 'home-desktop');

    // Read Extension Info: the account's extensions, the user's own among them.
    await page.getByRole('link', { name: 'Read Extension Info', exact: true }).click();
    await page.waitForURL(/\/test\?api=extension$/);
    await page.getByTestId('extension-table').waitFor();
    const numbers = await columnTexts(page, 1);
    assert.ok(
      numbers.includes(USER1.extensionNumber),
      `extension ${USER1.extensionNumber} listed in ${numbers.join(',')}`,
    );
    assert.ok(numbers.includes(ADMIN.extensionNumber));
    assert.match(await page.getByTestId('status').innerText(), /RingCentral 200 OK/);
    assert.match(await page.getByTestId('request').innerText(), /GET \/restapi\/v1\.0\/account\/~\/extension/);
    await saveScreenshot(page, 'extensions-desktop');

    // Read Extension Call Log: a table of the user's own calls.
    await page.goto(`${appUrl}/`);
    await page.getByRole('link', { name: 'Read Extension Call Log', exact: true }).click();
    await page.getByTestId('call-log-table').waitFor();
    const rows = await page.locator('[data-testid="call-log-table"] tbody tr[data-call-id]').count();
    assert.ok(rows > 0, 'the call log has rows');
    if (screenshotsEnabled()) {
      await page.goto(`${appUrl}/test?api=extension-call-log&perPage=12`);
      await saveScreenshot(page, 'call-log-desktop');
    }

    // The raw JSON is there, collapsed, and opens.
    const details = page.locator('details.raw-json');
    assert.equal(await details.getAttribute('open'), null);
    await details.locator('summary').click();
    assert.match(await details.locator('pre').innerText(), /"records"/);

    // Read Account Call Log: user1 lacks FullCompanyCallLog, so the page says so.
    await page.getByRole('link', { name: 'Company call log', exact: true }).click();
    await page.waitForURL(/\/test\?api=account-call-log$/);
    const body = await page.locator('main').innerText();
    assert.match(body, /FullCompanyCallLog/);
    assert.equal(await page.getByTestId('call-log-table').count(), 0);
    await saveScreenshot(page, 'permission-denied-desktop');

    // Logout from the header: back at the login page, and the API pages are gone.
    await page.getByRole('button', { name: 'Logout', exact: true }).click();
    await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.goto(`${appUrl}/test?api=extension`);
    await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).waitFor();

    watcher.assertClean('pages', [statusLog(403)]);
  });

  void it('the admin sees the account call log as a table and can page through it', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser());

    await logIn(page, appUrl, ADMIN);
    assert.equal((await headerUser(page)).name, fullName(ADMIN));
    await page.getByRole('link', { name: 'Read Account Call Log', exact: true }).click();
    await page.getByTestId('call-log-table').waitFor();
    assert.ok((await page.locator('[data-testid="call-log-table"] tbody tr[data-call-id]').count()) > 0);
    assert.match(await page.getByTestId('status').innerText(), /RingCentral 200 OK/);

    // Ten per page, so the paging controls are real: first page, next, last.
    await page.goto(`${appUrl}/test?api=account-call-log&perPage=10`);
    const position = page.getByTestId('paging-position');
    const [, totalPages] = /^Page 1 of (\d+)$/.exec(await position.innerText()) ?? [];
    assert.ok(Number(totalPages) > 1, `several pages (${totalPages})`);
    assert.equal(await page.locator('nav.paging a[rel="prev"]').count(), 0, 'no previous page on page 1');
    const firstIds = await attributeValues(page.locator('tbody tr[data-call-id]'), 'data-call-id');
    assert.equal(firstIds.length, 10);
    await page.locator('nav.paging a[rel="next"]').click();
    await page.waitForURL(/page=2/);
    assert.equal(await position.innerText(), `Page 2 of ${totalPages}`);
    const secondIds = await attributeValues(page.locator('tbody tr[data-call-id]'), 'data-call-id');
    assert.deepEqual(
      secondIds.filter((id) => firstIds.includes(id)),
      [],
      'page 2 shows other records',
    );
    await page.locator('nav.paging a[rel="last"]').click();
    await page.waitForURL(new RegExp(`page=${totalPages}`));
    assert.equal(await position.innerText(), `Page ${totalPages} of ${totalPages}`);
    assert.equal(await page.locator('nav.paging a[rel="next"]').count(), 0, 'no next page on the last page');
    watcher.assertClean();
  });

  void it('logs in through the popup: the opener moves on and shows the logged-in page', async (t) => {
    const { appUrl } = await startStack(t);
    const { context, page, watcher } = await open(t, browser());

    await page.goto(appUrl);
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Log in in a popup', exact: true }).click(),
    ]);
    await popup.waitForSelector('input[name="password"]');
    assert.equal(new URL(popup.url()).pathname, '/restapi/oauth/authorize');
    const size = popup.viewportSize();
    assert.deepEqual(size, { width: 500, height: 640 });
    await submitRingCentralLogin(popup, USER1);

    await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/test', { waitUntil: 'load' });
    await page.getByTestId('user-name').waitFor();
    assert.deepEqual(await headerUser(page), { name: fullName(USER1), extension: `Ext. ${USER1.extensionNumber}` });
    await assert.doesNotReject(
      popup.waitForEvent('close', { timeout: 5_000 }).catch(() => {
        if (!popup.isClosed()) throw new Error('the popup did not close itself');
      }),
    );
    watcher.assertClean();
  });

  void it('finishes a popup login even when the browser cut the popup off from its opener', async (t) => {
    const { appUrl } = await startStack(t);
    const { context, page, watcher } = await open(t, browser());
    // What a Cross-Origin-Opener-Policy switch does to the popup: no window.opener on the last page.
    await context.addInitScript({ content: "if (location.pathname === '/oauth2callback') window.opener = null;" });

    await page.goto(appUrl);
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Log in in a popup', exact: true }).click(),
    ]);
    await popup.waitForSelector('input[name="password"]');
    await submitRingCentralLogin(popup, USER2);
    await page.getByTestId('user-name').waitFor();
    assert.equal((await headerUser(page)).name, fullName(USER2));
    await popup.waitForEvent('close', { timeout: 5_000 }).catch(() => {
      if (!popup.isClosed()) throw new Error('the popup did not close itself after the opener acknowledged');
    });
    watcher.assertClean();
  });

  void it('tells the user when the popup is closed before the login finishes', async (t) => {
    const { appUrl } = await startStack(t);
    const { context, page, watcher } = await open(t, browser());

    await page.goto(appUrl);
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Log in in a popup', exact: true }).click(),
    ]);
    await popup.waitForSelector('input[name="password"]');
    await popup.close();
    await page.getByText('The login window was closed before the login finished').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    watcher.assertClean();
  });

  void it('falls back to the full-page login when pop-ups are blocked', async (t) => {
    const { appUrl } = await startStack(t);
    const { context, page, watcher } = await open(t, browser());
    await context.addInitScript({ content: 'window.open = () => null;' });

    await page.goto(appUrl);
    await page.getByRole('link', { name: 'Log in in a popup', exact: true }).click();
    await page.waitForSelector('input[name="password"]');
    await submitRingCentralLogin(page, USER2);
    await page.waitForURL((url) => url.origin === new URL(appUrl).origin);
    assert.equal((await headerUser(page)).name, fullName(USER2));
    watcher.assertClean();
  });

  void it('works without JavaScript: both login links are plain links', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser(), { ...VIEWPORTS.desktop, javaScriptEnabled: false });

    await page.goto(appUrl);
    await page.getByRole('link', { name: 'Log in in a popup', exact: true }).click();
    await page.waitForSelector('input[name="password"]');
    await submitRingCentralLogin(page, USER1);
    await page.waitForURL((url) => url.origin === new URL(appUrl).origin);
    assert.equal((await headerUser(page)).name, fullName(USER1));
    await page.getByRole('link', { name: 'Read Extension Info', exact: true }).click();
    await page.getByTestId('extension-table').waitFor();
    await page.getByRole('button', { name: 'Logout', exact: true }).click();
    await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).waitFor();
    watcher.assertClean();
  });

  void it('two users logged in at once each see only their own name and calls', async (t) => {
    const { appUrl } = await startStack(t);
    const a = await open(t, browser());
    const b = await open(t, browser());

    await Promise.all([logIn(a.page, appUrl, USER1), logIn(b.page, appUrl, USER2)]);
    await Promise.all([
      a.page.goto(`${appUrl}/test?api=extension-call-log`),
      b.page.goto(`${appUrl}/test?api=extension-call-log`),
    ]);

    for (const [session, user, other] of [
      [a, USER1, USER2],
      [b, USER2, USER1],
    ] as const) {
      assert.deepEqual(await headerUser(session.page), {
        name: fullName(user),
        extension: `Ext. ${user.extensionNumber}`,
      });
      await session.page.getByTestId('call-log-table').waitFor();
      const rows = session.page.locator('[data-testid="call-log-table"] tbody tr[data-call-id]');
      const count = await rows.count();
      assert.ok(count > 0, `${user.username} has calls`);
      const parties = await Promise.all(
        (await rows.all()).map(async (row) => (await row.locator('td.party').allInnerTexts()).join(' | ')),
      );
      for (const line of parties) {
        assert.ok(line.includes(fullName(user)), `${user.username}'s call names them: ${line}`);
      }
      // Every record names its owning extension (`extension.id`): this user's, on every row.
      assert.deepEqual(new Set(await attributeValues(rows, 'data-extension-id')), new Set([String(user.extensionId)]));
      const own = parties.filter((line) => line.includes(fullName(other)) && !line.includes(fullName(user)));
      assert.deepEqual(own, [], `${user.username} sees no call of ${other.username} alone`);
    }
    a.watcher.assertClean('user1 pages');
    b.watcher.assertClean('user2 pages');
  });

  void it('renders the main pages on a phone', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser(), VIEWPORTS.mobile);

    await page.goto(appUrl);
    await saveScreenshot(page, 'login-mobile');
    const viewportWidth = 390;
    const pageWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(pageWidth <= viewportWidth, `login page fits the phone (${pageWidth}px)`);

    await logIn(page, appUrl, ADMIN);
    await saveScreenshot(page, 'home-mobile');
    for (const [api, shot] of [
      ['extension', 'extensions-mobile'],
      ['extension-call-log', 'call-log-mobile'],
    ] as const) {
      await page.goto(`${appUrl}/test?api=${api}&perPage=8`);
      await page.locator('table.data-table').waitFor();
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= viewportWidth, `${api} page fits the phone; wide tables scroll inside their box (${width}px)`);
      await saveScreenshot(page, shot);
    }
    await page.goto(`${appUrl}/test?api=nope`);
    await saveScreenshot(page, 'error-mobile');
    watcher.assertClean('pages', [BAD_REQUEST_LOG]);
  });

  void it('can be used with the keyboard alone, with a visible focus ring', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser());

    await page.goto(appUrl);
    const focused = async (): Promise<string> =>
      String(await page.evaluate('document.activeElement && document.activeElement.textContent.trim()'));
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Skip to main content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Login RingCentral Account', 'the skip link jumps past the header');
    const outline = String(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'));
    assert.notEqual(outline, 'none', 'focused link shows a focus ring');
    await page.keyboard.press('Enter');
    await page.waitForSelector('input[name="password"]');
    await submitRingCentralLogin(page, USER1);
    await page.waitForURL((url) => url.origin === new URL(appUrl).origin);
    // Tab through the header to the API links and open one with Enter.
    for (let i = 0; i < 10 && (await focused()) !== 'Extensions'; i += 1) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Extensions');
    await page.keyboard.press('Enter');
    await page.getByTestId('extension-table').waitFor();
    watcher.assertClean();
  });

  void it('shows a clear error page for a bad request', async (t) => {
    const { appUrl } = await startStack(t);
    const { page, watcher } = await open(t, browser());

    await logIn(page, appUrl, USER1);
    const response = await page.goto(`${appUrl}/test?api=nope`);
    assert.equal(response?.status(), 400);
    assert.match(await page.locator('h1').innerText(), /\S/);
    assert.match(await page.locator('main').innerText(), /Error 400/i);
    await saveScreenshot(page, 'error-desktop');

    const noCode = await page.goto(`${appUrl}/oauth2callback`);
    assert.equal(noCode?.status(), 400);
    assert.match(await page.locator('main').innerText(), /No Auth code/i);
    // Chromium logs every 4xx document load; nothing else may appear.
    watcher.assertClean('pages', [BAD_REQUEST_LOG]);
  });
});
