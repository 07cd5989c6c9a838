/**
 * RingCentral failing in every way the design names — 5xx, timeouts, connection refused, 429, a dead refresh
 * token, failures of the token and revoke endpoints — gives a clear status and message (HTML and JSON), never a
 * 500 or a stack trace, and keeps the session unless RingCentral ended it.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startEmulator } from '../../../emulator/index.js';
import { UPSTREAM_CHECK_TTL_MS } from '../../../src/web/routes/health.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl, type HttpResponse } from '../../helpers/http-client.js';
import { control, sessionIdOf, startTestEmulatorFor, USER1 } from '../support/fixtures.js';

const JSON_ACCEPT = { accept: 'application/json' };

async function loggedInApp(t: TestContext, env: Record<string, string> = {}) {
  const emulator = await startTestEmulatorFor(t);
  const app = await startTestApp(t, { emulator, env });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return { emulator, api: control(emulator.url), app, browser };
}

function assertClean(response: HttpResponse): void {
  assert.doesNotMatch(response.text, /\bat [\w.<>]+ \(|node_modules|\/src\//, 'no stack trace or file path');
}

async function sessionKept(app: TestApp, browser: HttpClient): Promise<void> {
  const id = sessionIdOf(app, browser);
  assert.ok(id && (await app.store.get(id)), 'the session is still stored');
}

describe('RingCentral faults', () => {
  it('REST 5xx → HTML 502 RCAPP_UPSTREAM_ERROR; JSON passes RingCentral’s status and body; session kept', async (t) => {
    const { api, app, browser } = await loggedInApp(t);
    await api.fault({ route: 'rest', status: 503, count: 1 });
    const page = await browser.page('/test?api=extension');
    assert.equal(page.status, 502);
    assert.match(page.text, /RCAPP_UPSTREAM_ERROR/);
    assert.match(page.text, /HTTP 503/);
    assertClean(page);
    await api.fault({ route: 'rest', status: 500, count: 1 });
    const json = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 500);
    assert.ok(json.json<{ errorCode?: string; errors?: unknown[] }>().errors, 'RingCentral’s error body');
    await sessionKept(app, browser);
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  });

  it('REST timeout (UPSTREAM_TIMEOUT_MS) → 504 RCAPP_UPSTREAM_TIMEOUT; session kept', async (t) => {
    const { api, app, browser } = await loggedInApp(t, { UPSTREAM_TIMEOUT_MS: '300' });
    await api.fault({ route: 'rest', delayMs: 3000, count: 2 });
    const started = Date.now();
    const json = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 504);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_UPSTREAM_TIMEOUT');
    assert.match(json.json<{ message: string }>().message, /300 ms/);
    assert.ok(Date.now() - started < 2500, 'bounded by the timeout, not by RingCentral');
    const page = await browser.page('/test?api=extension');
    assert.equal(page.status, 504);
    assert.match(page.text, /RingCentral timed out/);
    await sessionKept(app, browser);
  });

  it('RingCentral unreachable (connection refused) → 503 RCAPP_UPSTREAM_UNAVAILABLE; session kept; /readyz 503', async (t) => {
    const emulator = await startEmulator({ port: 0 });
    t.after(() => emulator.close());
    let now = Date.now();
    const app = await startTestApp(t, { emulator, now: () => now });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    assert.equal((await browser.get('/readyz')).status, 200);
    await emulator.close();
    now += UPSTREAM_CHECK_TTL_MS; // /readyz's last look at RingCentral is out of date
    const json = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 503);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_UPSTREAM_UNAVAILABLE');
    const page = await browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 503);
    assert.match(page.text, /RingCentral unreachable/);
    assertClean(page);
    await sessionKept(app, browser);
    const ready = await browser.get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json(), { status: 'not ready', checks: { sessionStore: 'ok', ringCentral: 'failed' } });
    assert.equal((await browser.get('/healthz')).status, 200);
  });

  it('429 from RingCentral → JSON passes it on; then HTML 429 RCAPP_RATE_LIMITED at once, without calling RingCentral; session kept', async (t) => {
    const { api, app, browser } = await loggedInApp(t);
    // The app learns the default Heavy budget (10 per minute) from the first answer ...
    assert.equal((await browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    // ... then RingCentral's limit drops to 1 behind its back, so two calls sent together meet a real 429.
    await api.limits({ group: 'Heavy', limit: 1, windowSeconds: 60, penaltySeconds: 45 });
    const both = await Promise.all([
      browser.get('/test?api=extension-call-log', JSON_ACCEPT),
      browser.get('/test?api=extension-call-log', JSON_ACCEPT),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
    const json = both.find((r) => r.status === 429)!;
    assert.match(json.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(json.json<{ errorCode: string }>().errorCode, 'CMN-301', 'RingCentral’s own 429 body');
    const heavyBefore = (await api.stats())['rest.Heavy'];
    const page = await browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 429);
    assert.match(page.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(page.text, /RCAPP_RATE_LIMITED/);
    assert.match(page.text, /try again in \d+ s/i);
    assert.equal((await api.stats())['rest.Heavy'], heavyBefore, 'no call to RingCentral while Retry-After runs');
    assert.equal((await api.stats())['token.refresh_token'], 0, 'no retry storm, no refresh');
    await sessionKept(app, browser);
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'other groups still work');
  });

  it('dead refresh token (clock past its expiry) → logged out with the session-ended notice', async (t) => {
    const { api, app, browser } = await loggedInApp(t);
    const id = sessionIdOf(app, browser);
    await api.advanceClock(8 * 24 * 3600);
    const response = await browser.page('/test?api=extension');
    assert.equal(response.status, 302);
    assert.equal(response.location, `${app.url}/?notice=session-ended`);
    // The old session is gone; the cookie now names a fresh one holding a login that returns to this page.
    assert.notEqual(sessionIdOf(app, browser), id, 'the cookie names another session');
    assert.equal(await app.store.get(id ?? ''), undefined, 'the session is destroyed');
    const notice = await browser.page(response.location);
    assert.match(notice.text, /Your RingCentral session has ended, please log in again\./);
    assert.match(notice.text, /Login RingCentral Account/);
  });

  it('dead refresh token in JSON mode → 401 RCAPP_SESSION_ENDED', async (t) => {
    const { api, browser } = await loggedInApp(t);
    await api.advanceClock(8 * 24 * 3600);
    const response = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(response.status, 401);
    assert.equal(response.json<{ code: string }>().code, 'RCAPP_SESSION_ENDED');
  });

  it('token endpoint 503 during a refresh → 502, session kept, the next request refreshes', async (t) => {
    const { api, app, browser } = await loggedInApp(t);
    await api.advanceClock(3600 + 60);
    await api.fault({ route: 'token', status: 503, count: 1 });
    const page = await browser.page('/test?api=extension');
    assert.equal(page.status, 502);
    assert.match(page.text, /RCAPP_UPSTREAM_ERROR/);
    await sessionKept(app, browser);
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
    assert.equal((await api.stats())['token.refresh_token'], 2);
  });

  it('token endpoint 503 during the code exchange → 502 page, no stack trace', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const browser = new HttpClient(app.url);
    const callback = await signInAtAuthorizeUrl(await browser.startLogin(), USER1);
    await control(emulator.url).fault({ route: 'token', status: 503, count: 1 });
    const page = await browser.page(callback);
    assert.equal(page.status, 502);
    assert.match(page.text, /RingCentral error/);
    assertClean(page);
  });

  it('revoke failing at logout is ignored: still logged out', async (t) => {
    const { api, app, browser } = await loggedInApp(t);
    const id = sessionIdOf(app, browser);
    await api.fault({ route: 'revoke', status: 503, count: 1 });
    const out = await browser.page('/logout', { 'sec-fetch-site': 'same-origin' });
    assert.equal(out.status, 302);
    assert.equal(out.location, `${app.url}/?notice=logged-out`);
    assert.equal(await app.store.get(id ?? ''), undefined);
    assert.ok(app.logLines.some((line) => line.includes('token revocation failed')));
  });

  it('session store down → 503 RCAPP_SESSION_STORE_UNAVAILABLE (page and JSON), /readyz 503', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const failing = new Error('store offline');
    const store = {
      kind: 'memory' as const,
      get: () => Promise.reject(failing),
      set: () => Promise.reject(failing),
      setIfVersion: () => Promise.reject(failing),
      destroy: () => Promise.reject(failing),
      touch: () => Promise.reject(failing),
      ping: () => Promise.reject(failing),
      close: () => Promise.resolve(),
    };
    const app = await startTestApp(t, { emulator, store });
    const browser = new HttpClient(app.url);
    const page = await browser.page('/');
    assert.equal(page.status, 503);
    assert.match(page.text, /RCAPP_SESSION_STORE_UNAVAILABLE/);
    assertClean(page);
    browser.jar.set('rcsid', 'x.y');
    const json = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 401, 'an unverifiable cookie never reaches the store');
    const ready = await browser.get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json<{ checks: { sessionStore: string } }>().checks.sessionStore, 'failed');
  });
});
