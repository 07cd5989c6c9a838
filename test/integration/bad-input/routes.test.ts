/**
 * Bad input on every route: malformed query strings, repeated or out-of-range parameters, unknown `api` values,
 * oversize or forged cookies, bodies where none belong, wrong methods and content types. Always a clear 4xx
 * (page or JSON), never a 500, never a stack trace, and the session survives.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient, type HttpResponse } from '../../helpers/http-client.js';
import { startTestEmulatorFor, USER1 } from '../support/fixtures.js';

const JSON_ACCEPT = { accept: 'application/json' };

async function loggedIn(t: TestContext) {
  const emulator = await startTestEmulatorFor(t);
  const app = await startTestApp(t, { emulator });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return { app, browser };
}

function assertClear4xx(response: HttpResponse, status: number, code: string, what: string): void {
  assert.equal(response.status, status, `${what}: ${response.text.slice(0, 200)}`);
  assert.equal(response.json<{ code: string }>().code, code, what);
  assert.doesNotMatch(response.text, /\bat [\w.<>]+ \(|node_modules/, `${what}: no stack trace`);
}

describe('bad input', () => {
  it('/test parameters: unknown api, repeated keys, bad page/perPage/format/dates → 400 with the parameter named', async (t) => {
    const { browser } = await loggedIn(t);
    const cases: [string, string, string][] = [
      ['/test?api=contacts', 'RCAPP_UNKNOWN_API', 'api'],
      ['/test?api=%3Cscript%3E', 'RCAPP_UNKNOWN_API', 'api'],
      ['/test?api=extension&api=account-call-log', 'RCAPP_BAD_REQUEST', 'api'],
      ['/test?api=extension&page=0', 'RCAPP_BAD_REQUEST', 'page'],
      ['/test?api=extension&page=-1', 'RCAPP_BAD_REQUEST', 'page'],
      ['/test?api=extension&page=1e3', 'RCAPP_BAD_REQUEST', 'page'],
      ['/test?api=extension&perPage=1001', 'RCAPP_BAD_REQUEST', 'perPage'],
      ['/test?api=extension&perPage=abc', 'RCAPP_BAD_REQUEST', 'perPage'],
      ['/test?api=extension&format=xml', 'RCAPP_BAD_REQUEST', 'format'],
      ['/test?api=extension-call-log&dateFrom=yesterday', 'RCAPP_BAD_REQUEST', 'dateFrom'],
      [`/test?api=extension&page=${'9'.repeat(3000)}`, 'RCAPP_BAD_REQUEST', 'page'],
    ];
    for (const [path, code, parameter] of cases) {
      const response = await browser.get(path, JSON_ACCEPT);
      assertClear4xx(response, 400, code, path.slice(0, 60));
      assert.match(response.json<{ message: string }>().message, new RegExp(`"${parameter}"`));
    }
    const page = await browser.page('/test?api=contacts');
    assert.equal(page.status, 400);
    assert.match(page.text, /extension, extension-call-log, account-call-log/);
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'session kept');
  });

  it('malformed percent-encoding never crashes any route', async (t) => {
    const { browser } = await loggedIn(t);
    for (const path of [
      '/?%zz=1&notice=%E0%A4%A',
      '/test?api=%E0%A4%A',
      '/login?returnTo=%',
      '/oauth2callback?code=%zz&state=%',
      '/test?%=%&api',
    ]) {
      const response = await browser.get(path, JSON_ACCEPT);
      assert.ok(response.status < 500, `${path} → ${response.status}`);
      assert.doesNotMatch(response.text, /\bat [\w.<>]+ \(/);
    }
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  });

  it('/test without api, or with an empty one, goes back to /', async (t) => {
    const { app, browser } = await loggedIn(t);
    for (const path of ['/test', '/test?api=', '/test?foo=bar']) {
      const response = await browser.get(path);
      assert.equal(response.status, 302, path);
      assert.equal(response.location, `${app.url}/`);
    }
  });

  it('not logged in: /test is 401 JSON for APIs and a redirect to / for browsers', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const anonymous = new HttpClient(app.url);
    assertClear4xx(await anonymous.get('/test?api=extension', JSON_ACCEPT), 401, 'RCAPP_NOT_LOGGED_IN', 'json');
    const page = await anonymous.page('/test?api=extension');
    assert.equal(page.status, 302);
    assert.equal(page.location, `${app.url}/`);
  });

  it('bodies where none belong, unknown routes and methods → clear 4xx', async (t) => {
    const { browser } = await loggedIn(t);
    assertClear4xx(
      await browser.request('/', { method: 'POST', body: 'x=1', headers: JSON_ACCEPT }),
      404,
      'RCAPP_NOT_FOUND',
      'POST /',
    );
    assertClear4xx(
      await browser.request('/test?api=extension', {
        method: 'PUT',
        body: '{}',
        headers: { ...JSON_ACCEPT, 'content-type': 'application/json' },
      }),
      404,
      'RCAPP_NOT_FOUND',
      'PUT /test',
    );
    assertClear4xx(await browser.get('/nope', JSON_ACCEPT), 404, 'RCAPP_NOT_FOUND', 'GET /nope');
    assert.equal((await browser.request('/', { method: 'HEAD' })).status, 404, 'HEAD / (no HEAD for session routes)');
    const withBody = await browser.request('/test?api=extension', {
      method: 'GET',
      headers: { ...JSON_ACCEPT, 'content-type': 'text/plain' },
    });
    assert.equal(withBody.status, 200);
    const notFoundPage = await browser.page('/nope');
    assert.equal(notFoundPage.status, 404);
    assert.match(notFoundPage.text, /Page not found/);
  });

  it('POST /logout with a wrong content type → 415, oversize body → 413, malformed JSON → 400', async (t) => {
    const { browser } = await loggedIn(t);
    assertClear4xx(
      await browser.request('/logout', {
        method: 'POST',
        body: 'csrf',
        headers: { ...JSON_ACCEPT, 'content-type': 'text/plain' },
      }),
      415,
      'RCAPP_BAD_REQUEST',
      'text/plain',
    );
    assertClear4xx(
      await browser.request('/logout', {
        method: 'POST',
        body: `csrf=${'x'.repeat(20_000)}`,
        headers: { ...JSON_ACCEPT, 'content-type': 'application/x-www-form-urlencoded' },
      }),
      413,
      'RCAPP_BAD_REQUEST',
      'oversize',
    );
    assertClear4xx(
      await browser.request('/logout', {
        method: 'POST',
        body: '{"csrf":',
        headers: { ...JSON_ACCEPT, 'content-type': 'application/json' },
      }),
      400,
      'RCAPP_BAD_REQUEST',
      'malformed JSON',
    );
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'session kept');
  });

  it('oversize and garbage cookies → anonymous or 431, never a 500', async (t) => {
    const { app } = await loggedIn(t);
    const client = new HttpClient(app.url);
    for (const cookie of [
      'rcsid=' + 'a'.repeat(300),
      'rcsid=%%%; other=1',
      'rcsid',
      '=; ;;',
      'rcsid=' + 'b'.repeat(20_000),
    ]) {
      const response = await client.request('/test?api=extension', { headers: { cookie, ...JSON_ACCEPT } });
      assert.ok(response.status === 401 || response.status === 431, `${cookie.slice(0, 20)} → ${response.status}`);
    }
  });

  it('a forged X-Request-Id is not reflected; a plain one is', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const client = new HttpClient(app.url);
    const forged = await client.get('/healthz', { 'x-request-id': 'abc\u00e9 "injected"' });
    assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const plain = await client.get('/healthz', { 'x-request-id': 'trace-1234-abcd' });
    assert.equal(plain.headers.get('x-request-id'), 'trace-1234-abcd');
  });

  it('assets are served with ETags and 304s; unknown assets are 404', async (t) => {
    const emulator = await startTestEmulatorFor(t);
    const app = await startTestApp(t, { emulator });
    const client = new HttpClient(app.url);
    const css = await client.get('/assets/app.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    const etag = css.headers.get('etag') ?? '';
    assert.ok(etag);
    assert.equal((await client.get('/assets/app.css', { 'if-none-match': etag })).status, 304);
    assert.equal((await client.get('/assets/../package.json')).status, 404);
    assert.equal((await client.get('/assets/nope.js', JSON_ACCEPT)).status, 404);
  });
});
