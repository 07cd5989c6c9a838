/**
 * What a login renews: the session id (the anonymous id is gone from the store) and the anti-CSRF token (a token
 * issued to the anonymous session, e.g. read by someone who saw the login page, does not log the user out later).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl } from '../../helpers/http-client.js';
import { sessionIdOf, sessionOf, startTestEmulatorFor, USER1 } from '../support/fixtures.js';

void it('a login issues a new session id and a new anti-CSRF token', async (t) => {
  const emulator = await startTestEmulatorFor(t);
  const app = await startTestApp(t, { emulator });
  const browser = new HttpClient(app.url);
  const callbackUrl = await signInAtAuthorizeUrl(await browser.startLogin(), USER1);
  const anonymous = await sessionOf(app, browser);
  assert.ok(anonymous?.data.login, 'a login is in progress');
  const anonymousId = sessionIdOf(app, browser);

  assert.equal((await browser.page(callbackUrl)).status, 302);
  const loggedIn = await sessionOf(app, browser);
  assert.ok(loggedIn?.data.tokens, 'logged in');
  assert.notEqual(sessionIdOf(app, browser), anonymousId);
  assert.equal(await app.store.get(anonymousId!), undefined, 'the anonymous id is gone');
  assert.notEqual(loggedIn.data.csrf, anonymous.data.csrf, 'a new anti-CSRF token');

  // The anonymous session's token no longer works for the logout form.
  const forged = await browser.request('/logout', {
    method: 'POST',
    form: { csrf: anonymous.data.csrf },
    headers: { accept: 'application/json' },
  });
  assert.equal(forged.status, 403);
  const page = await browser.page('/test?api=extension');
  assert.equal(page.status, 200, 'still logged in');
});
