/**
 * A refresh race does not log anyone out. Two instances share Redis; instance A takes a session's refresh lock and
 * RingCentral is slow to answer it, longer than instance B waits for the lock. B gives up waiting and refreshes
 * with the refresh token it loaded, which A has rotated by the time RingCentral reads B's request (and A's new
 * access token has been in use longer than RingCentral's grace): RingCentral answers `invalid_grant`. B reloads the
 * session, finds A's tokens and uses them; the user stays logged in on both instances, with one rotation.
 * Also: the production wiring sets the lock wait from the configuration (rate-limit wait + upstream timeout).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig, refreshLockWaitMs } from '../../../src/config.js';
import type { RedisRefreshCoordinator } from '../../../src/redis/refresh-coordinator.js';
import { openSessionBackend } from '../../../src/server.js';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { startSharedInstances, waitUntil } from '../scale-out/support/instances.js';
import { control, raiseLimits, startTestEmulatorFor, tokensOf, USER1 } from '../support/fixtures.js';

const JSON_ACCEPT = { accept: 'application/json' };

void describe('refresh lock races', { skip: redisSkip() }, () => {
  void it('the waiter that gave up on a slow holder meets invalid_grant and uses the holder’s tokens', async (t) => {
    const redis = await startRedis(t);
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const api = control(emulator.url);
    const [a, b] = await startSharedInstances(t, {
      redisUrl: redis.url,
      emulator,
      count: 2,
      keyPrefix: 'race:',
      lockWaitTimeoutMs: 300,
    });
    assert.ok(a && b);
    const onA = new HttpClient(a.url);
    await onA.loginAs(USER1.username, USER1.password);
    const onB = new HttpClient(b.url);
    for (const [name, value] of onA.jar) onB.jar.set(name, value);
    const before = await tokensOf(a.app, onA);

    await api.advanceClock(3_700);
    // The holder's refresh is answered after 1 s, the waiter's after 3 s.
    await api.fault({ route: 'token', delayMs: 1_000, count: 1 });
    await api.fault({ route: 'token', delayMs: 3_000, count: 1 });
    const holder = onA.get('/test?api=extension', JSON_ACCEPT);
    await waitUntil(async () => ((await api.stats())['faults.token'] ?? 0) >= 1, 'the holder’s refresh', {
      timeoutMs: 5_000,
    });
    const waiter = onB.get('/test?api=extension', JSON_ACCEPT);
    await waitUntil(async () => ((await api.stats())['faults.token'] ?? 0) >= 2, 'the waiter’s own refresh', {
      timeoutMs: 5_000,
    });

    assert.equal((await holder).status, 200, 'the holder refreshed and answered');
    // The holder's new access token is in use; RingCentral's grace for the old refresh token runs out.
    await api.advanceClock(15);
    const late = await waiter;
    assert.equal(late.status, 200, `the waiter keeps the user logged in: ${late.text.slice(0, 200)}`);

    const after = await tokensOf(a.app, onA);
    assert.notEqual(after.refreshToken, before.refreshToken);
    const rcSession = emulator.state.tokens.sessionOfToken(after.refreshToken!);
    assert.equal(rcSession?.current.refreshToken, after.refreshToken, 'the session holds RingCentral’s current pair');
    assert.equal(rcSession?.previous?.refreshToken, before.refreshToken, 'exactly one rotation: old → current');
    assert.equal((await api.stats())['token.refresh_token'], 2, 'the holder’s refresh and the refused one');
    for (const browser of [onA, onB]) {
      assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, browser.baseUrl);
    }
  });

  void it('the app waits for another instance’s refresh longer than a refresh can take', async (t) => {
    const redis = await startRedis(t);
    const config = loadConfig({
      RC_SERVER_URL: 'http://127.0.0.1:9',
      ALLOW_INSECURE_HTTP: 'true',
      RC_CLIENT_ID: 'id',
      SESSION_STORE: 'redis',
      REDIS_URL: redis.url,
      SESSION_SECRETS: 'a-session-secret-of-at-least-32-characters',
      UPSTREAM_TIMEOUT_MS: '7000',
      RATE_LIMIT_MAX_WAIT_MS: '4000',
    });
    const backend = await openSessionBackend(config, pino({ level: 'silent' }));
    t.after(() => backend.store.close());
    const coordinator = backend.coordinator as RedisRefreshCoordinator;
    assert.equal(coordinator.waitTimeoutMs, refreshLockWaitMs(config));
    assert.ok(coordinator.waitTimeoutMs > 7000 + 4000, `${coordinator.waitTimeoutMs} ms`);
  });
});
