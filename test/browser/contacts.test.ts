/**
 * The Contacts page in real Chromium against the app and the emulator (both on 127.0.0.1:0): opened from the
 * header, it lists the user's contacts a page at a time, adds one (RingCentral's validation error shown next to
 * its field first), edits it and deletes it, each checked in the emulator's address book with the user's own
 * token, not through the page. Every response the page received is recorded: none carries the session's access or
 * refresh token or an `access_token` / `refresh_token` field, and neither the storages nor `document.cookie` hold
 * one. The governor's 429 is shown with its wait, and a session ended elsewhere with a link to log in again. axe
 * checks the page (desktop and phone, light and dark); with RC_SCREENSHOTS=1 it writes
 * docs/screenshots/contacts-desktop.png and contacts-mobile.png.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { DEMO } from '../../emulator/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { VIEWPORTS, assertAccessible, chromiumOrSkip, sharedChromium, saveScreenshot } from '../helpers/browser.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { HttpClient } from '../helpers/http-client.js';
import { sessionIdOf, tokensOf } from '../integration/support/fixtures.js';
import { logIn, openPage as open } from './support.js';

const chromium = chromiumOrSkip();
const USER1 = DEMO.user('user1@example.com');
const BOOK = '/restapi/v1.0/account/~/extension/~/address-book/contact';

/** Chromium's console line for a fetch answered with an error status: expected where the test provokes one. */
const statusLog = (status: number): RegExp =>
  new RegExp(`^console error on \\S+: Failed to load resource: the server responded with a status of ${status} \\(`);

interface Stack {
  readonly emulator: TestEmulator;
  readonly app: TestApp;
}

async function startStack(t: TestContext): Promise<Stack> {
  const emulator = await startTestEmulator(t);
  for (const group of ['Light', 'Medium', 'Heavy'] as const) {
    await emulator.control.limits({ group, limit: 10_000, windowSeconds: 60 });
  }
  const app = await startTestApp(t, { emulator });
  return { emulator, app };
}

/** The browser's session tokens, read from the app's store with the browser's cookie (never through the page). */
async function browserTokens(app: TestApp, context: BrowserContext) {
  const cookie = (await context.cookies(app.url)).find((c) => c.name === 'rcsid' || c.name === '__Host-rcsid');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true, 'the session cookie is HttpOnly');
  const client = new HttpClient(app.url);
  client.jar.set(cookie.name, cookie.value);
  assert.ok(sessionIdOf(app, client));
  return tokensOf(app, client);
}

/** RingCentral's own answer for the user (the emulator, with the user's access token). */
async function rc(emulator: TestEmulator, accessToken: string, path: string, init: RequestInit = {}) {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
  });
}

/** Records every response the page receives, with its body (where there is one). */
function recordResponses(page: Page): {
  seen: { url: string; status: number; text: string }[];
  done: () => Promise<void>;
} {
  const seen: { url: string; status: number; text: string }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response: Response) => {
    pending.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders());
        let body = '';
        // Redirects have no body to read.
        if (response.status() < 300 || response.status() >= 400) body = await response.text().catch(() => '');
        seen.push({ url: response.url(), status: response.status(), text: `${headers}\n${body}` });
      })(),
    );
  });
  return { seen, done: async () => void (await Promise.all(pending)) };
}

async function statusSays(page: Page, text: RegExp): Promise<void> {
  await page.locator('#contacts-status').filter({ hasText: text }).waitFor();
}

void describe('browser: Contacts page', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  void it('adds, edits and deletes a contact through /api/rc; no token ever reaches the page', async (t) => {
    const { app, emulator } = await startStack(t);
    const { context, page, watcher } = await open(t, browser(), VIEWPORTS.desktop);
    const responses = recordResponses(page);
    await logIn(page, app.url, USER1);
    const tokens = await browserTokens(app, context);

    // Enough contacts for two pages (10 a page).
    const seeded = (await (await rc(emulator, tokens.accessToken, `${BOOK}?perPage=1`)).json()) as {
      paging: { totalElements: number };
    };
    for (let i = 0; i < 12; i += 1) {
      const made = await rc(emulator, tokens.accessToken, BOOK, {
        method: 'POST',
        body: JSON.stringify({ firstName: `Filler${String(i).padStart(2, '0')}`, lastName: 'Contact' }),
      });
      assert.equal(made.status, 200);
    }
    const before = seeded.paging.totalElements + 12;

    await page.getByRole('navigation', { name: 'RingCentral APIs' }).getByRole('link', { name: 'Contacts' }).click();
    await page.waitForURL(`${app.url}/contacts`);
    assert.equal(await page.getByRole('link', { name: 'Contacts', exact: true }).getAttribute('aria-current'), 'page');
    const table = page.getByTestId('contacts-table');
    await table.waitFor();
    assert.equal(await table.locator('tbody tr').count(), 10, 'the first page of ten');
    assert.match(await page.locator('#contacts-summary').innerText(), new RegExp(`${before} contacts · page 1 of 2`));
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('#contacts-summary').filter({ hasText: 'page 2 of 2' }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), before - 10);
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
    assert.equal(
      await page.evaluate('document.activeElement && document.activeElement.id'),
      'contacts-list-title',
      'focus moves to the list after a page change',
    );
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.locator('#contacts-summary').filter({ hasText: 'page 1 of 2' }).waitFor();

    // RingCentral refuses a bad email: its message is shown next to the field, which gets the focus.
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Email').fill('ada-at-example');
    await page.getByRole('button', { name: 'Add contact' }).click();
    const emailError = page.locator('#contact-email-error');
    await emailError.waitFor();
    assert.match(await emailError.innerText(), /Parameter \[email\] value is invalid/);
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'contact-email');
    await assertAccessible(page, 'contacts page with a validation error');

    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Mobile phone').fill('+1 650 555 0101');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await statusSays(page, /^Added Ada Lovelace\.$/);
    const row = page.locator('tbody tr', { hasText: 'Ada Lovelace' });
    await row.waitFor();
    const id = Number(await row.getAttribute('data-contact-id'));
    assert.ok(id > 0);
    assert.match(await page.locator('#contacts-summary').innerText(), /page 2 of 2/, 'shown on the last page');
    const created = (await (await rc(emulator, tokens.accessToken, `${BOOK}/${id}`)).json()) as Record<string, unknown>;
    assert.equal(created.firstName, 'Ada');
    assert.equal(created.email, 'ada@example.com');
    assert.equal(created.mobilePhone, '+16505550101');
    await saveScreenshot(page, 'contacts-desktop');
    await assertAccessible(page, 'contacts page');

    await row.getByRole('button', { name: 'Edit Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Edit Ada Lovelace' }).waitFor();
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'contact-firstName');
    await page.getByLabel('Company').fill('Analytical Engines');
    await page.getByLabel('Last name').fill('King');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await statusSays(page, /^Saved Ada King\.$/);
    assert.equal(
      await page.evaluate('document.activeElement && document.activeElement.getAttribute("data-id")'),
      String(id),
      'focus back on the contact’s Edit button',
    );
    const updated = (await (await rc(emulator, tokens.accessToken, `${BOOK}/${id}`)).json()) as Record<string, unknown>;
    assert.equal(updated.lastName, 'King');
    assert.equal(updated.company, 'Analytical Engines');
    assert.equal(updated.email, 'ada@example.com', 'a full update keeps the fields sent back');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator(`tr[data-contact-id="${id}"]`).getByRole('button', { name: 'Delete Ada King' }).click();
    await statusSays(page, /^Deleted Ada King\.$/);
    assert.equal(await page.locator(`tr[data-contact-id="${id}"]`).count(), 0);
    assert.equal((await rc(emulator, tokens.accessToken, `${BOOK}/${id}`)).status, 404, 'gone at RingCentral');

    // No token in anything the page received, nor in what a script could read.
    await responses.done();
    assert.ok(
      responses.seen.some((r) => r.url.includes('/api/rc/')),
      'the page called /api/rc',
    );
    for (const response of responses.seen) {
      for (const secret of [
        tokens.accessToken,
        tokens.refreshToken ?? 'no-refresh-token',
        'access_token',
        'refresh_token',
      ]) {
        assert.ok(!response.text.includes(secret), `${response.url} (${response.status}) holds token material`);
      }
    }
    const readable = String(
      await page.evaluate(
        'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])',
      ),
    );
    assert.equal(readable, '[[],[],""]', 'no storage and no readable cookie');
    watcher.assertClean('contacts page', [statusLog(400)]);
  });

  void it('shows the rate limit politely and a session ended elsewhere with a link to log in again', async (t) => {
    const { app, emulator } = await startStack(t);
    const { page, watcher } = await open(t, browser(), VIEWPORTS.desktop);
    await logIn(page, app.url, USER1);
    await page.goto(`${app.url}/contacts`);
    await page.getByTestId('contacts-table').waitFor();

    // One more Heavy call allowed in a minute: the next is answered 429 by the app's governor, before RingCentral.
    await emulator.control.limits({ group: 'Heavy', limit: 1, windowSeconds: 60 });
    await page.getByLabel('First name').fill('Grace');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await statusSays(page, /^Added Grace\.$/);
    await page.getByLabel('First name').fill('Alan');
    await page.getByRole('button', { name: 'Add contact' }).click();
    const limited = page.getByTestId('rate-limited');
    await limited.waitFor();
    assert.match(await limited.innerText(), /rate limit .* Please try again in \d+ seconds?\./);
    await assertAccessible(page, 'contacts page, rate limited');
    await emulator.control.limits({ group: 'Heavy', limit: 10_000, windowSeconds: 60 });

    // Logged out in another tab: the next call is 401, and the page offers to log in again.
    const other = await page.context().newPage();
    await other.goto(`${app.url}/`);
    await other.getByRole('button', { name: 'Logout' }).click();
    await other.waitForURL((url) => url.pathname === '/', { waitUntil: 'load' });
    await other.close();
    await page.getByLabel('First name').fill('Alan');
    await page.getByRole('button', { name: 'Add contact' }).click();
    const again = page.getByRole('link', { name: 'Log in again' });
    await again.waitFor();
    assert.equal(await again.getAttribute('href'), '/login?returnTo=%2Fcontacts');
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.textContent'), 'Log in again');
    assert.equal(await page.getByLabel('First name').isDisabled(), true, 'the form is disabled');
    await assertAccessible(page, 'contacts page, session ended');
    watcher.assertClean('contacts page', [statusLog(429), statusLog(401)]);
  });

  void it('fits a phone and passes axe there; without JavaScript it says what it needs', async (t) => {
    const { app } = await startStack(t);
    const { page, watcher } = await open(t, browser(), VIEWPORTS.mobile);
    await logIn(page, app.url, USER1);
    await page.goto(`${app.url}/contacts`);
    await page.getByTestId('contacts-table').waitFor();
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390, `the page fits the phone (${width}px)`);
    await saveScreenshot(page, 'contacts-mobile');
    await assertAccessible(page, 'contacts page on a phone');
    watcher.assertClean();

    const { page: plain } = await open(t, browser(), { ...VIEWPORTS.mobile, javaScriptEnabled: false });
    await logIn(plain, app.url, USER1);
    await plain.goto(`${app.url}/contacts`);
    assert.match((await plain.locator('noscript').first().textContent()) ?? '', /needs JavaScript/);
  });
});
