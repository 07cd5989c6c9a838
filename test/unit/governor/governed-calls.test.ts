/**
 * The two decorators that put the governor in front of RingCentral: REST calls spend the budget of the user they
 * name (or whose token they carry), in their path's group; token answers teach which user each token belongs to;
 * a refresh or revoke of a known token is governed, a login's code exchange is counted afterwards; a call whose
 * user is unknown goes straight through. The owner directory keeps digests only, bounded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryBudgetStore } from '../../../src/governor/budget-store.js';
import { governOAuthFetch } from '../../../src/governor/governed-oauth-fetch.js';
import { governRestClient } from '../../../src/governor/governed-rest-client.js';
import { createOwnerDirectory } from '../../../src/governor/owner-directory.js';
import { createRateGovernor } from '../../../src/governor/rate-governor.js';
import type { RestClient, RestResponse } from '../../../src/ringcentral/rest-client.js';

const EXTENSIONS = '/restapi/v1.0/account/~/extension';
const CALL_LOG = '/restapi/v1.0/account/~/extension/~/call-log';

function governor(maxWaitMs = 0) {
  return createRateGovernor({ store: createMemoryBudgetStore({ now: Date.now }), maxWaitMs, now: Date.now });
}

function fakeRest(headers: Record<string, string> = {}) {
  const calls: string[] = [];
  const rest: RestClient = {
    serverUrl: 'https://platform.example',
    get(path) {
      calls.push(path);
      const response: RestResponse = { status: 200, headers, body: Buffer.from('{}') };
      return Promise.resolve(response);
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { rest, calls };
}

const limited = (group: string, limit: number) => ({
  'x-rate-limit-group': group,
  'x-rate-limit-limit': String(limit),
  'x-rate-limit-remaining': '0',
  'x-rate-limit-window': '60',
});

describe('governed REST client', () => {
  test("spends the named user's budget in the path's group; a call naming no user is attributed by its token", async () => {
    const g = governor();
    const { rest, calls } = fakeRest(limited('Heavy', 1));
    const governed = governRestClient(rest, g);
    await governed.get(CALL_LOG, 'token-a', undefined, { owner: '101' });
    await assert.rejects(governed.get(CALL_LOG, 'token-a', undefined, { owner: '101' }), {
      code: 'RCAPP_RATE_LIMITED',
    });
    g.directory.remember('token-a', '101');
    // The same token without a named user: attributed through the directory, so also refused.
    await assert.rejects(governed.get(CALL_LOG, 'token-a'), { code: 'RCAPP_RATE_LIMITED' });
    // Another group of the same user is not held back.
    await governed.get(EXTENSIONS, 'token-a');
    assert.deepEqual(calls, [CALL_LOG, EXTENSIONS]);
    assert.equal((await g.snapshot('101', 'Medium')).used, 1);
  });

  test('a call whose user is unknown goes straight through, ungoverned', async () => {
    const g = governor();
    const { rest, calls } = fakeRest(limited('Heavy', 1));
    const governed = governRestClient(rest, g);
    for (let i = 0; i < 3; i++) await governed.get(CALL_LOG, 'unknown-token');
    assert.equal(calls.length, 3);
  });

  test('options reach the inner client; ping and close are passed through', async () => {
    const seen: unknown[] = [];
    const inner: RestClient = {
      serverUrl: 'https://platform.example',
      get: (_path, _token, _query, options) => {
        seen.push(options);
        return Promise.resolve({ status: 200, headers: {}, body: Buffer.alloc(0) });
      },
      ping: () => Promise.resolve(seen.push('ping')).then(() => undefined),
      close: () => Promise.resolve(seen.push('close')).then(() => undefined),
    };
    const governed = governRestClient(inner, governor(10));
    await governed.get(EXTENSIONS, 't', undefined, { owner: '7', maxWaitMs: 5 });
    await governed.ping();
    await governed.close();
    assert.deepEqual(seen, [{ owner: '7', maxWaitMs: 5 }, 'ping', 'close']);
    assert.equal(governed.serverUrl, 'https://platform.example');
  });
});

function tokenAnswer(owner: string, access: string, refresh: string, headers: Record<string, string> = {}): Response {
  return new Response(
    JSON.stringify({ access_token: access, refresh_token: refresh, owner_id: owner, token_type: 'bearer' }),
    { status: 200, headers: { 'content-type': 'application/json', ...headers } },
  );
}

describe('governed OAuth fetch', () => {
  const TOKEN = 'https://platform.example/restapi/oauth/token';
  const REVOKE = 'https://platform.example/restapi/oauth/revoke';
  const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields) });

  test('a code exchange teaches the owner of both tokens and is counted in the Auth budget afterwards', async () => {
    const g = governor();
    const fetchFn = governOAuthFetch(() => Promise.resolve(tokenAnswer('101', 'acc-1', 'ref-1')), g);
    const response = await fetchFn(TOKEN, form({ grant_type: 'authorization_code', code: 'c' }));
    assert.equal(((await response.json()) as { owner_id: string }).owner_id, '101', 'the body is still readable');
    assert.equal(g.directory.ownerOf('acc-1'), '101');
    assert.equal(g.directory.ownerOf('ref-1'), '101');
    assert.equal((await g.snapshot('101', 'Auth')).used, 1);
  });

  test("refresh and revoke of a known token spend that user's Auth budget and are refused when it is used up", async () => {
    const g = governor();
    g.directory.remember('ref-1', '101');
    g.directory.remember('acc-1', '101');
    let sent = 0;
    const inner: typeof fetch = () => {
      sent += 1;
      return Promise.resolve(tokenAnswer('101', `acc-${sent + 1}`, `ref-${sent + 1}`, limited('Auth', 1)));
    };
    const fetchFn = governOAuthFetch(inner, g);
    await fetchFn(TOKEN, form({ grant_type: 'refresh_token', refresh_token: 'ref-1' }));
    await assert.rejects(fetchFn(REVOKE, form({ token: 'acc-1' })), { code: 'RCAPP_RATE_LIMITED' });
    assert.equal(sent, 1);
    assert.equal(g.directory.ownerOf('ref-2'), '101', 'the rotated tokens are known too');
  });

  test('other URLs, failed answers and bodies without owner_id are passed through untouched', async () => {
    const g = governor();
    const answers = [
      new Response('{"error":"invalid_grant"}', { status: 400 }),
      new Response('not json', { status: 200 }),
      new Response('{}', { status: 200 }),
    ];
    const fetchFn = governOAuthFetch(() => Promise.resolve(answers.shift()!), g);
    assert.equal((await fetchFn(TOKEN, form({ grant_type: 'authorization_code' }))).status, 400);
    assert.equal((await fetchFn(TOKEN, { method: 'POST', body: 'grant_type=authorization_code' })).status, 200);
    assert.equal((await fetchFn('https://platform.example/other', { method: 'GET' })).status, 200);
  });
});

describe('owner directory', () => {
  test('forgets the least recently used beyond its bound', () => {
    const directory = createOwnerDirectory(2);
    directory.remember('t1', 'a');
    directory.remember('t2', 'b');
    directory.ownerOf('t1');
    directory.remember('t1', 'a');
    directory.remember('t3', 'c');
    assert.equal(directory.ownerOf('t1'), 'a');
    assert.equal(directory.ownerOf('t2'), undefined, 'oldest forgotten');
    assert.equal(directory.ownerOf('t3'), 'c');
    assert.equal(directory.ownerOf(''), undefined);
    assert.equal(directory.ownerOf(null), undefined);
    directory.remember('', 'x');
    directory.remember('t4', '');
    assert.equal(directory.ownerOf('t4'), undefined, 'no empty owner');
  });

  test('rememberTokens files both tokens of a token set', () => {
    const directory = createOwnerDirectory();
    directory.rememberTokens({
      accessToken: 'a',
      refreshToken: 'r',
      ownerId: '9',
      tokenType: 'bearer',
      scope: '',
      accessExpiresAt: 0,
    });
    assert.deepEqual([directory.ownerOf('a'), directory.ownerOf('r')], ['9', '9']);
  });
});
