/**
 * @module test/unit/redis/cross-instance-refresh.test
 * The design target end to end: three app instances (real `createApp` over HTTP) share sessions through one
 * private Redis and the emulator; 200 concurrent requests of one session whose access token RingCentral now
 * rejects cause exactly one refresh at the emulator, and all 200 succeed. Then Redis goes down (503 with a clear
 * code, `/readyz` says not ready, nothing crashes) and comes back by itself.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { waitUntilReady } from '../../../src/redis/client.js';
import { openRedisBackend, type RedisBackend } from '../../../src/redis/redis-backend.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, type RedisServer, startRedis } from '../../helpers/redis.js';
import { control, raiseLimits, startTestEmulatorFor, tokensOf, USER1 } from '../../integration/support/fixtures.js';

const INSTANCES = 3;
const REQUESTS = 200;

async function startInstances(
  t: TestContext,
  redis: RedisServer,
  emulator: Awaited<ReturnType<typeof startTestEmulatorFor>>,
): Promise<{ apps: TestApp[]; backends: RedisBackend[] }> {
  const apps: TestApp[] = [];
  const backends: RedisBackend[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const backend = await openRedisBackend({ url: redis.url, keyPrefix: 'xi:', commandTimeoutMs: 1_000 });
    backends.push(backend);
    // The app closes the store on teardown, and the store owns the connection.
    apps.push(
      await startTestApp(t, {
        emulator,
        store: backend.store,
        refreshCoordinator: backend.coordinator,
        env: { LOG_LEVEL: 'warn' },
      }),
    );
  }
  return { apps, backends };
}

/** A browser per instance, all carrying the same session cookie. */
function browsersFor(apps: readonly TestApp[], loggedIn: HttpClient): HttpClient[] {
  return apps.map((app) => {
    if (app.url === loggedIn.baseUrl) return loggedIn;
    const browser = new HttpClient(app.url);
    for (const [name, value] of loggedIn.jar) browser.jar.set(name, value);
    return browser;
  });
}

void describe('three app instances on one Redis', { skip: redisSkip() }, () => {
  void it(`${REQUESTS} concurrent requests with a rejected access token: exactly 1 refresh`, async (t) => {
    const redis = await startRedis(t);
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const api = control(emulator.url);
    const { apps } = await startInstances(t, redis, emulator);

    const first = new HttpClient(apps[0]!.url);
    await first.loginAs(USER1.username, USER1.password);
    const before = await tokensOf(apps[0]!, first);
    const browsers = browsersFor(apps, first);
    // The session is shared: every instance serves it before anything expires.
    for (const browser of browsers) {
      assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
    }
    assert.equal((await api.stats())['token.refresh_token'] ?? 0, 0);

    // RingCentral's clock moves past the access token's expiry: every instance meets a 401 and wants a refresh.
    await api.advanceClock(3600 + 60);
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        browsers[i % INSTANCES]!.get('/test?api=extension', { accept: 'application/json' }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    assert.deepEqual(
      statuses,
      statuses.map(() => 200),
      responses.find((r) => r.status !== 200)?.text.slice(0, 300),
    );
    assert.equal((await api.stats())['token.refresh_token'], 1);
    const after = await tokensOf(apps[1]!, browsers[1]!);
    assert.notEqual(after.accessToken, before.accessToken);

    const more = await Promise.all(
      browsers.map((browser) => browser.get('/test?api=extension', { accept: 'application/json' })),
    );
    assert.ok(more.every((r) => r.status === 200));
    assert.equal((await api.stats())['token.refresh_token'], 1);
  });

  void it('answers 503 while Redis is down, reports it on /readyz, and serves again when Redis is back', async (t) => {
    const redis = await startRedis(t, { appendonly: true });
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const { apps, backends } = await startInstances(t, redis, emulator);
    const browser = new HttpClient(apps[0]!.url);
    await browser.loginAs(USER1.username, USER1.password);
    assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);

    await redis.stop();
    for (let i = 0; i < 100 && backends[0]!.client.status === 'ready'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const down = await browser.get('/test?api=extension', { accept: 'application/json' });
    assert.equal(down.status, 503, down.text.slice(0, 300));
    assert.equal(down.json<{ code: string }>().code, 'RCAPP_SESSION_STORE_UNAVAILABLE');
    assert.ok(!down.text.includes('    at '), 'no stack trace');
    const page = await browser.page('/');
    assert.equal(page.status, 503);
    const ready = await browser.get('/readyz', { accept: 'application/json' });
    assert.equal(ready.status, 503);

    await redis.start();
    for (const backend of backends) await waitUntilReady(backend.client, 10_000);
    // The AOF kept the session: the same cookie is still logged in.
    const back = await browser.get('/test?api=extension', { accept: 'application/json' });
    assert.equal(back.status, 200, back.text.slice(0, 300));
    assert.equal((await browser.get('/readyz', { accept: 'application/json' })).status, 200);
  });
});
