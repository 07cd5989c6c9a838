/**
 * The app's own error pages say how to fix what RingCentral refused: a login refused for wrong client credentials
 * and a call refused for a missing permission (named), against the emulator.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestEmulator } from '../../helpers/emulator.js';
import { HttpClient, signInAtAuthorizeUrl, unescapeHtml } from '../../helpers/http-client.js';
import { USER1 } from '../support/fixtures.js';
import { startGovernedApp } from '../governor/support.js';

it('a login refused for a wrong client secret: the page names the setting to fix', async (t) => {
  const emulator = await startTestEmulator(t);
  const app = await startGovernedApp(t, { emulator, env: { RC_CLIENT_SECRET: 'not-the-demo-secret' } });
  const browser = new HttpClient(app.url);
  const callback = await signInAtAuthorizeUrl(await browser.startLogin(), USER1);
  const page = await browser.page(callback);
  assert.equal(page.status, 400);
  const text = unescapeHtml(page.text);
  assert.match(text, /RCAPP_LOGIN_FAILED/);
  assert.match(text, /How to fix:<\/strong> RC_CLIENT_SECRET is not this app's client secret/);
  assert.doesNotMatch(text, /not-the-demo-secret/);
});

it('a call refused for a missing permission: the page names the permission to add', async (t) => {
  const emulator = await startTestEmulator(t);
  const app = await startGovernedApp(t, { emulator });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  const page = await browser.page('/test?api=account-call-log');
  assert.equal(page.status, 403);
  assert.match(unescapeHtml(page.text), /How to fix:<\/strong> add the "FullCompanyCallLog" permission/);
});
