/**
 * The backend for front-ends over real HTTP: `/api/rc/<RingCentral path>` forwards through the session's client,
 * byte for byte, only the pinned spec's operations, never OAuth, refusing what a cross-site page could send, what
 * the login's scope lacks (without calling RingCentral), unknown paths, oversize and mistyped bodies; the browser's
 * cookie and headers never reach RingCentral; a 401 mid-call refreshes once; the governor's 429 has `Retry-After`;
 * many users at once never see each other's data.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient, type HttpResponse } from '../../helpers/http-client.js';
import { ADMIN, control, raiseLimits, startTestEmulatorFor, tokensOf, USER1, USERS } from '../support/fixtures.js';
import { startProxiedStack } from './support.js';

const ACCOUNT_ID = 400000001000;
const CSRF = { 'x-csrf': '1' };
const ME = '/api/rc/restapi/v1.0/account/~/extension/~';

async function stack(t: TestContext, env: Record<string, string> = {}) {
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  const app = await startTestApp(t, { emulator, env });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return { emulator, app, browser, api: control(emulator.url) };
}

function assertJsonError(response: HttpResponse, status: number, code: string): void {
  assert.equal(response.status, status, response.text.slice(0, 300));
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.json<{ code: string }>().code, code);
}

void describe('backend for front-ends: /api/rc/...', () => {
  void it('forwards a GET through the session: RingCentral’s status, headers and body byte for byte', async (t) => {
    const { app, browser, emulator } = await stack(t);
    const response = await browser.get(`${ME}?detailed=false`, CSRF);
    assert.equal(response.status, 200);
    const tokens = await tokensOf(app, browser);
    const direct = await fetch(`${emulator.url}/restapi/v1.0/account/~/extension/~?detailed=false`, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
    });
    assert.deepEqual(response.body, Buffer.from(await direct.arrayBuffer()), 'the same bytes as RingCentral sent');
    assert.equal(response.headers.get('content-type'), direct.headers.get('content-type'));
    assert.equal(response.headers.get('x-rate-limit-group'), 'Light');
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.json<{ id: number }>().id, ACCOUNT_ID + Number(USER1.extensionNumber));
    const listed = await browser.get('/api/rc/restapi/v1.0/account/~/extension?perPage=2', CSRF);
    assert.equal(listed.status, 200);
    assert.equal(listed.json<{ records: unknown[] }>().records.length, 2);
  });

  void it('refuses what a cross-site page could send (403 RCAPP_CSRF), without calling RingCentral', async (t) => {
    const { app, browser, api } = await stack(t);
    const before = (await api.stats()).rest;
    assertJsonError(await browser.get(ME), 403, 'RCAPP_CSRF');
    assertJsonError(await browser.get(ME, { 'x-csrf': 'yes' }), 403, 'RCAPP_CSRF');
    assertJsonError(
      await browser.request('/api/rc/restapi/v1.0/account/~/extension/~/address-book/contact', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"firstName":"Eve"}',
      }),
      403,
      'RCAPP_CSRF',
    );
    assertJsonError(await browser.get(ME, { ...CSRF, origin: 'https://evil.example' }), 403, 'RCAPP_CSRF');
    assertJsonError(await browser.get(ME, { ...CSRF, 'sec-fetch-site': 'cross-site' }), 403, 'RCAPP_CSRF');
    assertJsonError(await browser.get(ME, { ...CSRF, 'sec-fetch-site': 'same-site' }), 403, 'RCAPP_CSRF');
    const own = await browser.get(ME, { ...CSRF, origin: app.url, 'sec-fetch-site': 'same-origin' });
    assert.equal(own.status, 200, 'the app’s own page is served');
    assert.equal((await api.stats()).rest, (before ?? 0) + 1, 'only the allowed call reached RingCentral');
  });

  void it('not logged in: 401 JSON, never a redirect', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const anonymous = new HttpClient(app.url);
    assertJsonError(await anonymous.get(ME, CSRF), 401, 'RCAPP_NOT_LOGGED_IN');
    assertJsonError(await anonymous.get(ME, { ...CSRF, accept: 'text/html' }), 401, 'RCAPP_NOT_LOGGED_IN');
  });

  void it('only operations of the pinned spec, never OAuth: anything else is 404 JSON', async (t) => {
    const { browser, api } = await stack(t);
    const before = (await api.stats()).rest;
    for (const path of [
      '/api/rc/restapi/v1.0/no/such/thing',
      '/api/rc/restapi/oauth/token',
      '/api/rc/restapi/oauth/revoke',
      '/api/rc/restapi/v1.0/account/~/extension/..',
      '/api/rc/restapi/v1.0/account/~/extension/%2E%2E',
      '/api/rc/restapi/v1.0/account/~/extension/~/',
      '/api/rc/',
      '/api/rc/__emulator/stats',
    ]) {
      assertJsonError(await browser.get(path, CSRF), 404, 'RCAPP_NOT_FOUND');
    }
    assertJsonError(
      await browser.request('/api/rc/restapi/oauth/token', { method: 'POST', headers: CSRF, form: { a: 'b' } }),
      404,
      'RCAPP_NOT_FOUND',
    );
    assert.equal((await api.stats()).rest, before, 'none reached RingCentral');
  });

  void it('a permission the login lacks is refused here, naming it, without calling RingCentral', async (t) => {
    const { browser, api } = await stack(t);
    const before = await api.stats();
    const refused = await browser.get('/api/rc/restapi/v1.0/account/~/extension/~/message-store', CSRF);
    assertJsonError(refused, 403, 'RCAPP_PERMISSION_DENIED');
    assert.match(refused.json<{ message: string }>().message, /"ReadMessages" permission/);
    assert.deepEqual(await api.stats(), before);
  });

  void it('BFF_OPERATIONS narrows what is forwarded (operationIds and tags)', async (t) => {
    const { browser } = await stack(t, { BFF_OPERATIONS: 'readExtension' });
    assert.equal((await browser.get(ME, CSRF)).status, 200);
    assertJsonError(await browser.get('/api/rc/restapi/v1.0/account/~/extension', CSRF), 404, 'RCAPP_NOT_FOUND');
  });

  void it('bounds and checks request bodies: 413 beyond BFF_BODY_LIMIT, 415 for a type the operation does not take', async (t) => {
    const { browser, api } = await stack(t, { BFF_BODY_LIMIT: '64' });
    const before = (await api.stats()).rest;
    const contacts = '/api/rc/restapi/v1.0/account/~/extension/~/address-book/contact';
    const big = await browser.request(contacts, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'x'.repeat(200) }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.json<{ code: string }>().code, 'RCAPP_BAD_REQUEST');
    const text = await browser.request(contacts, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'text/plain' },
      body: 'hello',
    });
    assertJsonError(text, 415, 'RCAPP_BAD_REQUEST');
    const bodyOnDelete = await browser.request(`${contacts}/1`, {
      method: 'DELETE',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body: '{}',
    });
    assertJsonError(bodyOnDelete, 415, 'RCAPP_BAD_REQUEST');
    assert.match(bodyOnDelete.json<{ message: string }>().message, /"deleteContact" takes no request body/);
    assert.equal((await api.stats()).rest, before, 'none reached RingCentral');
  });

  void it('the browser’s cookie, Authorization and X-CSRF never reach RingCentral; allowed headers do', async (t) => {
    const { app, browser, proxy } = await startProxiedStack(t);
    proxy.seen.length = 0;
    const response = await browser.get(ME, {
      ...CSRF,
      authorization: 'Bearer stolen-or-forged',
      'if-none-match': '"v1"',
      'x-forwarded-for': '203.0.113.9',
      'x-custom': 'nope',
    });
    assert.equal(response.status, 200);
    const call = proxy.seen.find((r) => r.path.startsWith('/restapi/v1.0/account/~/extension/~'));
    assert.ok(call, 'the call reached RingCentral');
    const tokens = await tokensOf(app, browser);
    assert.equal(call.headers.authorization, `Bearer ${tokens.accessToken}`, 'the session’s token, not the browser’s');
    assert.equal(call.headers.cookie, undefined);
    assert.equal(call.headers['x-csrf'], undefined);
    assert.equal(call.headers['x-forwarded-for'], undefined);
    assert.equal(call.headers['x-custom'], undefined);
    assert.equal(call.headers['if-none-match'], '"v1"');
  });

  void it('a 401 mid-call refreshes once and retries; the governor’s 429 says when to come back', async (t) => {
    const { browser, api } = await stack(t);
    await api.advanceClock(3_700);
    assert.equal((await browser.get(ME, CSRF)).status, 200, 'refreshed and retried');
    assert.equal((await api.stats())['token.refresh_token'], 1);
    await api.limits({ group: 'Light', limit: 1, windowSeconds: 60 });
    assert.equal((await browser.get(ME, CSRF)).status, 200, 'the last call of the window');
    const before = (await api.stats()).rest;
    const limited = await browser.get(ME, CSRF);
    assertJsonError(limited, 429, 'RCAPP_RATE_LIMITED');
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal((await api.stats()).rest, before, 'refused here, before RingCentral would');
    assert.equal((await api.stats()).rateLimited, 0);
  });

  void it('counts every forwarded call per operation in the readiness report', async (t) => {
    const admin = 'an-admin-token-of-at-least-32-characters!!';
    const { browser } = await stack(t, { ADMIN_TOKEN: admin });
    for (let i = 0; i < 3; i++) await browser.get(ME, CSRF);
    await browser.get('/api/rc/restapi/v1.0/account/~/extension', CSRF);
    const report = await browser.get('/admin/readiness', {
      authorization: `Bearer ${admin}`,
      accept: 'application/json',
    });
    assert.equal(report.status, 200);
    const endpoints = report.json<{ endpoints: { operationId: string; calls: number }[] }>().endpoints;
    assert.equal(endpoints.find((e) => e.operationId === 'readExtension')?.calls, 3 + 1, 'three here, one at login');
    assert.equal(endpoints.find((e) => e.operationId === 'listExtensions')?.calls, 1);
  });

  void it('many users at once never see each other’s data', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const app: TestApp = await startTestApp(t, { emulator, env: { LOG_LEVEL: 'warn' } });
    const users = [ADMIN, ...USERS.slice(0, 5)];
    const browsers = await Promise.all(
      users.map(async (user) => {
        const browser = new HttpClient(app.url);
        await browser.loginAs(user.username, user.password);
        return { browser, ownId: ACCOUNT_ID + Number(user.extensionNumber) };
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const { browser, ownId } = browsers[(i * 5) % browsers.length]!;
        const response = await browser.get(ME, CSRF);
        return { response, ownId };
      }),
    );
    let leaks = 0;
    for (const { response, ownId } of results) {
      assert.equal(response.status, 200, response.text.slice(0, 200));
      if (response.json<{ id: number }>().id !== ownId) leaks += 1;
    }
    assert.equal(leaks, 0);
  });
});
