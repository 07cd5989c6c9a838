/**
 * RingCentral failing, through the emulator's fault API and a switchable TCP forwarder in front of it: each
 * fault gives a clear message (page and JSON), never a 500 or internals, and keeps the session — once the fault
 * clears, the same cookie works with no new login. 429: the app does not storm — it remembers `Retry-After` per
 * session and rate-limit group and answers locally until it passes (counted at the emulator), so RingCentral's
 * penalty is not extended. 401: exactly one refresh and one retry. A refresh token RingCentral no longer honours:
 * logged out cleanly.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startEmulator } from '../../../emulator/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient, type HttpResponse } from '../../helpers/http-client.js';
import { control, raiseLimits, sessionIdOf, tokensOf, USER1 } from '../support/fixtures.js';
import { assertNoInternals } from '../support/checks.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const JSON_ACCEPT = { accept: 'application/json' };

interface Rig {
  readonly app: TestApp;
  readonly browser: HttpClient;
  readonly api: ReturnType<typeof control>;
  readonly proxy: TcpProxy;
  /** Moves the app's clock (ms). */
  advanceApp(ms: number): void;
}

/** Emulator ← TCP forwarder ← app (own clock), one user logged in, REST limits raised. */
async function rig(t: TestContext, env: Record<string, string> = {}): Promise<Rig> {
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  const proxy = await startTcpProxy(emulator.url);
  t.after(() => proxy.close());
  let offset = 0;
  const app = await startTestApp(t, {
    emulator: { url: proxy.url, registerRedirectUri: (uri) => emulator.registerRedirectUri(uri) },
    env,
    now: () => Date.now() + offset,
  });
  await raiseLimits(emulator.url);
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return {
    app,
    browser,
    api: control(emulator.url),
    proxy,
    advanceApp: (ms) => {
      offset += ms;
    },
  };
}

function codeOf(response: HttpResponse): string {
  return response.json<{ code: string }>().code;
}

/** The session is still stored and the same cookie works again (no new login). */
async function assertSessionKept(r: Rig, what: string): Promise<void> {
  const id = sessionIdOf(r.app, r.browser);
  assert.ok(id !== undefined && (await r.app.store.get(id)) !== undefined, `${what}: the session is still stored`);
  const again = await r.browser.get('/test?api=extension', JSON_ACCEPT);
  assert.equal(again.status, 200, `${what}: the same cookie works once the fault clears`);
}

describe('RingCentral faults (hardening)', () => {
  const statusFaults = [
    { status: 500, page: 502, code: 'RCAPP_UPSTREAM_ERROR', text: /RingCentral answered with HTTP 500/ },
    { status: 502, page: 502, code: 'RCAPP_UPSTREAM_ERROR', text: /RingCentral answered with HTTP 502/ },
    { status: 503, page: 502, code: 'RCAPP_UPSTREAM_ERROR', text: /RingCentral answered with HTTP 503/ },
    { status: 504, page: 502, code: 'RCAPP_UPSTREAM_ERROR', text: /RingCentral answered with HTTP 504/ },
  ];
  for (const fault of statusFaults) {
    it(`REST ${fault.status}: page ${fault.page} ${fault.code}, JSON passes RingCentral's ${fault.status} on; session kept`, async (t) => {
      const r = await rig(t);
      await r.api.fault({ route: 'rest', status: fault.status, count: 1 });
      const page = await r.browser.page('/test?api=extension');
      assert.equal(page.status, fault.page);
      assert.match(page.text, new RegExp(fault.code));
      assert.match(page.text, fault.text);
      assertNoInternals(page.text, 'page');
      await r.api.fault({ route: 'rest', status: fault.status, count: 1 });
      const json = await r.browser.get('/test?api=extension', JSON_ACCEPT);
      assert.equal(json.status, fault.status, 'JSON clients get RingCentral’s status');
      assertNoInternals(json.text, 'json');
      await assertSessionKept(r, `REST ${fault.status}`);
    });
  }

  it('token endpoint 503 during a refresh: 502 with a clear message, session kept, next request refreshes', async (t) => {
    const r = await rig(t);
    await r.api.advanceClock(3600 + 120);
    r.advanceApp((3600 + 120) * 1000);
    await r.api.fault({ route: 'token', status: 503, count: 1 });
    const json = await r.browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 502);
    assert.equal(codeOf(json), 'RCAPP_UPSTREAM_ERROR');
    await assertSessionKept(r, 'refresh 503');
    assert.equal((await r.api.stats())['token.refresh_token'], 2, 'the failed refresh and the good one');
  });

  it('slow REST answer past UPSTREAM_TIMEOUT_MS: 504 within the bound, clear message, session kept', async (t) => {
    const r = await rig(t, { UPSTREAM_TIMEOUT_MS: '400' });
    await r.api.fault({ route: 'rest', delayMs: 5000, count: 2 });
    for (const [kind, request] of [
      ['json', () => r.browser.get('/test?api=extension', JSON_ACCEPT)],
      ['page', () => r.browser.page('/test?api=extension')],
    ] as const) {
      const started = performance.now();
      const response = await request();
      const took = performance.now() - started;
      assert.equal(response.status, 504, kind);
      assert.match(response.text, /RCAPP_UPSTREAM_TIMEOUT/);
      assert.match(response.text, /did not answer within 400 ms/);
      assert.ok(took < 3000, `${kind}: ended after ${Math.round(took)} ms, bounded by the timeout`);
    }
    await assertSessionKept(r, 'slow REST');
  });

  it('slow token endpoint during a refresh: 504 within the bound, session kept, next request refreshes', async (t) => {
    const r = await rig(t, { UPSTREAM_TIMEOUT_MS: '400' });
    await r.api.advanceClock(3600 + 120);
    r.advanceApp((3600 + 120) * 1000);
    await r.api.fault({ route: 'token', delayMs: 5000, count: 1 });
    const started = performance.now();
    const page = await r.browser.page('/test?api=extension');
    assert.equal(page.status, 504);
    assert.match(page.text, /RingCentral timed out/);
    assert.ok(performance.now() - started < 3000, 'bounded by UPSTREAM_TIMEOUT_MS');
    await assertSessionKept(r, 'slow refresh');
  });

  it('the default upstream timeout is 10 s (UPSTREAM_TIMEOUT_MS unset)', async (t) => {
    const emulator = await startEmulator({ port: 0 });
    t.after(() => emulator.close());
    const app = await startTestApp(t, { emulator, env: { UPSTREAM_TIMEOUT_MS: '' } });
    assert.equal(app.config.upstreamTimeoutMs, 10_000);
  });

  it('connection refused: 503 with a clear message, session kept; RingCentral back: the same cookie works', async (t) => {
    const r = await rig(t);
    await r.proxy.stop();
    const json = await r.browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 503);
    assert.equal(codeOf(json), 'RCAPP_UPSTREAM_UNAVAILABLE');
    const page = await r.browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 503);
    assert.match(page.text, /RingCentral unreachable/);
    assertNoInternals(page.text, 'refused page');
    await r.proxy.start();
    await assertSessionKept(r, 'refused');
  });

  it('401 from RingCentral: exactly one refresh and one retry, then 200 (JSON and page)', async (t) => {
    const r = await rig(t);
    for (const [kind, request] of [
      ['json', () => r.browser.get('/test?api=extension', JSON_ACCEPT)],
      ['page', () => r.browser.page('/test?api=extension')],
    ] as const) {
      const before = await r.api.stats();
      await r.api.fault({ route: 'rest', status: 401, count: 1 });
      const response = await request();
      assert.equal(response.status, 200, kind);
      const after = await r.api.stats();
      assert.equal(after['token.refresh_token']! - before['token.refresh_token']!, 1, `${kind}: one refresh`);
      assert.equal(after.rest! - before.rest!, 2, `${kind}: the call and one retry`);
    }
    await assertSessionKept(r, '401');
  });

  it('401 that persists after the refresh: no loop (one refresh, one retry); JSON gets the 401, session kept', async (t) => {
    const r = await rig(t);
    const before = await r.api.stats();
    await r.api.fault({ route: 'rest', status: 401, count: 2 });
    const json = await r.browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 401);
    const after = await r.api.stats();
    assert.equal(after['token.refresh_token']! - before['token.refresh_token']!, 1);
    assert.equal(after.rest! - before.rest!, 2);
    await assertSessionKept(r, 'persistent 401');
  });

  it('refresh token revoked at RingCentral: logged out cleanly after one refresh attempt', async (t) => {
    const r = await rig(t);
    const tokens = await tokensOf(r.app, r.browser);
    const revoked = await fetch(`${r.proxy.url}/restapi/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-client-id:demo-client-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.refreshToken ?? '' }).toString(),
    });
    assert.equal(revoked.status, 200);
    const id = sessionIdOf(r.app, r.browser) ?? '';
    const before = await r.api.stats();
    const page = await r.browser.page('/test?api=extension');
    assert.equal(page.status, 302);
    assert.equal(page.location, `${r.app.url}/?notice=session-ended`);
    // The old session is gone; the cookie now names a fresh one holding a login that returns to this page.
    assert.notEqual(sessionIdOf(r.app, r.browser), id, 'the cookie names another session');
    assert.equal(await r.app.store.get(id), undefined, 'the session is destroyed');
    const after = await r.api.stats();
    assert.ok(after['token.refresh_token']! - before['token.refresh_token']! <= 1, 'at most one refresh attempt');
    const notice = await r.browser.page(page.location);
    assert.match(notice.text, /Your RingCentral session has ended, please log in again\./);
    const json = await r.browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(json.status, 401);
    assert.equal(codeOf(json), 'RCAPP_NOT_LOGGED_IN');
  });
});

describe('429 from RingCentral: no retry storm', () => {
  // The app may wait for a slot, up to RATE_LIMIT_MAX_WAIT_MS, before it tells the user: kept short here.
  const WAIT_BOUND = { RATE_LIMIT_MAX_WAIT_MS: '1000' };

  /** N user requests in a row, alternating JSON and pages: each a 429 telling the user how long to wait, within the bound. */
  async function askRepeatedly(r: Rig, path: string, n: number, maxWait: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const json = i % 2 === 0;
      const started = performance.now();
      const response = json ? await r.browser.get(path, JSON_ACCEPT) : await r.browser.page(path);
      assert.equal(response.status, 429, `request ${i}`);
      const retryAfter = Number(response.headers.get('retry-after'));
      // RingCentral's wait, plus at most a few seconds of safety margin the app may add.
      assert.ok(retryAfter >= 1 && retryAfter <= maxWait + 5, `Retry-After ${retryAfter}`);
      assert.match(response.text, /RCAPP_RATE_LIMITED/);
      assert.match(response.text, /try again in \d+ s/);
      if (json) assert.equal(response.json<{ retryAfterSeconds: number }>().retryAfterSeconds, retryAfter);
      assert.ok(
        performance.now() - started < 2000,
        `told at once, not kept waiting (${Math.round(performance.now() - started)} ms, request ${i})`,
      );
    }
  }

  it('a 429 with Retry-After: further calls to that group are answered locally until it passes (counted at RingCentral)', async (t) => {
    const r = await rig(t, WAIT_BOUND);
    await r.api.fault({ route: 'rest', status: 429, count: 1 });
    const first = await r.browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '60', 'RingCentral’s Retry-After reaches the client');
    const before = await r.api.stats();

    await askRepeatedly(r, '/test?api=extension', 12, 60);
    const after = await r.api.stats();
    assert.equal(after['rest.Medium'], before['rest.Medium'], '12 user requests, 0 calls to RingCentral');
    assert.equal(after.rateLimited, before.rateLimited);

    // Other rate-limit groups are not held back.
    assert.equal((await r.browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    r.advanceApp(61_000);
    assert.equal((await r.browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'after Retry-After');
    assert.equal((await r.api.stats())['rest.Medium'], before['rest.Medium']! + 1);
    await assertSessionKept(r, '429');
  });

  it('RingCentral’s penalty: at most one call reaches it during the penalty, and it is not extended', async (t) => {
    const r = await rig(t, WAIT_BOUND);
    await r.api.limits({ group: 'Heavy', limit: 1, windowSeconds: 20, penaltySeconds: 30 });
    assert.equal((await r.browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    const before = await r.api.stats();
    await askRepeatedly(r, '/test?api=extension-call-log', 12, 30);
    const after = await r.api.stats();
    const calls = after['rest.Heavy']! - before['rest.Heavy']!;
    assert.ok(calls <= 1, `${calls} calls for 12 user requests: at most one to learn RingCentral's 429`);
    // RingCentral restarts its penalty with every request made during it: once the wait is over (on both
    // clocks), the next call must succeed.
    r.advanceApp(31_000);
    await r.api.advanceClock(31);
    assert.equal((await r.browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    await assertSessionKept(r, 'penalty');
  });

  it('another browser of the same user asks RingCentral at most once while the penalty runs', async (t) => {
    const r = await rig(t, WAIT_BOUND);
    await r.api.limits({ group: 'Heavy', limit: 1, windowSeconds: 20, penaltySeconds: 30 });
    assert.equal((await r.browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    assert.equal((await r.browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 429);
    const second = new HttpClient(r.app.url);
    await second.loginAs(USER1.username, USER1.password);
    const before = (await r.api.stats())['rest.Heavy']!;
    for (let i = 0; i < 5; i++) {
      assert.equal((await second.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 429);
    }
    const calls = (await r.api.stats())['rest.Heavy']! - before;
    assert.ok(calls <= 1, `${calls} calls: at most one to learn the 429, then local answers`);
  });
});
