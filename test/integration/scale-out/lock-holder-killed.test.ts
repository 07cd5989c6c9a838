/**
 * The instance that holds a session's refresh lock dies in the middle of the refresh (SIGKILL, three instances
 * as child processes of `src/server.ts`). The lock expires in Redis by itself (5 s), another instance refreshes,
 * and the user's requests succeed within seconds without being logged out. The dead instance's refresh did reach
 * RingCentral and rotated the tokens there; the survivor's refresh with the same (old) refresh token gets the same
 * new pair back under RingCentral's grace rule (contract §2.5), so the session keeps working.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { control, raiseLimits, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import { browsersSharing, startAppProcess, waitUntil } from './support/instances.js';

const JSON_ACCEPT = { accept: 'application/json' };
const KEY_PREFIX = 'killed:';
/** The lock expiry `server.ts` uses (redis-backend default), plus the refresh itself and scheduling slack. */
const RECOVERY_BOUND_MS = 5_000 + 4_000;

void describe('refresh lock holder killed mid-refresh', { skip: redisSkip() }, () => {
  void it('another instance takes over within seconds; the user stays logged in', async (t) => {
    const redis = await startRedis(t);
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const api = control(emulator.url);
    const instances = await Promise.all(
      [1, 2, 3].map(() => startAppProcess(t, { emulator, redisUrl: redis.url, keyPrefix: KEY_PREFIX })),
    );
    const [holder, second, third] = instances;
    assert.ok(holder && second && third);
    const watcher = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    t.after(() => watcher.quit().then(() => undefined));
    await watcher.connect();

    const first = new HttpClient(holder.url);
    await first.loginAs(USER1.username, USER1.password);
    const [b1, b2, b3] = browsersSharing(
      instances.map((i) => i.url),
      first,
    );
    assert.ok(b1 && b2 && b3);
    for (const browser of [b1, b2, b3]) {
      assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
    }

    // The token endpoint hangs for 3 s on the next request: the refresh of instance 1 stays in flight.
    await api.fault({ route: 'token', delayMs: 3_000, count: 1 });
    await api.advanceClock(3600 + 60);
    const doomed = b1.get('/test?api=extension', JSON_ACCEPT).catch((err: unknown) => err);
    await waitUntil(
      async () => (await api.stats())['faults.token'] === 1,
      'the refresh of instance 1 to reach RingCentral',
      { timeoutMs: 10_000, everyMs: 20 },
    );
    const locks = await watcher.keys(`${KEY_PREFIX}lock:*`);
    assert.equal(locks.length, 1, 'instance 1 holds the refresh lock of the session');

    await holder.stop('SIGKILL');
    assert.ok(!holder.alive());
    assert.ok((await doomed) instanceof Error, 'the request to the killed instance got no answer');

    const started = performance.now();
    const responses = await Promise.all(
      [b2, b3, b2, b3].map((browser) => browser.get('/test?api=extension', JSON_ACCEPT)),
    );
    const elapsed = performance.now() - started;
    for (const response of responses) assert.equal(response.status, 200, response.text.slice(0, 300));
    assert.ok(elapsed < RECOVERY_BOUND_MS, `recovered in ${Math.round(elapsed)} ms (bound ${RECOVERY_BOUND_MS})`);
    t.diagnostic(`requests to the surviving instances answered after ${Math.round(elapsed)} ms`);

    // Both refreshes reached RingCentral: the dead instance's (rotated the pair) and the survivor's (same
    // refresh token again, inside the grace period: same new pair). Neither logged the user out.
    const stats = await api.stats();
    assert.equal(stats['token.refresh_token'], 2, JSON.stringify(stats));
    assert.equal(await watcher.exists(locks[0]!), 0, 'the lock is released');
    for (const browser of [b2, b3]) {
      const page = await browser.page('/');
      assert.match(page.text, /Logout/, `${browser.baseUrl}: still logged in`);
      assert.equal((await browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    }
    assert.equal((await api.stats())['token.refresh_token'], 2, 'no further refresh needed');
    assert.ok(second.alive() && third.alive());
  });
});
