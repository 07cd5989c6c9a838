/* eslint-disable @typescript-eslint/require-await -- the RingCentral-call stubs are async like the real calls */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createOAuthClient } from '../../../src/oauth/client.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { SessionManager, type Session } from '../../../src/session/session-manager.js';
import type { TokenSet } from '../../../src/oauth/types.js';
import { createLocalRefreshCoordinator } from '../../../src/ringcentral/refresh-coordinator.js';
import { createTokenKeeper } from '../../../src/ringcentral/token-keeper.js';
import { refreshTokens, revokeToken } from '../../../src/oauth/token.js';
import { jsonResponse, stubFetch } from '../oauth/fetch-stub.js';

const HOUR = 3_600_000;

function setup(responders: Parameters<typeof stubFetch>) {
  let now = 1_800_000_000_000;
  const clock = () => now;
  const store = createMemoryStore({ now: clock });
  const sessions = new SessionManager({
    store,
    cipher: createSessionCipher(['unit-test-secret-0123456789-abcdefghijkl']),
    idleTimeoutMs: 8 * HOUR,
    absoluteTimeoutMs: 7 * 24 * HOUR,
    now: clock,
  });
  const stub = stubFetch(...responders);
  const oauth = createOAuthClient({
    serverUrl: 'https://platform.ringcentral.com',
    clientId: 'id',
    clientSecret: 'secret',
    redirectUri: 'https://app.example/cb',
    allowInsecureRequests: false,
    timeoutMs: 1000,
    fetch: stub.fetch,
    now: clock,
  });
  const keeper = createTokenKeeper({
    refresh: (refreshToken) => refreshTokens(oauth, refreshToken),
    revoke: (tokens) => revokeToken(oauth, tokens.refreshToken ?? tokens.accessToken),
    sessions,
    coordinator: createLocalRefreshCoordinator(),
    now: clock,
    logger: pino({ level: 'silent' }),
  });
  const tokens = (access: string, refresh: string, expiresIn = HOUR): TokenSet => ({
    accessToken: access,
    refreshToken: refresh,
    tokenType: 'bearer',
    scope: 'ReadAccounts',
    ownerId: '1',
    accessExpiresAt: now + expiresIn,
    refreshExpiresAt: now + 7 * 24 * HOUR,
  });
  async function loggedIn(access = 'AT-1', refresh = 'RT-1', expiresIn = HOUR): Promise<Session> {
    const session = sessions.create({ tokens: tokens(access, refresh, expiresIn) });
    await sessions.save(session);
    return session;
  }
  return { stub, keeper, sessions, store, loggedIn, advance: (ms: number) => (now += ms) };
}

const refreshed = (n: number) =>
  jsonResponse(200, {
    access_token: `AT-${n}`,
    refresh_token: `RT-${n}`,
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token_expires_in: 604800,
    scope: 'ReadAccounts',
    owner_id: '1',
  });

const ok = { status: 200 } as const;
const unauthorized = { status: 401 } as const;

describe('token keeper', () => {
  it('a valid token is used as is: no refresh', async () => {
    const { stub, keeper, loggedIn } = setup([]);
    const session = await loggedIn();
    const used: string[] = [];
    const result = await keeper.withAccessToken(session, async (token) => (used.push(token), ok));
    assert.equal(result.status, 200);
    assert.deepEqual(used, ['AT-1']);
    assert.equal(stub.requests.length, 0);
  });

  it('less than 60 s left: refresh first, tokens written back to the stored session', async () => {
    const { stub, keeper, loggedIn, sessions } = setup([refreshed(2)]);
    const session = await loggedIn('AT-1', 'RT-1', 30_000);
    const used: string[] = [];
    await keeper.withAccessToken(session, async (token) => (used.push(token), ok));
    assert.deepEqual(used, ['AT-2']);
    assert.equal(stub.requests[0]?.body.get('refresh_token'), 'RT-1');
    assert.equal((await sessions.load(session.id))?.data.tokens?.refreshToken, 'RT-2');
    assert.equal(session.data.tokens?.accessToken, 'AT-2');
  });

  it('401 from RingCentral: one refresh, one retry; a second 401 is returned as is', async () => {
    const { stub, keeper, loggedIn } = setup([refreshed(2)]);
    const session = await loggedIn();
    const used: string[] = [];
    const result = await keeper.withAccessToken(session, async (token) => (used.push(token), unauthorized));
    assert.deepEqual(used, ['AT-1', 'AT-2']);
    assert.equal(result.status, 401);
    assert.equal(stub.requests.length, 1);
  });

  it('concurrent 401s of one session: exactly one refresh, all retry with the new token', async () => {
    const { stub, keeper, loggedIn, sessions } = setup([refreshed(2)]);
    const session = await loggedIn();
    const copies = await Promise.all(Array.from({ length: 20 }, () => sessions.load(session.id)));
    const results = await Promise.all(
      copies.map((copy) => keeper.withAccessToken(copy!, async (token) => (token === 'AT-1' ? unauthorized : ok))),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(stub.requests.length, 1);
  });

  it('a late arrival with the old token uses the stored new one instead of refreshing again', async () => {
    const { stub, keeper, loggedIn, sessions } = setup([refreshed(2)]);
    const session = await loggedIn();
    const stale = await sessions.load(session.id);
    await keeper.withAccessToken(session, async (token) => (token === 'AT-1' ? unauthorized : ok));
    const used: string[] = [];
    const late = await keeper.withAccessToken(
      stale!,
      async (token) => (used.push(token), token === 'AT-1' ? unauthorized : ok),
    );
    assert.equal(late.status, 200);
    assert.deepEqual(used, ['AT-1', 'AT-2']);
    assert.equal(stub.requests.length, 1);
  });

  it('dead refresh token (invalid_grant) → RCAPP_SESSION_ENDED and the session is destroyed', async () => {
    const { keeper, loggedIn, store } = setup([
      jsonResponse(400, {
        error: 'invalid_grant',
        error_description: 'Token not found',
        errors: [{ errorCode: 'OAU-213', message: 'x' }],
      }),
    ]);
    const session = await loggedIn();
    await assert.rejects(
      keeper.withAccessToken(session, async () => unauthorized),
      { code: 'RCAPP_SESSION_ENDED', status: 401 },
    );
    assert.equal(await store.get(session.id), undefined);
  });

  it('refresh token expired by its own expiry time → session ended without calling RingCentral', async () => {
    const { stub, keeper, sessions, store } = setup([]);
    const session = sessions.create({
      tokens: {
        accessToken: 'AT-1',
        refreshToken: 'RT-1',
        tokenType: 'bearer',
        scope: '',
        ownerId: '1',
        accessExpiresAt: 0,
        refreshExpiresAt: 1,
      },
    });
    await sessions.save(session);
    await assert.rejects(
      keeper.withAccessToken(session, async () => ok),
      { code: 'RCAPP_SESSION_ENDED' },
    );
    assert.equal(stub.requests.length, 0);
    assert.equal(await store.get(session.id), undefined);
  });

  it('transient refresh failure (503) → upstream error, session kept', async () => {
    const { keeper, loggedIn, store } = setup([new Response('x', { status: 503 })]);
    const session = await loggedIn();
    await assert.rejects(
      keeper.withAccessToken(session, async () => unauthorized),
      { code: 'RCAPP_UPSTREAM_ERROR' },
    );
    assert.ok(await store.get(session.id));
  });

  it('logged out while the refresh was in flight: the session is not recreated, the new tokens are revoked', async () => {
    const late: { logout?: () => Promise<void> } = {};
    const { stub, keeper, store, loggedIn, sessions } = setup([
      // RingCentral answers the refresh only after the user has logged out (on another instance, say).
      async () => {
        await late.logout?.();
        return refreshed(2);
      },
      new Response(null, { status: 200 }),
    ]);
    const session = await loggedIn();
    late.logout = () => sessions.destroy(session.id);
    await assert.rejects(
      keeper.withAccessToken(session, async () => unauthorized),
      { code: 'RCAPP_NOT_LOGGED_IN', status: 401 },
    );
    assert.equal(await store.get(session.id), undefined, 'the logout stays a logout');
    stub.assertDone();
    assert.match(stub.requests[1]!.url, /\/restapi\/oauth\/revoke$/);
    assert.equal(stub.requests[1]!.body.get('token'), 'RT-2', 'the tokens of the dropped refresh are revoked');
  });

  it('the session changed meanwhile (another field): the new tokens go onto the current version', async () => {
    const late: { save?: () => Promise<void> } = {};
    const { keeper, loggedIn, sessions } = setup([
      async () => {
        await late.save?.();
        return refreshed(2);
      },
    ]);
    const session = await loggedIn();
    late.save = async () => {
      // Another request of the same browser saves the session while the refresh is in flight.
      const other = (await sessions.load(session.id))!;
      other.data.flash = 'saved by another request';
      assert.equal(await sessions.save(other), true);
    };
    const used: string[] = [];
    const result = await keeper.withAccessToken(
      session,
      async (token) => (used.push(token), token === 'AT-1' ? unauthorized : ok),
    );
    assert.equal(result.status, 200);
    assert.deepEqual(used, ['AT-1', 'AT-2']);
    const stored = await sessions.load(session.id);
    assert.equal(stored?.data.tokens?.refreshToken, 'RT-2');
    assert.equal(stored?.data.flash, 'saved by another request', 'the other write is kept');
    assert.equal(stored?.version, 3);
  });

  it('invalid_grant after another request rotated the refresh token: its tokens are used, the user stays logged in', async () => {
    const late: { rotate?: () => Promise<void> } = {};
    const { stub, keeper, store, loggedIn, sessions } = setup([
      async () => {
        await late.rotate?.();
        return jsonResponse(400, {
          error: 'invalid_grant',
          error_description: 'Token not found',
          errors: [{ errorCode: 'OAU-213', message: 'x' }],
        });
      },
    ]);
    const session = await loggedIn();
    late.rotate = async () => {
      // Meanwhile another instance (which held the refresh lock) stored its rotation of the same refresh token.
      const other = (await sessions.load(session.id))!;
      other.data.tokens = { ...other.data.tokens!, accessToken: 'AT-9', refreshToken: 'RT-9' };
      assert.equal(await sessions.save(other), true);
    };
    const used: string[] = [];
    const result = await keeper.withAccessToken(
      session,
      async (token) => (used.push(token), token === 'AT-1' ? unauthorized : ok),
    );
    assert.equal(result.status, 200);
    assert.deepEqual(used, ['AT-1', 'AT-9']);
    assert.ok(await store.get(session.id), 'the session is kept');
    stub.assertDone();
  });

  it('a session without tokens → RCAPP_NOT_LOGGED_IN', async () => {
    const { keeper, sessions } = setup([]);
    await assert.rejects(
      keeper.withAccessToken(sessions.create(), async () => ok),
      { code: 'RCAPP_NOT_LOGGED_IN' },
    );
  });
});

describe('local refresh coordinator', () => {
  it('one task per key at a time; joiners share the outcome; keys are independent; settles clean', async () => {
    const coordinator = createLocalRefreshCoordinator();
    let runs = 0;
    let release!: (value: string) => void;
    const task = () => {
      runs += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const a = coordinator.run('s1', task);
    const b = coordinator.run('s1', task);
    const other = coordinator.run('s2', async () => 'other');
    release('done');
    assert.deepEqual(await Promise.all([a, b, other]), ['done', 'done', 'other']);
    assert.equal(runs, 1);
    const failing = coordinator.run('s1', async () => Promise.reject(new Error('nope')));
    const joined = coordinator.run('s1', async () => 'never');
    await assert.rejects(failing, /nope/);
    await assert.rejects(joined, /nope/);
    assert.equal(await coordinator.run('s1', async () => 'fresh'), 'fresh');
  });
});
