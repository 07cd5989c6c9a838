/* eslint-disable @typescript-eslint/require-await -- the RingCentral-call stubs are async like the real calls */
/**
 * `token_refreshes_total{outcome}` as the token keeper reports it: `ok`/`failed` once per refresh sent to
 * RingCentral, `coalesced` for each request that got the result of another's refresh.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { createOAuthClient } from '../../../src/oauth/client.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { SessionManager, type Session } from '../../../src/session/session-manager.js';
import { createLocalRefreshCoordinator } from '../../../src/ringcentral/refresh-coordinator.js';
import { createTokenKeeper } from '../../../src/ringcentral/token-keeper.js';
import { refreshTokens, revokeToken } from '../../../src/oauth/token.js';
import { jsonResponse, stubFetch } from '../oauth/fetch-stub.js';

const HOUR = 3_600_000;

function setup(responders: Parameters<typeof stubFetch>) {
  const now = () => 1_800_000_000_000;
  const store = createMemoryStore({ now });
  const sessions = new SessionManager({
    store,
    cipher: createSessionCipher(['unit-test-secret-0123456789-abcdefghijkl']),
    idleTimeoutMs: 8 * HOUR,
    absoluteTimeoutMs: 7 * 24 * HOUR,
    now,
  });
  const stub = stubFetch(...responders);
  const outcomes: string[] = [];
  const oauth = createOAuthClient({
    serverUrl: 'https://platform.ringcentral.com',
    clientId: 'id',
    clientSecret: 'secret',
    redirectUri: 'https://app.example/cb',
    allowInsecureRequests: false,
    timeoutMs: 1000,
    fetch: stub.fetch,
    now,
  });
  const keeper = createTokenKeeper({
    refresh: (refreshToken) => refreshTokens(oauth, refreshToken),
    revoke: (tokens) => revokeToken(oauth, tokens.refreshToken ?? tokens.accessToken),
    sessions,
    coordinator: createLocalRefreshCoordinator(),
    now,
    logger: pino({ level: 'silent' }),
    onRefreshOutcome: (outcome) => outcomes.push(outcome),
  });
  async function loggedIn(): Promise<Session> {
    const session = sessions.create({
      tokens: {
        accessToken: 'AT-1',
        refreshToken: 'RT-1',
        tokenType: 'bearer',
        scope: 'ReadAccounts',
        ownerId: '1',
        accessExpiresAt: now() + HOUR,
        refreshExpiresAt: now() + 7 * 24 * HOUR,
      },
    });
    await sessions.save(session);
    return session;
  }
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  return { stub, keeper, sessions, loggedIn, outcomes, count };
}

const refreshed = () =>
  jsonResponse(200, {
    access_token: 'AT-2',
    refresh_token: 'RT-2',
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token_expires_in: 604800,
    scope: 'ReadAccounts',
    owner_id: '1',
  });

const rejectOld = async (token: string) => ({ status: token === 'AT-1' ? 401 : 200 });

it('20 concurrent requests meet a 401: 1 ok and 19 coalesced', async () => {
  const { stub, keeper, sessions, loggedIn, outcomes, count } = setup([refreshed()]);
  const session = await loggedIn();
  const copies = await Promise.all(Array.from({ length: 20 }, () => sessions.load(session.id)));
  await Promise.all(copies.map((copy) => keeper.withAccessToken(copy!, rejectOld)));
  assert.equal(stub.requests.length, 1);
  assert.equal(outcomes.length, 20);
  assert.equal(count('ok'), 1);
  assert.equal(count('coalesced'), 19);
});

it('a late arrival that finds the new tokens stored counts as coalesced', async () => {
  const { keeper, sessions, loggedIn, outcomes } = setup([refreshed()]);
  const session = await loggedIn();
  const stale = await sessions.load(session.id);
  await keeper.withAccessToken(session, rejectOld);
  await keeper.withAccessToken(stale!, rejectOld);
  assert.deepEqual(outcomes, ['ok', 'coalesced']);
});

it('a failed refresh counts once as failed; requests that shared it are not counted as coalesced', async () => {
  const { keeper, sessions, loggedIn, outcomes } = setup([new Response('busy', { status: 503 })]);
  const session = await loggedIn();
  const copies = await Promise.all(Array.from({ length: 3 }, () => sessions.load(session.id)));
  const results = await Promise.allSettled(copies.map((copy) => keeper.withAccessToken(copy!, rejectOld)));
  assert.ok(results.every((r) => r.status === 'rejected'));
  assert.deepEqual(outcomes, ['failed']);
});

it('a dead refresh token (invalid_grant) counts as failed', async () => {
  const { keeper, loggedIn, outcomes } = setup([
    jsonResponse(400, { error: 'invalid_grant', error_description: 'Token not found' }),
  ]);
  await assert.rejects(keeper.withAccessToken(await loggedIn(), rejectOld), { code: 'RCAPP_SESSION_ENDED' });
  assert.deepEqual(outcomes, ['failed']);
});

it('no refresh needed: nothing is counted', async () => {
  const { keeper, loggedIn, outcomes } = setup([]);
  await keeper.withAccessToken(await loggedIn(), async () => ({ status: 200 }));
  assert.deepEqual(outcomes, []);
});
