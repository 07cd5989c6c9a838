/**
 * The `/__emulator/` control API: exact stats, reset, clock, faults, limits, redirect URIs, input validation.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { isLoopbackHostHeader } from '../../emulator/control.js';
import { DEMO } from '../../emulator/index.js';
import { rawRequest } from '../integration/support/raw-http.js';
import {
  buildAuthorizeUrl,
  demoBasicAuth,
  loginAndGetTokens,
  loginThroughForm,
  postForm,
  startTestEmulator,
  type TestEmulator,
} from '../helpers/emulator.js';

describe('emulator control API', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(() => emu.stop());
  beforeEach(() => emu.control.reset());

  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) =>
    fetch(`${emu.url}/__emulator/${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const refresh = (refreshToken: string) =>
    postForm(
      `${emu.url}/restapi/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: demoBasicAuth() },
    );

  it('counts requests exactly per endpoint and grant type', async () => {
    const zero = await emu.control.stats();
    for (const key of ['token.authorization_code', 'token.refresh_token', 'revoke', 'rest.Heavy', 'rateLimited']) {
      assert.equal(zero[key], 0, key);
    }
    const tokens = await loginAndGetTokens(emu.url);
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
    await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/call-log`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const stats = await emu.control.stats();
    assert.equal(stats['token.authorization_code'], 1);
    assert.equal(stats['token.refresh_token'], 1);
    assert.equal(stats.token, 2);
    assert.equal(stats.authorize, 2, 'page + sign-in post');
    assert.equal(stats['authorize.code'], 1);
    assert.equal(stats['rest.Heavy'], 1);
    assert.equal(stats['rest.readUserCallLog'], 1);
    assert.equal(stats['rest.unauthorized'], 1, 'the old access token after the refresh');
    assert.equal(emu.state.stats.get('token.refresh_token'), 1, 'in-process access agrees');
  });

  it('reset restores tokens, stats, clock, limits and faults', async () => {
    const tokens = await loginAndGetTokens(emu.url);
    await emu.control.advanceClock(100);
    await emu.control.limits({ group: 'Light', limit: 1 });
    await emu.control.fault({ route: 'rest', status: 503, count: 5 });
    // Like `curl -X POST .../__emulator/reset`: no body, no content type.
    const res = await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' });
    assert.equal(res.status, 200);
    const state = await emu.control.state();
    assert.equal(state.offsetSeconds, 0);
    assert.equal(state.activeSessions, 0);
    assert.deepEqual((state.limits as Record<string, unknown>).Light, {
      limit: 50,
      windowSeconds: 60,
      penaltySeconds: 60,
    });
    assert.deepEqual((state.faults as Record<string, unknown[]>).rest, []);
    const stats = await emu.control.stats();
    assert.ok(
      Object.values(stats).every((v) => v === 0),
      JSON.stringify(stats),
    );
    const rest = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(rest.status, 401);
  });

  it('moves the clock forward and returns the new time', async () => {
    const before = Date.now();
    const now = await emu.control.advanceClock(3600);
    assert.ok(now >= before + 3_600_000 && now < Date.now() + 3_600_000 + 1_000);
    assert.equal(emu.state.clock.offsetMs(), 3_600_000);
    const body = (await (await post('clock', { advanceSeconds: 0.5 })).json()) as {
      offsetSeconds: number;
      now: string;
    };
    assert.equal(body.offsetSeconds, 3600.5);
    assert.ok(!Number.isNaN(Date.parse(body.now)));
  });

  it('injects faults for the next N requests of a route, then behaves normally', async () => {
    const tokens = await loginAndGetTokens(emu.url);
    await emu.control.fault({ route: 'token', status: 503, count: 2 });
    for (let i = 0; i < 2; i += 1) {
      const res = await refresh(tokens.refresh_token);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { errorCode: string; errors: unknown[] };
      assert.equal(body.errorCode, 'CMN-201');
    }
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
    assert.equal((await emu.control.stats()).faults, 2);

    await emu.control.fault({ route: 'rest', status: 500, count: 1 });
    const fresh = await loginAndGetTokens(emu.url, DEMO.user('user1@example.com'));
    const failing = await fetch(`${emu.url}/restapi/v1.0/account/~/extension`, {
      headers: { authorization: `Bearer ${fresh.access_token}` },
    });
    assert.equal(failing.status, 500);
    assert.doesNotMatch(await failing.text(), /\bat .*\.(ts|js):\d+/);

    await emu.control.fault({ route: 'authorize', status: 502, count: 1 });
    assert.equal((await fetch(buildAuthorizeUrl(emu.url, { redirectUri: DEMO.redirectUri }))).status, 502);

    emu.state.failNext('revoke', { status: 503 });
    const revoke = await postForm(
      `${emu.url}/restapi/oauth/revoke`,
      { token: fresh.access_token },
      { authorization: demoBasicAuth() },
    );
    assert.equal(revoke.status, 503);
  });

  it('a delay fault holds the response at least that long and then answers normally', async () => {
    await emu.control.fault({ route: 'authorize', delayMs: 150, count: 1 });
    const started = performance.now();
    const res = await fetch(buildAuthorizeUrl(emu.url, { redirectUri: DEMO.redirectUri }));
    assert.equal(res.status, 200);
    assert.ok(performance.now() - started >= 140);
  });

  it('changes a group’s limits (and the X-Rate-Limit-Limit header follows)', async () => {
    const set = await emu.control.limits({ group: 'Medium', limit: 3, windowSeconds: 10 });
    assert.deepEqual(set, { group: 'Medium', limit: 3, windowSeconds: 10, penaltySeconds: 60 });
    const tokens = await loginAndGetTokens(emu.url);
    const res = await fetch(`${emu.url}/restapi/v1.0/account/~/extension`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(res.headers.get('x-rate-limit-limit'), '3');
    assert.equal(res.headers.get('x-rate-limit-window'), '10');
    assert.equal(res.headers.get('x-rate-limit-remaining'), '2');
  });

  it('registers redirect URIs over HTTP and in process; both apps accept them with exact matching', async () => {
    const uri = 'http://127.0.0.1:45678/oauth2callback';
    const res = await post('redirect-uris', { uri });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { redirectUris: string[] }).redirectUris.includes(uri));
    const callback = await loginThroughForm(buildAuthorizeUrl(emu.url, { redirectUri: uri }), DEMO.admin);
    assert.ok(callback.startsWith(`${uri}?code=`));
    emu.registerRedirectUri('https://app.example/cb');
    const state = await emu.control.state();
    assert.ok((state.redirectUris as string[]).includes('https://app.example/cb'));
    await emu.control.reset();
    assert.ok(((await emu.control.state()).redirectUris as string[]).includes(uri), 'reset keeps redirect URIs');
  });

  const badBodies: [string, unknown][] = [
    ['clock', {}],
    ['clock', { advanceSeconds: -1 }],
    ['clock', { advanceSeconds: '10' }],
    ['clock', { advanceSeconds: 1, extra: true }],
    ['faults', { route: 'nope', status: 500, count: 1 }],
    ['faults', { route: 'token', status: 200, count: 1 }],
    ['faults', { route: 'token', status: 500 }],
    ['faults', { route: 'token', count: 1 }],
    ['faults', { route: 'token', delayMs: 10_000_000, count: 1 }],
    ['limits', { group: 'Huge', limit: 1 }],
    ['limits', { group: 'Light', limit: 0 }],
    ['limits', { group: 'Light' }],
    ['redirect-uris', { uri: 'javascript:alert(1)' }],
    ['redirect-uris', { uri: 'http://x.example/cb#frag' }],
    ['redirect-uris', { uri: 42 }],
    ['redirect-uris', []],
    ['call-log', {}],
    ['call-log', { record: { direction: 'Inbound' } }],
    ['call-log', { extensionNumber: '201' }],
    ['call-log', { extensionNumber: '999' }],
    ['call-log', { extensionId: 42 }],
    ['call-log', { extensionNumber: '101', extensionId: 400000001102 }],
    ['call-log', { extensionNumber: '101', extra: 1 }],
    ['call-log', { extensionNumber: '101', record: { colour: 'red' } }],
    ['call-log', { extensionNumber: '101', record: { direction: 'Sideways' } }],
    ['call-log', { extensionNumber: '101', record: { startTime: 'yesterday' } }],
    ['call-log', { extensionNumber: '101', record: { duration: -1 } }],
    ['call-log', { extensionNumber: '101', record: { action: 'Teleport' } }],
    ['call-log', { extensionNumber: '101', record: { from: { phoneNumber: 'call me' } } }],
    ['call-log', { extensionNumber: '101', record: { to: { extensionNumber: '101', id: 1 } } }],
  ];
  for (const [path, body] of badBodies) {
    it(`rejects ${path} ${JSON.stringify(body)} with 400`, async () => {
      const res = await post(path, body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { errorCode: string; message: string };
      assert.equal(json.errorCode, 'CMN-101');
      assert.match(json.message, /^Invalid request body: /);
    });
  }

  it('adds a call to a user’s log: the given fields over a call at the emulator’s now; the reads find it; reset drops it', async () => {
    const user1 = DEMO.user('user1@example.com');
    await emu.control.advanceClock(30);
    const now = emu.state.clock.now();
    const res = await post('call-log', {
      extensionNumber: '102',
      record: {
        direction: 'Outbound',
        to: { extensionNumber: '101' },
        duration: 125,
        result: 'No Answer',
        recording: { type: 'OnDemand' },
      },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { extensionId: number; seq: number; record: Record<string, unknown> };
    assert.equal(body.extensionId, user1.extensionId);
    assert.equal(body.seq, 1);
    const record = body.record;
    assert.ok(Math.abs(Date.parse(record.startTime as string) - now) < 5_000, 'at the emulator’s now');
    assert.match(record.id as string, /^[A-Za-z0-9_-]{15}$/);
    assert.deepEqual(
      [record.direction, record.type, record.action, record.result, record.reason, record.duration, record.durationMs],
      ['Outbound', 'Voice', 'VoIP Call', 'No Answer', 'No Answer', 125, 125_000],
    );
    assert.deepEqual(record.to, {
      extensionNumber: '101',
      extensionId: String(DEMO.admin.extensionId),
      name: 'Ava Morgan',
    });
    assert.deepEqual(record.from, { phoneNumber: '+16505550102', name: 'Ben Carter' });
    assert.equal((record.recording as { type: string }).type, 'OnDemand');
    assert.equal(record.transport, 'VoIP');
    const second = (await (await post('call-log', { extensionId: String(user1.extensionId) })).json()) as {
      seq: number;
      record: { id: string; direction: string; from: { name: string } };
    };
    assert.equal(second.seq, 2);
    assert.deepEqual([second.record.direction, second.record.from.name], ['Inbound', 'Emulator Caller']);

    const tokens = await loginAndGetTokens(emu.url, user1);
    const log = (await (
      await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/call-log`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    ).json()) as { records: { id: string }[] };
    assert.deepEqual(
      log.records.slice(0, 2).map((r) => r.id),
      [second.record.id, record.id],
    );
    assert.equal((await emu.control.state()).addedCalls, 2);
    await emu.control.reset();
    assert.equal((await emu.control.state()).addedCalls, 0);
    const fresh = await loginAndGetTokens(emu.url, user1);
    const after = (await (
      await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/call-log?dateFrom=2000-01-01`, {
        headers: { authorization: `Bearer ${fresh.access_token}` },
      })
    ).json()) as { records: { id: string }[] };
    assert.ok(!after.records.some((r) => r.id === record.id || r.id === second.record.id), 'reset drops them');
  });

  it('refuses malformed JSON (400), non-JSON bodies (415) and foreign origins (403)', async () => {
    assert.equal((await post('clock', '{"advanceSeconds":')).status, 400);
    assert.equal((await post('clock', '{"__proto__":{"x":1}}')).status, 400);
    assert.equal(
      (await post('clock', 'advanceSeconds=1', { 'content-type': 'application/x-www-form-urlencoded' })).status,
      415,
    );
    assert.equal((await post('reset', '{}', { 'content-type': 'text/plain' })).status, 415);
    const foreign = await post('reset', '{}', { 'content-type': 'application/json', origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal((await fetch(`${emu.url}/__emulator/nothing`)).status, 404);
  });

  it('obeys only requests whose Host is loopback: a DNS-rebound name or another address gets 403', async () => {
    const port = new URL(emu.url).port;
    const send = (host: string, method = 'GET', path = 'stats', body?: string) =>
      rawRequest(emu.url, {
        method,
        target: `/__emulator/${path}`,
        headers: [['Host', host], ...(body === undefined ? [] : ([['Content-Type', 'application/json']] as const))],
        ...(body === undefined ? {} : { body }),
      });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', '127.0.0.2']) {
      assert.equal((await send(host)).status, 200, host);
    }
    for (const host of ['rebind.example:5001', '10.0.0.5', `10.0.0.5:${port}`, `localhost.rebind.example:${port}`]) {
      const refused = await send(host);
      assert.equal(refused.status, 403, host);
      assert.match(refused.headers.get('content-type')?.[0] ?? '', /^application\/json/);
      const body = JSON.parse(refused.body) as { errorCode: string; message: string; errors: { errorCode: string }[] };
      assert.equal(body.errorCode, 'CMN-101');
      assert.match(body.message, /localhost, 127\.0\.0\.1 or \[::1\]/);
      assert.equal(body.errors[0]?.errorCode, 'CMN-101');
    }
    // A refused request changes nothing: the clock stays where it was.
    const moved = await send('rebind.example:5001', 'POST', 'clock', '{"advanceSeconds":3600}');
    assert.equal(moved.status, 403);
    assert.equal(emu.state.clock.offsetMs(), 0);
    const added = await send('rebind.example:5001', 'POST', 'call-log', '{"extensionNumber":"101"}');
    assert.equal(added.status, 403);
    assert.equal(emu.state.callLog.addedCount(), 0);
  });

  it('recognises loopback Host headers exactly', () => {
    for (const host of ['localhost', 'LOCALHOST:5001', '127.0.0.1', '127.255.0.9:1', '[::1]', '[::1]:65535']) {
      assert.equal(isLoopbackHostHeader(host), true, host);
    }
    for (const host of [
      undefined,
      '',
      'rebind.example:5001',
      '10.0.0.5',
      '127.0.0.256',
      '127.0.0.1.rebind.example',
      'localhost.rebind.example',
      'localhost:80@rebind.example',
      '[::2]:5001',
      '0.0.0.0:5001',
      '::1',
      'localhost:123456',
    ]) {
      assert.equal(isLoopbackHostHeader(host), false, String(host));
    }
  });
});
