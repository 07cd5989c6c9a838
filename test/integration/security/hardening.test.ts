/**
 * Security hardening: per-IP rate limiting of the login routes (honouring TRUST_PROXY, on the app's clock),
 * Secure cookies behind an https-terminating proxy and nothing taken from spoofed X-Forwarded-* headers without
 * one, the strict CSP and companion headers on every page of a full walk, reflected input escaped where it is
 * shown (RingCentral's `error_description`), and open-redirect attempts through `returnTo`.
 * (The base security table — state, PKCE, replay, fixation, cookie attributes, CSRF-safe logout — is
 * `test/integration/security/table.test.ts`.)
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { loadConfig } from '../../../src/config.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl, unescapeHtml } from '../../helpers/http-client.js';
import { ADMIN, raiseLimits, USER1 } from '../support/fixtures.js';
import { assertNothingReflected, assertStrictPage, XSS_PAYLOADS } from '../support/checks.js';

const JSON_ACCEPT = { accept: 'application/json' };

async function emulatorFor(t: TestContext): Promise<RunningEmulator> {
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  await raiseLimits(emulator.url);
  return emulator;
}

describe('login rate limit (LOGIN_RATE_LIMIT, per client IP)', () => {
  it('the default is 60 requests per minute', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t) });
    assert.deepEqual(app.config.loginRateLimit, { max: 60, windowMs: 60_000 });
  });

  it('over the limit: 429 RCAPP_TOO_MANY_LOGINS with Retry-After (JSON and page); allowed again after the window', async (t) => {
    let now = Date.now();
    const app = await startTestApp(t, {
      emulator: await emulatorFor(t),
      env: { LOGIN_RATE_LIMIT: '5/min' },
      now: () => now,
    });
    const client = new HttpClient(app.url);
    for (let i = 0; i < 5; i++) {
      assert.equal((await client.get('/login', JSON_ACCEPT)).status, 302, `request ${i + 1} is allowed`);
    }
    const json = await client.get('/login', JSON_ACCEPT);
    assert.equal(json.status, 429);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_TOO_MANY_LOGINS');
    assert.equal(json.headers.get('retry-after'), '60');
    const page = await client.page('/login');
    assert.equal(page.status, 429);
    assert.match(page.text, /Too many login attempts/);
    assert.match(page.text, /try again in \d+ s/);
    assertStrictPage(page.headers.get('content-security-policy') ?? undefined, page.text, '429 page');
    now += 30_000;
    const later = await client.get('/login', JSON_ACCEPT);
    assert.equal(later.status, 429);
    assert.equal(later.headers.get('retry-after'), '30', 'Retry-After counts down on the app clock');
    now += 30_001;
    assert.equal((await client.get('/login', JSON_ACCEPT)).status, 302, 'a new window');
  });

  it('the login routes share one budget: /login, the callback and / for anonymous visitors', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t), env: { LOGIN_RATE_LIMIT: '4/min' } });
    const client = new HttpClient(app.url);
    assert.equal((await client.page('/')).status, 200);
    assert.equal((await client.page('/index')).status, 200);
    assert.equal((await client.get('/login')).status, 302);
    assert.equal((await client.get('/oauth2callback?code=x&state=y', JSON_ACCEPT)).status, 400);
    for (const path of ['/', '/index', '/login', '/oauth2callback?code=x&state=y']) {
      const response = await client.get(path, JSON_ACCEPT);
      assert.equal(response.status, 429, path);
      assert.equal(response.json<{ code: string }>().code, 'RCAPP_TOO_MANY_LOGINS');
    }
    for (const path of ['/healthz', '/test?api=extension', '/assets/app.css', '/logout']) {
      assert.notEqual((await client.get(path, JSON_ACCEPT)).status, 429, `${path} is not limited`);
    }
  });

  it('logged-in users on / are not counted; their session keeps working while anonymous floods are refused', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t), env: { LOGIN_RATE_LIMIT: '3/min' } });
    const user = new HttpClient(app.url);
    await user.loginAs(USER1.username, USER1.password); // GET / and the callback: 2 of 3
    for (let i = 0; i < 10; i++) assert.equal((await user.page('/')).status, 200, `logged-in visit ${i + 1}`);
    const anonymous = new HttpClient(app.url);
    assert.equal((await anonymous.page('/')).status, 200);
    assert.equal((await anonymous.page('/')).status, 429);
    assert.equal((await user.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  });

  it('a flood of anonymous visits cannot fill the session store', async (t) => {
    const map = new Map<string, string>();
    const app = await startTestApp(t, {
      emulator: await emulatorFor(t),
      env: { LOGIN_RATE_LIMIT: '10/min' },
      store: createMemoryStore({ now: Date.now, map }),
    });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      // A fresh client each time: no cookie, as a flooding script would do.
      const response = await new HttpClient(app.url).get('/', JSON_ACCEPT);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(statuses), { 200: 10, 429: 90 });
    assert.equal(map.size, 10, 'one login transaction per allowed visit, none for refused ones');
  });

  it('TRUST_PROXY off: spoofed X-Forwarded-For values do not escape the limit (the socket address is the key)', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t), env: { LOGIN_RATE_LIMIT: '3/min' } });
    const client = new HttpClient(app.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await client.get('/login', { 'x-forwarded-for': `203.0.113.${i}` })).status);
    }
    assert.deepEqual(statuses, [302, 302, 302, 429, 429, 429]);
    const logged = app.logLines.filter((line) => line.includes('"remoteAddress"'));
    assert.ok(logged.length > 0);
    assert.ok(
      logged.every((line) => !line.includes('203.0.113.')),
      'the spoofed address is not taken as the client',
    );
  });

  it('TRUST_PROXY on: each client behind the proxy has its own budget (X-Forwarded-For)', async (t) => {
    const app = await startTestApp(t, {
      emulator: await emulatorFor(t),
      env: { LOGIN_RATE_LIMIT: '2/min', TRUST_PROXY: 'loopback' },
    });
    const client = new HttpClient(app.url);
    const as = (ip: string) => client.get('/login', { 'x-forwarded-for': ip });
    assert.equal((await as('203.0.113.1')).status, 302);
    assert.equal((await as('203.0.113.1')).status, 302);
    assert.equal((await as('203.0.113.1')).status, 429);
    assert.equal((await as('203.0.113.2')).status, 302, 'another client behind the same proxy');
    assert.ok(app.logLines.some((line) => line.includes('"remoteAddress":"203.0.113.2"')));
  });

  it('TRUST_PROXY on: IPv6 clients are grouped by /56 (60 different /64s of one /56 are one client)', async (t) => {
    const app = await startTestApp(t, {
      emulator: await emulatorFor(t),
      env: { LOGIN_RATE_LIMIT: '10/min', TRUST_PROXY: 'loopback' },
    });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      // A fresh browser each time, from another /64 of 2001:db8:ab:cd00::/56.
      const ip = `2001:db8:ab:cd${i.toString(16).padStart(2, '0')}::${i + 1}`;
      const response = await new HttpClient(app.url).get('/login', { 'x-forwarded-for': ip });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(statuses), { 302: 10, 429: 50 });
    const neighbour = await new HttpClient(app.url).get('/login', { 'x-forwarded-for': '2001:db8:ab:ce00::1' });
    assert.equal(neighbour.status, 302, 'the next /56 is another client');
    const mapped = new HttpClient(app.url);
    for (let i = 0; i < 10; i++) await mapped.get('/login', { 'x-forwarded-for': '198.51.100.9' });
    const sameV4 = await new HttpClient(app.url).get('/login', { 'x-forwarded-for': '::ffff:198.51.100.9' });
    assert.equal(sameV4.status, 429, 'an IPv4-mapped address is its IPv4 client');
  });

  it('one client holds at most the limit’s count of logins in progress, however long it keeps going', async (t) => {
    let now = Date.now();
    const map = new Map<string, string>();
    const emulator = await emulatorFor(t);
    const app = await startTestApp(t, {
      emulator,
      env: { LOGIN_RATE_LIMIT: '3/min' },
      now: () => now,
      store: createMemoryStore({ now: () => now, map }),
    });
    const first = new HttpClient(app.url);
    const authorizeUrl = await first.startLogin();
    for (let i = 0; i < 2; i++) assert.equal((await new HttpClient(app.url).get('/login')).status, 302);
    assert.equal(map.size, 3, 'three logins in progress');

    now += 61_000; // a new rate-limit window: the request budget is back, the logins in progress are not
    const refused = await new HttpClient(app.url).get('/login', JSON_ACCEPT);
    assert.equal(refused.status, 429);
    assert.equal(refused.json<{ code: string }>().code, 'RCAPP_TOO_MANY_LOGINS');
    assert.equal(refused.headers.get('retry-after'), String(600 - 61), 'until the oldest login times out');
    assert.equal(map.size, 3, 'no session record for the refused login');
    assert.equal((await first.page('/')).status, 200, 'a browser reuses its own login in progress');

    // Finishing a login frees its place.
    const callback = await signInAtAuthorizeUrl(authorizeUrl, USER1);
    assert.equal((await first.page(callback)).status, 302);
    now += 61_000;
    assert.equal((await new HttpClient(app.url).get('/login')).status, 302);
    assert.equal((await new HttpClient(app.url).get('/login')).status, 429, 'three in progress again');

    now += 600_000; // every login in progress has timed out
    assert.equal((await new HttpClient(app.url).get('/login')).status, 302);
    assert.equal((await new HttpClient(app.url).get('/login')).status, 302);
  });

  it('LOGIN_RATE_LIMIT=off turns the limit off; bad values are refused at start', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t), env: { LOGIN_RATE_LIMIT: 'off' } });
    const client = new HttpClient(app.url);
    for (let i = 0; i < 80; i++) assert.equal((await client.get('/login')).status, 302);
    for (const bad of ['0/min', 'lots', '5/day', '-1/s', '1.5/min']) {
      assert.throws(
        () => loadConfig({ LOGIN_RATE_LIMIT: bad }),
        /LOGIN_RATE_LIMIT: must be off or <count>\/<s\|min\|hour>/,
        bad,
      );
    }
    assert.deepEqual(loadConfig({ LOGIN_RATE_LIMIT: '100/hour' }).loginRateLimit, { max: 100, windowMs: 3_600_000 });
    assert.deepEqual(loadConfig({ LOGIN_RATE_LIMIT: '5 / s' }).loginRateLimit, { max: 5, windowMs: 1000 });
  });
});

describe('behind an https-terminating proxy', () => {
  it('TRUST_PROXY=true, X-Forwarded-Proto: https, https RC_REDIRECT_URL: Secure __Host- cookie, HSTS, login works', async (t) => {
    const emulator = await emulatorFor(t);
    const app = await startTestApp(t, {
      emulator,
      env: { TRUST_PROXY: 'true', RC_REDIRECT_URL: 'https://app.example.test/oauth2callback', COOKIE_SECURE: 'auto' },
    });
    const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test' };
    const browser = new HttpClient(app.url);
    const home = await browser.page('/', proxied);
    assert.equal(home.status, 200);
    assert.match(home.setCookies[0] ?? '', /^__Host-rcsid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    assert.match(home.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    // RingCentral sends the browser to the public https URL; the proxy hands it to the app.
    const authorizeUrl = unescapeHtml(/href="([^"]*\/restapi\/oauth\/authorize\?[^"]*)"/.exec(home.text)?.[1] ?? '');
    assert.equal(new URL(authorizeUrl).searchParams.get('redirect_uri'), 'https://app.example.test/oauth2callback');
    const callback = new URL(await signInAtAuthorizeUrl(authorizeUrl, USER1));
    assert.equal(callback.origin, 'https://app.example.test');
    const landed = await browser.page(`${callback.pathname}${callback.search}`, proxied);
    assert.equal(landed.status, 302);
    assert.match(landed.setCookies[0] ?? '', /^__Host-rcsid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    assert.equal((await browser.get('/test?api=extension', { ...proxied, ...JSON_ACCEPT })).status, 200);
  });

  it('TRUST_PROXY off: spoofed X-Forwarded-Proto/Host change nothing (no Secure, no HSTS, no foreign host)', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t) });
    const spoofed = {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-for': '198.51.100.7',
      forwarded: 'for=198.51.100.7;proto=https;host=evil.example',
    };
    const browser = new HttpClient(app.url);
    const home = await browser.page('/', spoofed);
    assert.match(home.setCookies[0] ?? '', /^rcsid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/, 'no Secure on plain http');
    assert.equal(home.headers.get('strict-transport-security'), null);
    assert.ok(!home.text.includes('evil.example'));
    const login = await browser.get('/login', spoofed);
    assert.ok(!(login.location ?? '').includes('evil.example'));
    assert.ok(app.logLines.every((line) => !line.includes('198.51.100.7')));
  });

  it('COOKIE_SECURE=auto follows RC_REDIRECT_URL, never request headers: https there means Secure even without a proxy header', async (t) => {
    const app = await startTestApp(t, {
      emulator: await emulatorFor(t),
      env: { RC_REDIRECT_URL: 'https://app.example.test/oauth2callback' },
    });
    const home = await new HttpClient(app.url).page('/', { 'x-forwarded-proto': 'http' });
    assert.match(home.setCookies[0] ?? '', /^__Host-rcsid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });
});

describe('pages: strict CSP everywhere, nothing reflected', () => {
  it('every page of a full walk (anonymous, logged in, errors, popup, logout) has the strict CSP and no inline script', async (t) => {
    const emulator = await emulatorFor(t);
    const app = await startTestApp(t, { emulator, env: { LOGIN_RATE_LIMIT: 'off' } });
    const pages = new Map<string, { csp: string | undefined; html: string; headers: Headers }>();
    const visit = async (client: HttpClient, path: string, headers: Record<string, string> = {}) => {
      const response = await client.page(path, headers);
      if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
        pages.set(`${response.status} ${path}`, {
          csp: response.headers.get('content-security-policy') ?? undefined,
          html: response.text,
          headers: response.headers,
        });
      }
      return response;
    };
    const anonymous = new HttpClient(app.url);
    await visit(anonymous, '/');
    await visit(anonymous, '/?notice=logged-out');
    await visit(anonymous, '/nope');
    await visit(anonymous, '/oauth2callback');
    await visit(anonymous, '/test?api=contacts');
    const admin = new HttpClient(app.url);
    await admin.loginAs(ADMIN.username, ADMIN.password);
    for (const path of [
      '/',
      '/test?api=extension',
      '/test?api=extension-call-log',
      '/test?api=account-call-log',
      '/test?api=extension-call-log&page=2&perPage=10',
      '/logout',
    ]) {
      await visit(admin, path);
    }
    const user = new HttpClient(app.url);
    await user.loginAs(USER1.username, USER1.password);
    await visit(user, '/test?api=account-call-log'); // permission denied page
    const popup = new HttpClient(app.url);
    const start = await popup.page('/login?popup=1');
    await visit(popup, await signInAtAuthorizeUrl(start.location ?? '', USER1));
    assert.ok(pages.size >= 12, `${pages.size} pages checked`);
    const scripts = new Set<string>();
    for (const [what, page] of pages) {
      assertStrictPage(page.csp, page.html, what);
      assert.equal(page.headers.get('x-frame-options'), 'DENY', what);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer', `${what}: no token-bearing referrer`);
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff', what);
      assert.equal(page.headers.get('cache-control'), 'no-store', what);
      for (const match of page.html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) scripts.add(match[1]!);
    }
    for (const src of scripts) {
      const script = await anonymous.get(src);
      assert.equal(script.status, 200, `${src} is served`);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
    }
  });

  it("RingCentral's error_description is shown escaped (the one place the app shows text from a URL)", async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t) });
    for (const payload of XSS_PAYLOADS) {
      const browser = new HttpClient(app.url);
      const state = new URL(await browser.startLogin()).searchParams.get('state') ?? '';
      const page = await browser.page(
        `/oauth2callback?error=invalid_request&error_description=${encodeURIComponent(payload)}&state=${state}`,
      );
      assert.equal(page.status, 400);
      assert.match(page.text, /RCAPP_LOGIN_FAILED/);
      assertNothingReflected(page.text, payload);
      const escaped = payload
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
      assert.ok(
        page.text.includes(escaped) || page.text.includes(escaped.replace(/'/g, '&#39;')),
        `the description is shown, escaped: ${escaped}`,
      );
    }
  });

  it('returnTo: every open-redirect trick is refused or lands on a path of this site', async (t) => {
    const app = await startTestApp(t, { emulator: await emulatorFor(t), env: { LOGIN_RATE_LIMIT: 'off' } });
    const tricks = [
      'https://evil.example/',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/%2F%2Fevil.example',
      '/%5C%5Cevil.example',
      '%2F%2Fevil.example',
      '/%09/evil.example',
      '/\t/evil.example',
      '/ /evil.example',
      'https:evil.example',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '/.//evil.example',
      '/..//evil.example',
      '/%2e%2e//evil.example',
      '/test%0d%0aLocation:%20https://evil.example',
      '/test\r\nLocation: https://evil.example',
      '//evil.example@app',
      '/@evil.example',
      `/${'a'.repeat(600)}`,
    ];
    for (const trick of tricks) {
      const browser = new HttpClient(app.url);
      const start = await browser.get(`/login?returnTo=${encodeURIComponent(trick)}`, JSON_ACCEPT);
      if (start.status === 400) continue;
      assert.equal(start.status, 302, trick);
      const landed = await browser.get(await signInAtAuthorizeUrl(start.location ?? '', USER1));
      assert.equal(landed.status, 302, trick);
      const location = new URL(landed.location ?? '');
      assert.equal(location.origin, app.url, `${JSON.stringify(trick)} lands on this site (${landed.location})`);
      assert.ok(!location.pathname.startsWith('//'), trick);
    }
  });
});
