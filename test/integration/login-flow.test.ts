/**
 * The whole quick start over real HTTP, app and emulator on 127.0.0.1:0: login through the emulator's form →
 * each API as JSON (RingCentral's bytes, compared with the emulator's own answer for the same token) and as
 * HTML → an expired access token refreshed exactly once → logout revokes at RingCentral and the old cookie is dead.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { ADMIN, control, sessionOf, startTestEmulatorFor, tokensOf, USER1 } from './support/fixtures.js';

const APIS = {
  extension: '/restapi/v1.0/account/~/extension',
  'extension-call-log': '/restapi/v1.0/account/~/extension/~/call-log',
  'account-call-log': '/restapi/v1.0/account/~/call-log',
} as const;

async function direct(emulatorUrl: string, path: string, token: string, query = '') {
  const response = await fetch(`${emulatorUrl}${path}${query}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

it('login, the three APIs as JSON and HTML, refresh via the emulator clock, logout', async (t) => {
  const emulator = await startTestEmulatorFor(t);
  const api = control(emulator.url);
  const app = await startTestApp(t, { emulator });
  const browser = new HttpClient(app.url);

  await t.test('the login page links to RingCentral with state and an S256 challenge', async () => {
    const authorizeUrl = new URL(await browser.startLogin());
    assert.equal(authorizeUrl.origin, emulator.url);
    assert.equal(authorizeUrl.pathname, '/restapi/oauth/authorize');
    const q = authorizeUrl.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'demo-client-id');
    assert.equal(q.get('redirect_uri'), `${app.url}/oauth2callback`);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  await t.test('logging in lands on /test and then the home page', async () => {
    const landed = await browser.loginAs(USER1.username, USER1.password);
    assert.equal(landed.location, `${app.url}/test`);
    const toHome = await browser.page('/test');
    assert.equal(toHome.status, 302);
    assert.equal(toHome.location, `${app.url}/`);
    const home = await browser.page('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Read Extension Info/);
    assert.match(home.text, /\/test\?api=extension-call-log/);
    assert.match(home.text, /Ben Carter/, 'the header names the logged-in user');
    assert.equal((await api.stats())['token.authorization_code'], 1);
  });

  for (const [name, path] of Object.entries(APIS)) {
    await t.test(`GET /test?api=${name} as JSON is RingCentral's answer byte for byte`, async () => {
      const tokens = await tokensOf(app, browser);
      const viaApp = await browser.get(`/test?api=${name}&perPage=5`, { accept: 'application/json' });
      const expected = await direct(emulator.url, path, tokens.accessToken, '?perPage=5');
      assert.equal(viaApp.status, expected.status);
      assert.equal(viaApp.headers.get('content-type'), expected.contentType);
      if (name === 'extension') {
        assert.deepEqual(viaApp.body, expected.body);
      } else {
        // Call logs default to "the last 24 h up to now", so the echoed dateFrom/dateTo move with the clock.
        const strip = (b: Buffer) => b.toString('utf8').replace(/date(From|To)=[^&"]*/g, 'date$1=*');
        assert.equal(strip(viaApp.body), strip(expected.body));
      }
    });
  }

  await t.test('?format=json gives JSON to a browser too', async () => {
    const response = await browser.page('/test?api=extension&format=json');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  });

  await t.test('browsers get HTML pages for the user APIs and a clear 403 page for the account call log', async () => {
    for (const name of ['extension', 'extension-call-log'] as const) {
      const page = await browser.page(`/test?api=${name}`);
      assert.equal(page.status, 200, `${name} page`);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.text, /<table/);
    }
    const denied = await browser.page('/test?api=account-call-log');
    assert.equal(denied.status, 403);
    assert.match(denied.text, /FullCompanyCallLog/);
    assert.match(denied.text, /RCAPP_PERMISSION_DENIED/);
  });

  await t.test('an access token expired at RingCentral is refreshed once and the request succeeds', async () => {
    const before = await tokensOf(app, browser);
    await api.advanceClock(3600 + 120);
    const response = await browser.get('/test?api=extension', { accept: 'application/json' });
    assert.equal(response.status, 200);
    assert.equal((await api.stats())['token.refresh_token'], 1);
    const after = await tokensOf(app, browser);
    assert.notEqual(after.accessToken, before.accessToken, 'the new tokens are written back to the session');
    assert.notEqual(after.refreshToken, before.refreshToken, 'RingCentral rotated the refresh token');
    const again = await browser.get('/test?api=extension-call-log', { accept: 'application/json' });
    assert.equal(again.status, 200);
    assert.equal((await api.stats())['token.refresh_token'], 1, 'no second refresh');
  });

  await t.test('logout revokes at RingCentral, ends the session and the old cookie no longer works', async () => {
    const oldCookie = browser.cookieHeader();
    const tokens = await tokensOf(app, browser);
    const out = await browser.page('/logout', { 'sec-fetch-site': 'same-origin' });
    assert.equal(out.status, 302);
    assert.equal(out.location, `${app.url}/?notice=logged-out`);
    assert.ok(
      out.setCookies.some((c) => /^rcsid=;/.test(c) && /Max-Age=0/i.test(c)),
      'the cookie is cleared',
    );
    assert.equal((await api.stats()).revoke, 1);
    const rc = await direct(emulator.url, APIS.extension, tokens.accessToken);
    assert.equal(rc.status, 401, 'RingCentral no longer accepts the token');
    const replay = await browser.request('/test?api=extension', {
      headers: { cookie: oldCookie, accept: 'application/json' },
    });
    assert.equal(replay.status, 401);
    assert.equal(replay.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');
    const notice = await browser.page('/?notice=logged-out');
    assert.match(notice.text, /You have been logged out\./);
    assert.match(notice.text, /Login RingCentral Account/);
  });

  await t.test('the admin sees the account call log as a table', async () => {
    const admin = new HttpClient(app.url);
    await admin.loginAs(ADMIN.username, ADMIN.password);
    const page = await admin.page('/test?api=account-call-log&perPage=10');
    assert.equal(page.status, 200);
    assert.match(page.text, /<table/);
    assert.ok((await sessionOf(app, admin))?.data.user?.name);
  });
});
