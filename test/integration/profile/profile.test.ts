/**
 * `GET /profile` over real HTTP, app and emulator on 127.0.0.1:0: the page shows the user's own extension as the
 * emulator holds it, the permissions of the login and its expiry; JSON is RingCentral's answer byte for byte; an
 * expired access token is refreshed once; the governor, the metrics and the readiness report see the call; a
 * RingCentral error gives the app's error page; without a login, a browser is sent to the login page and JSON
 * gets 401.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { DEMO } from '../../../emulator/index.js';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient, unescapeHtml, type HttpResponse } from '../../helpers/http-client.js';
import { recordSecrets } from '../../helpers/log-spy.js';
import { control, sessionIdOf, startTestEmulatorFor, tokensOf, USER1 } from '../support/fixtures.js';

const JSON_ACCEPT = { accept: 'application/json' };
const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const DEMO_USER1 = DEMO.user(USER1.username);

async function loggedIn(t: TestContext) {
  const emulator = await startTestEmulatorFor(t);
  recordSecrets(ADMIN_TOKEN);
  const app = await startTestApp(t, { emulator, env: { ADMIN_TOKEN } });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return { emulator, api: control(emulator.url), app, browser };
}

/** The text of the element with `data-testid="<id>"` (tags dropped, entities decoded). */
function testIdText(page: HttpResponse, id: string): string {
  const match = new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</(dd|ul|p)>`).exec(page.text);
  assert.ok(match, `the page has ${id}`);
  return unescapeHtml(
    match[1]!
      .replace(/<wbr>/g, '')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** RingCentral's own answer to readExtension for a token, straight from the emulator. */
async function direct(emulatorUrl: string, token: string) {
  const response = await fetch(`${emulatorUrl}/restapi/v1.0/account/~/extension/~`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe('GET /profile', () => {
  it('shows name, extension number, email, status, the login’s permissions and its expiry', async (t) => {
    const { app, browser } = await loggedIn(t);
    const page = await browser.page('/profile');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(testIdText(page, 'profile-name'), `${DEMO_USER1.firstName} ${DEMO_USER1.lastName}`);
    assert.equal(testIdText(page, 'profile-extension'), USER1.extensionNumber);
    assert.equal(testIdText(page, 'profile-email'), USER1.username);
    assert.equal(testIdText(page, 'profile-status'), 'Enabled');
    assert.equal(testIdText(page, 'request'), 'GET /restapi/v1.0/account/~/extension/~');

    const tokens = await tokensOf(app, browser);
    const granted = tokens.scope.split(' ');
    assert.ok(granted.includes('ReadAccounts'), tokens.scope);
    assert.equal(testIdText(page, 'permissions'), granted.join(' '), 'every permission of the token, in its order');

    assert.ok(tokens.refreshExpiresAt !== undefined);
    const validUntil = /data-testid="login-valid-until"><time datetime="([^"]+)"/.exec(page.text)?.[1];
    assert.equal(validUntil, new Date(tokens.refreshExpiresAt).toISOString(), 'the refresh token’s expiry');
    assert.match(testIdText(page, 'login-valid-until'), /\(in 7 days\)$/);
    const sessionEnds = Date.parse(/data-testid="session-ends"><time datetime="([^"]+)"/.exec(page.text)?.[1] ?? '');
    const idle = app.config.session.idleTimeoutSeconds * 1000;
    assert.ok(Math.abs(sessionEnds - (Date.now() + idle)) < 60_000, 'the session ends an idle timeout from now');

    assert.match(page.text, /<a href="\/profile" aria-current="page">My profile<\/a>/, 'current in the header');
    const home = await browser.page('/');
    assert.match(home.text, /<a href="\/profile">My profile<\/a>/, 'the header links it on every page');
  });

  it('Accept: application/json (or ?format=json) gets RingCentral’s answer byte for byte', async (t) => {
    const { emulator, app, browser } = await loggedIn(t);
    const tokens = await tokensOf(app, browser);
    const viaApp = await browser.get('/profile', JSON_ACCEPT);
    const expected = await direct(emulator.url, tokens.accessToken);
    assert.equal(viaApp.status, 200);
    assert.equal(viaApp.status, expected.status);
    assert.equal(viaApp.headers.get('content-type'), expected.contentType);
    assert.deepEqual(viaApp.body, expected.body);
    assert.match(viaApp.headers.get('x-rate-limit-group') ?? '', /^light$/i, 'RingCentral’s rate-limit headers');
    const formatJson = await browser.page('/profile?format=json');
    assert.deepEqual(formatJson.body, expected.body, '?format=json gives a browser the same bytes');
    assert.equal((await browser.get('/profile?format=xml', JSON_ACCEPT)).status, 400);
  });

  it('an access token expired at RingCentral is refreshed once, and the page shows the new login', async (t) => {
    const { api, app, browser } = await loggedIn(t);
    const before = await tokensOf(app, browser);
    await api.advanceClock(3600 + 120);
    const page = await browser.page('/profile');
    assert.equal(page.status, 200);
    assert.equal(testIdText(page, 'profile-extension'), USER1.extensionNumber);
    assert.equal((await api.stats())['token.refresh_token'], 1);
    const after = await tokensOf(app, browser);
    assert.notEqual(after.accessToken, before.accessToken, 'the new tokens are written back to the session');
    const validUntil = /data-testid="login-valid-until"><time datetime="([^"]+)"/.exec(page.text)?.[1];
    assert.equal(validUntil, new Date(after.refreshExpiresAt!).toISOString(), 'the rotated refresh token’s expiry');
    assert.equal((await browser.get('/profile', JSON_ACCEPT)).status, 200);
    assert.equal((await api.stats())['token.refresh_token'], 1, 'no second refresh');
  });

  it('a dead refresh token ends the session: the notice for a browser, 401 RCAPP_SESSION_ENDED for JSON', async (t) => {
    const { api, app, browser } = await loggedIn(t);
    const id = sessionIdOf(app, browser);
    await api.advanceClock(8 * 24 * 3600);
    const response = await browser.page('/profile');
    assert.equal(response.status, 302);
    assert.equal(response.location, `${app.url}/?notice=session-ended`);
    assert.equal(await app.store.get(id ?? ''), undefined, 'the session is destroyed');
    const again = await loggedIn(t);
    await again.api.advanceClock(8 * 24 * 3600);
    const json = await again.browser.get('/profile', JSON_ACCEPT);
    assert.equal(json.status, 401);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_SESSION_ENDED');
  });

  it('RingCentral errors give the error pages; JSON passes RingCentral’s status and body on', async (t) => {
    const { api, browser } = await loggedIn(t);
    await api.fault({ route: 'rest', status: 503, count: 1 });
    const page = await browser.page('/profile');
    assert.equal(page.status, 502);
    assert.match(page.text, /RCAPP_UPSTREAM_ERROR/);
    assert.match(page.text, /HTTP 503/);
    assert.doesNotMatch(page.text, /\bat [\w.<>]+ \(|node_modules|\/src\//, 'no stack trace or file path');

    await api.fault({ route: 'rest', status: 503, count: 1 });
    const json = await browser.get('/profile', JSON_ACCEPT);
    assert.equal(json.status, 503);
    assert.ok(json.json<{ errors?: unknown[] }>().errors, 'RingCentral’s error body');

    await api.fault({ route: 'rest', status: 403, count: 1 });
    const denied = await browser.page('/profile');
    assert.equal(denied.status, 403);
    assert.match(denied.text, /RCAPP_PERMISSION_DENIED/);

    assert.equal((await browser.page('/profile')).status, 200, 'the session is kept');
  });

  it('the governor paces it: after RingCentral’s 429 the page answers 429 at once, without calling RingCentral', async (t) => {
    const { api, browser } = await loggedIn(t);
    assert.equal((await browser.get('/profile', JSON_ACCEPT)).status, 200);
    await api.limits({ group: 'Light', limit: 1, windowSeconds: 60, penaltySeconds: 45 });
    const both = await Promise.all([browser.get('/profile', JSON_ACCEPT), browser.get('/profile', JSON_ACCEPT)]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
    const calls = (await api.stats())['rest.readExtension'];
    const page = await browser.page('/profile');
    assert.equal(page.status, 429);
    assert.match(page.text, /RCAPP_RATE_LIMITED/);
    assert.match(page.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal((await api.stats())['rest.readExtension'], calls, 'no call to RingCentral while Retry-After runs');
  });

  it('the metrics and the readiness report count its calls', async (t) => {
    const { api, browser } = await loggedIn(t);
    for (let i = 0; i < 3; i++) assert.equal((await browser.page('/profile')).status, 200);
    const metrics = await browser.get('/metrics');
    assert.equal(metrics.status, 200);
    const light = /^ringcentral_requests_total\{group="Light",status="200"\} (\d+)$/m.exec(metrics.text)?.[1];
    const stats = await api.stats();
    assert.equal(Number(light), stats['rest.Light'], 'every Light call RingCentral answered');
    const report = await browser.get('/admin/readiness', { ...JSON_ACCEPT, authorization: `Bearer ${ADMIN_TOKEN}` });
    const endpoints = report.json<{ endpoints: { operationId: string; calls: number }[] }>().endpoints;
    const readExtension = endpoints.find((e) => e.operationId === 'readExtension');
    assert.equal(readExtension?.calls, stats['rest.readExtension'], 'one at login, three here');
    assert.equal(readExtension?.calls, 4);
  });

  it('not logged in: a browser is sent to the login page, JSON gets 401 RCAPP_NOT_LOGGED_IN', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const anonymous = new HttpClient(app.url);
    const page = await anonymous.page('/profile');
    assert.equal(page.status, 302);
    assert.equal(page.location, `${app.url}/`);
    const json = await anonymous.get('/profile', JSON_ACCEPT);
    assert.equal(json.status, 401);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');
    assert.equal((await control(emulator.url).stats()).rest ?? 0, 0, 'RingCentral is not called');
  });
});
