/**
 * The "My profile" page in real Chromium against the real app and the built-in RingCentral emulator: opened from
 * the header link after a full-page login, on the desktop and the phone viewport; it shows the user's own
 * extension and login, passes axe-core (light and dark), fits the phone, and logs no console error or CSP
 * violation. With RC_SCREENSHOTS=1 it saves `docs/screenshots/profile-desktop.png` and `profile-mobile.png`.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { DEMO } from '../../emulator/index.js';
import { startTestApp } from '../helpers/app.js';
import {
  VIEWPORTS,
  assertAccessible,
  chromiumOrSkip,
  sharedChromium,
  openContext,
  saveScreenshot,
  submitRingCentralLogin,
} from '../helpers/browser.js';
import { startTestEmulator } from '../helpers/emulator.js';

const chromium = chromiumOrSkip();
const USER1 = DEMO.user('user1@example.com');

async function startStack(t: TestContext): Promise<{ appUrl: string }> {
  const emulator = await startTestEmulator(t);
  const app = await startTestApp(t, { emulator });
  return { appUrl: app.url };
}

void describe('browser: the profile page', { skip: chromium.skip }, () => {
  const browser = sharedChromium(chromium.path!);

  for (const [viewport, options] of Object.entries(VIEWPORTS)) {
    void it(`${viewport}: opened from the header, shows the user's extension and login, passes axe`, async (t) => {
      const { appUrl } = await startStack(t);
      const { context, page, watcher } = await openContext(browser(), options);
      t.after(() => context.close());

      await page.goto(appUrl);
      await page.getByRole('link', { name: 'Login RingCentral Account', exact: true }).click();
      await page.waitForSelector('input[name="password"]');
      await submitRingCentralLogin(page, USER1);
      await page.waitForURL((url) => url.origin === appUrl, { waitUntil: 'load' });

      const link = page.getByRole('navigation', { name: 'RingCentral APIs' }).getByRole('link', { name: 'My profile' });
      await link.click();
      await page.waitForURL(`${appUrl}/profile`);
      assert.equal(await link.getAttribute('aria-current'), 'page');
      assert.equal(await page.title(), 'My profile · rc-authflow');

      const text = async (id: string): Promise<string> => (await page.getByTestId(id).innerText()).trim();
      assert.equal(await text('profile-name'), `${USER1.firstName} ${USER1.lastName}`);
      assert.equal(await text('profile-extension'), USER1.extensionNumber);
      assert.equal(await text('profile-email'), USER1.username);
      assert.equal(await text('profile-status'), 'Enabled');
      assert.match(await text('permissions'), /ReadAccounts/);
      assert.match(await text('login-valid-until'), /\(in 7 days\)$/);

      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= (options.viewport?.width ?? 0), `the page fits the viewport (${width}px)`);
      await assertAccessible(page, `profile page (${viewport})`);
      await saveScreenshot(page, `profile-${viewport}`);

      // The JSON link, fetched with the browser's cookie (a JSON document tab would ask for /favicon.ico).
      const href = await page.getByRole('link', { name: 'View as JSON' }).getAttribute('href');
      const json = await page.request.get(new URL(href ?? '', appUrl).toString());
      assert.equal(json.status(), 200);
      assert.equal(((await json.json()) as { extensionNumber?: string }).extensionNumber, USER1.extensionNumber);
      watcher.assertClean('profile pages');
    });
  }
});
