/**
 * A logout stays a logout, through the real refresh path: a request starts a refresh (RingCentral slow to answer),
 * the user logs out meanwhile (and RingCentral's revoke fails), then the refresh returns. The refresh's session
 * write is a compare-and-set on the version it loaded, so it finds the record gone and does not bring it back: the
 * request answers as not logged in, the old cookie stays dead on every instance, and the refresh's new tokens are
 * revoked at RingCentral. On one instance (memory store) and on two instances sharing Redis.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { RunningEmulator } from '../../../emulator/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { startSharedInstances, waitUntil } from '../scale-out/support/instances.js';
import { control, raiseLimits, sessionIdOf, startTestEmulatorFor, USER1 } from '../support/fixtures.js';

const JSON_ACCEPT = { accept: 'application/json' };
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
/** How long RingCentral takes to answer the refresh. */
const SLOW_TOKEN_MS = 3_000;

/**
 * Logs USER1 in on `first`, expires the access token at RingCentral, starts a call on `first` that must refresh
 * (RingCentral answers the refresh after 3 s), logs out on `second` while it is in flight (RingCentral's revoke
 * fails), and checks the outcome on both.
 */
async function refreshRacesLogout(emulator: RunningEmulator, first: TestApp, second: TestApp): Promise<void> {
  const api = control(emulator.url);
  const onFirst = new HttpClient(first.url);
  await onFirst.loginAs(USER1.username, USER1.password);
  const onSecond = new HttpClient(second.url);
  for (const [name, value] of onFirst.jar) onSecond.jar.set(name, value);
  const stolen = new Map(onFirst.jar);
  const id = sessionIdOf(first, onFirst);
  assert.ok(id);
  assert.equal((await onFirst.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  assert.equal(emulator.state.tokens.activeSessions(), 1);

  // The access token expires at RingCentral: the next call meets a 401 and refreshes.
  await api.advanceClock(3_700);
  await api.fault({ route: 'token', delayMs: SLOW_TOKEN_MS, count: 1 });
  await api.fault({ route: 'revoke', status: 503, count: 1 });
  const before = await api.stats();
  const inFlight = onFirst.get('/test?api=extension', JSON_ACCEPT);
  await waitUntil(
    async () => ((await api.stats())['faults.token'] ?? 0) > (before['faults.token'] ?? 0),
    'the refresh to reach RingCentral',
    { timeoutMs: 5_000 },
  );

  const out = await onSecond.page('/logout', SAME_ORIGIN);
  assert.equal(out.status, 302, 'logout answers at once, whatever RingCentral says');
  assert.equal(await second.store.get(id), undefined, 'the logout destroyed the session');

  const late = await inFlight;
  assert.equal(late.status, 401, `the request that refreshed answers as not logged in: ${late.text.slice(0, 200)}`);
  assert.equal(late.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');
  assert.equal(await first.store.get(id), undefined, 'the late refresh did not bring the session back');

  // The old cookie (a stolen copy too) stays dead on both instances.
  for (const app of [first, second]) {
    const thief = new HttpClient(app.url);
    for (const [name, value] of stolen) thief.jar.set(name, value);
    const replay = await thief.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(replay.status, 401, `${app.url}: the old cookie is logged out`);
    assert.match((await thief.page('/')).text, /Login RingCentral Account/);
  }
  // RingCentral: one refresh happened, and its new tokens were revoked (ending the login B could not revoke).
  const after = await api.stats();
  assert.equal(after['token.refresh_token']! - (before['token.refresh_token'] ?? 0), 1);
  assert.equal(emulator.state.tokens.activeSessions(), 0, 'no RingCentral login outlives the logout');
}

async function emulatorFor(t: TestContext): Promise<RunningEmulator> {
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  return emulator;
}

void describe('a logout stays a logout while a refresh is in flight', () => {
  void it('on one instance', async (t) => {
    const emulator = await emulatorFor(t);
    const app = await startTestApp(t, { emulator });
    await refreshRacesLogout(emulator, app, app);
  });

  void it('on two instances sharing Redis: refresh on one, logout on the other', { skip: redisSkip() }, async (t) => {
    const redis = await startRedis(t);
    const emulator = await emulatorFor(t);
    const [a, b] = await startSharedInstances(t, { redisUrl: redis.url, emulator, count: 2, keyPrefix: 'fence:' });
    assert.ok(a && b);
    await refreshRacesLogout(emulator, a.app, b.app);
  });
});
