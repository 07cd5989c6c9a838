/**
 * The security table: one named test per attack or rule, each expecting a specific status and `RCAPP_*` code.
 * App and emulator on 127.0.0.1:0; each browser is a cookie jar.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl, type HttpResponse } from '../../helpers/http-client.js';
import { control, sessionIdOf, sessionOf, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import type { RunningEmulator } from '../../../emulator/index.js';
import type { TestContext } from 'node:test';

const JSON_ACCEPT = { accept: 'application/json' };

async function setup(
  t: TestContext,
  env: Record<string, string> = {},
): Promise<{ emulator: RunningEmulator; app: TestApp }> {
  const emulator = await startTestEmulatorFor(t);
  const app = await startTestApp(t, { emulator, env });
  return { emulator, app };
}

function codeOf(response: HttpResponse): string {
  return response.json<{ code: string }>().code;
}

/** A browser with a login in progress: the callback URL RingCentral sent back, not yet visited. */
async function callbackFor(browser: HttpClient): Promise<URL> {
  const authorizeUrl = await browser.startLogin();
  return new URL(await signInAtAuthorizeUrl(authorizeUrl, USER1));
}

async function loggedIn(app: TestApp): Promise<HttpClient> {
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return browser;
}

async function stillLoggedIn(browser: HttpClient): Promise<boolean> {
  const response = await browser.get('/test?api=extension', JSON_ACCEPT);
  return response.status === 200;
}

describe('security', () => {
  it('state missing → 400 RCAPP_STATE_MISMATCH, no tokens issued', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = new HttpClient(app.url);
    const callback = await callbackFor(browser);
    callback.searchParams.delete('state');
    const response = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_STATE_MISMATCH');
    assert.equal((await control(emulator.url).stats())['token.authorization_code'], 0);
  });

  it('state mismatched → 400 RCAPP_STATE_MISMATCH', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = new HttpClient(app.url);
    const callback = await callbackFor(browser);
    callback.searchParams.set('state', 'A'.repeat(43));
    const response = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_STATE_MISMATCH');
    assert.equal((await control(emulator.url).stats())['token.authorization_code'], 0);
  });

  it("state from another browser's login → 400 RCAPP_STATE_MISMATCH (login CSRF)", async (t) => {
    const { app } = await setup(t);
    const attacker = new HttpClient(app.url);
    const victim = new HttpClient(app.url);
    await victim.startLogin();
    const attackersCallback = await callbackFor(attacker);
    const response = await victim.get(attackersCallback.href, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_STATE_MISMATCH');
    assert.equal(await stillLoggedIn(victim), false);
  });

  it('callback replayed (same URL twice) → 400 RCAPP_NO_LOGIN_IN_PROGRESS', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const callback = await callbackFor(browser);
    const first = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(first.status, 302);
    const replay = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(replay.status, 400);
    assert.equal(codeOf(replay), 'RCAPP_NO_LOGIN_IN_PROGRESS');
  });

  it('code replayed with a fresh login → 400 RCAPP_LOGIN_FAILED with RingCentral’s description', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = new HttpClient(app.url);
    const used = await callbackFor(browser);
    assert.equal((await browser.get(used.href)).status, 302);
    await browser.get('/logout', { 'sec-fetch-site': 'same-origin' });
    // A new login in the same browser: replay the old code with the new state.
    const fresh = await callbackFor(browser);
    const replay = new URL(fresh.href);
    replay.searchParams.set('code', used.searchParams.get('code') ?? '');
    const page = await browser.page(replay.href);
    assert.equal(page.status, 400);
    assert.match(page.text, /Login error/);
    assert.match(page.text, /RCAPP_LOGIN_FAILED/);
    assert.match(page.text, /RingCentral: /, 'RingCentral’s error_description is shown');
    assert.doesNotMatch(page.text, /at \w+ \(|node_modules/, 'no stack trace');
    assert.equal((await control(emulator.url).stats())['token.authorization_code'], 2);
  });

  it('callback without a login in progress → 400 RCAPP_NO_LOGIN_IN_PROGRESS', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const response = await browser.get(`/oauth2callback?code=abc&state=${'B'.repeat(43)}`, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_NO_LOGIN_IN_PROGRESS');
  });

  it('callback without a code → 400 "No Auth code"', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const bare = await browser.page('/oauth2callback');
    assert.equal(bare.status, 400);
    assert.match(bare.text, /No Auth code/);
    const callback = await callbackFor(browser);
    callback.searchParams.delete('code');
    const response = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_NO_AUTH_CODE');
  });

  it('user cancels at RingCentral → 400 RCAPP_ACCESS_DENIED with RingCentral’s description', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const authorizeUrl = await browser.startLogin();
    const callback = await signInAtAuthorizeUrl(authorizeUrl, USER1, 'cancel');
    assert.equal(new URL(callback).searchParams.get('error'), 'access_denied');
    const page = await browser.page(callback);
    assert.equal(page.status, 400);
    assert.match(page.text, /RCAPP_ACCESS_DENIED/);
  });

  it('forged ?error= without the right state is not shown → 400 RCAPP_STATE_MISMATCH', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    await browser.startLogin();
    const page = await browser.page(
      '/oauth2callback?error=access_denied&error_description=Call%20us%20at%20555&state=x',
    );
    assert.equal(page.status, 400);
    assert.doesNotMatch(page.text, /Call us at 555/);
    assert.match(page.text, /RCAPP_STATE_MISMATCH/);
  });

  it('PKCE: the stored verifier is sent and matches the S256 challenge RingCentral saw', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const authorizeUrl = new URL(await browser.startLogin());
    const session = await sessionOf(app, browser);
    const verifier = session?.data.login?.codeVerifier ?? '';
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    assert.equal(authorizeUrl.searchParams.get('code_challenge'), challenge);
    assert.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
  });

  it('two tabs share one login in progress (the link is reused, not invalidated)', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const first = new URL(await browser.startLogin());
    const second = new URL(await browser.startLogin());
    assert.equal(first.searchParams.get('state'), second.searchParams.get('state'));
  });

  it('session id changes at login and the old id is gone from the store', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const callback = await callbackFor(browser);
    const anonymousId = sessionIdOf(app, browser);
    assert.ok(anonymousId);
    assert.ok(await app.store.get(anonymousId), 'the login in progress is stored');
    assert.equal((await browser.get(callback.href)).status, 302);
    const loggedInId = sessionIdOf(app, browser);
    assert.ok(loggedInId);
    assert.notEqual(loggedInId, anonymousId);
    assert.equal(await app.store.get(anonymousId), undefined);
    assert.ok(await app.store.get(loggedInId));
    // The pre-login cookie (e.g. planted by an attacker: session fixation) is not logged in.
    const fixated = new HttpClient(app.url);
    fixated.jar.set('rcsid', encodeURIComponent(`${anonymousId}.x`));
    assert.equal(await stillLoggedIn(fixated), false);
  });

  it('cookie attributes are pinned: rcsid=<signed id>; Path=/; HttpOnly; SameSite=Lax', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const home = await browser.page('/');
    assert.equal(home.setCookies.length, 1);
    assert.match(home.setCookies[0]!, /^rcsid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9%+/]+; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(home.headers.get('cache-control'), 'no-store');
  });

  it('cookie attributes with COOKIE_SECURE=true: __Host-rcsid=…; Path=/; HttpOnly; Secure; SameSite=Lax', async (t) => {
    const { app } = await setup(t, { COOKIE_SECURE: 'true' });
    const browser = new HttpClient(app.url);
    const home = await browser.page('/');
    assert.match(home.setCookies[0] ?? '', /^__Host-rcsid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('tampered cookie → treated as no session (login page, 401 JSON), never a 500', async (t) => {
    const { app } = await setup(t);
    const browser = await loggedIn(app);
    const value = decodeURIComponent(browser.jar.get('rcsid') ?? '');
    const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.slice(-1);
    for (const cookie of [
      flipped,
      `${value.slice(0, value.lastIndexOf('.'))}`,
      `${'x'.repeat(43)}.${value.slice(value.lastIndexOf('.') + 1)}`,
      '%E0%A4%A',
      'a'.repeat(4000),
    ]) {
      const forged = new HttpClient(app.url);
      forged.jar.set('rcsid', cookie.startsWith('%') ? cookie : encodeURIComponent(cookie));
      const api = await forged.get('/test?api=extension', JSON_ACCEPT);
      assert.equal(api.status, 401, `cookie ${cookie.slice(0, 20)}…`);
      assert.equal(codeOf(api), 'RCAPP_NOT_LOGGED_IN');
      const home = await forged.page('/');
      assert.equal(home.status, 200);
      assert.match(home.text, /Login RingCentral Account/);
    }
    assert.equal(await stillLoggedIn(browser), true, 'the real session is untouched');
  });

  it('logout revokes at the emulator and the old cookie no longer works', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = await loggedIn(app);
    const oldCookie = browser.cookieHeader();
    const out = await browser.page('/logout', { 'sec-fetch-site': 'same-origin' });
    assert.equal(out.status, 302);
    assert.equal((await control(emulator.url).stats()).revoke, 1);
    const replay = await browser.request('/test?api=extension', { headers: { cookie: oldCookie, ...JSON_ACCEPT } });
    assert.equal(replay.status, 401);
  });

  it('cross-site GET /logout changes nothing (confirmation page only)', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = await loggedIn(app);
    for (const site of ['cross-site', 'same-site', undefined]) {
      const headers: Record<string, string> = site === undefined ? {} : { 'sec-fetch-site': site };
      const response = await browser.page('/logout', headers);
      assert.equal(response.status, 200, `Sec-Fetch-Site: ${site ?? '(absent)'}`);
      assert.match(response.text, /<form[^>]*method="post"[^>]*action="\/logout"/);
      assert.equal(response.setCookies.length, 0);
    }
    assert.equal((await control(emulator.url).stats()).revoke, 0);
    assert.equal(await stillLoggedIn(browser), true);
  });

  it('POST /logout without (or with a wrong) CSRF token → 403 RCAPP_CSRF, session kept', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = await loggedIn(app);
    const none = await browser.request('/logout', { method: 'POST', form: {}, headers: JSON_ACCEPT });
    assert.equal(none.status, 403);
    assert.equal(codeOf(none), 'RCAPP_CSRF');
    const wrong = await browser.request('/logout', {
      method: 'POST',
      form: { csrf: 'x'.repeat(43) },
      headers: JSON_ACCEPT,
    });
    assert.equal(wrong.status, 403);
    const crossSite = await browser.request('/logout', {
      method: 'POST',
      form: {},
      headers: { 'sec-fetch-site': 'cross-site', ...JSON_ACCEPT },
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await control(emulator.url).stats()).revoke, 0);
    assert.equal(await stillLoggedIn(browser), true);
  });

  it('POST /logout with the session’s CSRF token logs out', async (t) => {
    const { app } = await setup(t);
    const browser = await loggedIn(app);
    const confirm = await browser.page('/logout', { 'sec-fetch-site': 'cross-site' });
    const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.text)?.[1];
    assert.ok(csrf);
    const out = await browser.post('/logout', { csrf });
    assert.equal(out.status, 302);
    assert.equal(out.location, `${app.url}/?notice=logged-out`);
    assert.equal(await stillLoggedIn(browser), false);
  });

  it('open redirect impossible: returnTo must be a path on this site', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    for (const target of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '/%5Cevil.example',
      'javascript:alert(1)',
      '\t//evil.example',
      '/logout',
      '/oauth2callback?code=x',
    ]) {
      const response = await browser.get(`/login?returnTo=${encodeURIComponent(target)}`, JSON_ACCEPT);
      assert.equal(response.status, 400, `returnTo=${target}`);
      assert.equal(codeOf(response), 'RCAPP_BAD_REQUEST');
    }
    const ok = await browser.get(`/login?returnTo=${encodeURIComponent('/test?api=extension')}`);
    assert.equal(ok.status, 302);
    const callback = await signInAtAuthorizeUrl(ok.location ?? '', USER1);
    const landed = await browser.get(callback);
    assert.equal(landed.location, `${app.url}/test?api=extension`);
  });

  it('security headers: strict CSP, no framing, no referrer, no caching of pages', async (t) => {
    const { emulator, app } = await setup(t);
    const browser = new HttpClient(app.url);
    const home = await browser.page('/');
    const csp = home.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, new RegExp(`form-action 'self' ${emulator.url.replace(/[.]/g, '\\.')}`));
    assert.equal(home.headers.get('x-frame-options'), 'DENY');
    assert.equal(home.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(home.headers.get('cache-control'), 'no-store');
    assert.match(home.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(home.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  });
});

describe('login variants', () => {
  it('popup login: /login?popup=1 → RingCentral → the popup page tells the opener (no opener-severing policy)', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const start = await browser.page('/login?popup=1');
    assert.equal(start.status, 302);
    const callback = await signInAtAuthorizeUrl(start.location ?? '', USER1);
    const done = await browser.page(callback);
    assert.equal(done.status, 200);
    assert.equal(done.headers.get('cross-origin-opener-policy'), 'unsafe-none');
    assert.match(done.text, /data-ok="true"/);
    assert.match(done.text, /data-next="\/"/);
    assert.equal(await stillLoggedIn(browser), true);
    const again = await browser.page('/login?popup=1');
    assert.equal(again.status, 302);
    assert.equal(again.location, `${app.url}/`, 'already logged in: no new login');
  });

  it('popup login that RingCentral refuses shows the failure in the popup page', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const start = await browser.page('/login?popup=1');
    const callback = await signInAtAuthorizeUrl(start.location ?? '', USER1, 'cancel');
    const done = await browser.page(callback);
    assert.equal(done.status, 400);
    assert.match(done.text, /data-ok="false"/);
  });

  it('GET /index is the start page too', async (t) => {
    const { app } = await setup(t);
    const browser = new HttpClient(app.url);
    const index = await browser.page('/index');
    assert.equal(index.status, 200);
    assert.match(index.text, /Login RingCentral Account/);
  });

  it('a login older than 10 minutes is refused at the callback → 400 RCAPP_LOGIN_EXPIRED', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    let now = Date.now();
    const app = await startTestApp(t, { emulator, now: () => now });
    const browser = new HttpClient(app.url);
    const callback = await callbackFor(browser);
    now += 4 * 60_000;
    assert.equal((await browser.page('/')).status, 200, 'the page is reloaded: the session is kept alive');
    now += 7 * 60_000;
    const response = await browser.get(callback.href, JSON_ACCEPT);
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'RCAPP_LOGIN_EXPIRED');
  });
});
