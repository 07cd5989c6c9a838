/**
 * Redis stops while three app instances (child processes of `src/server.ts`) serve a logged-in user: requests get
 * only 200s and clear 503s (`RCAPP_SESSION_STORE_UNAVAILABLE`, never a 500, never a stack trace), `/readyz` says
 * not ready, `/healthz` stays up, and no process dies. Redis starts again on the same AOF directory: every
 * instance reconnects by itself and the same session cookie works again everywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpClient, type HttpResponse } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { control, raiseLimits, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import { browsersSharing, startAppProcess, waitUntil } from './support/instances.js';

const JSON_ACCEPT = { accept: 'application/json' };
const MAX_REQUESTS = 600;
const MAX_TRAFFIC_MS = 20_000;

interface Outcome {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

function outcomeOf(response: HttpResponse): Outcome {
  return { status: response.status, text: response.text, contentType: response.headers.get('content-type') ?? '' };
}

void describe('Redis outage under traffic', { skip: redisSkip() }, () => {
  void it('503s and /readyz while Redis is down, no crash, and the same sessions after an AOF restart', async (t) => {
    const redis = await startRedis(t, { appendonly: true });
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const instances = await Promise.all(
      [1, 2, 3].map(() => startAppProcess(t, { emulator, redisUrl: redis.url, keyPrefix: 'outage:' })),
    );
    const first = new HttpClient(instances[0]!.url);
    await first.loginAs(USER1.username, USER1.password);
    const browsers = browsersSharing(
      instances.map((i) => i.url),
      first,
    );

    // Traffic across the instances, bounded in count and time, while the test stops Redis underneath it.
    const outcomes: Outcome[] = [];
    let stopTraffic = false;
    const traffic = (async () => {
      const started = performance.now();
      for (let i = 0; i < MAX_REQUESTS && !stopTraffic && performance.now() - started < MAX_TRAFFIC_MS; i++) {
        const browser = browsers[i % browsers.length]!;
        const path = i % 5 === 4 ? '/' : '/test?api=extension';
        const response = path === '/' ? await browser.page(path) : await browser.get(path, JSON_ACCEPT);
        outcomes.push(outcomeOf(response));
      }
    })();
    const count = (status: number) => outcomes.filter((o) => o.status === status).length;

    await waitUntil(() => count(200) >= 15, '15 successful requests before the outage', { timeoutMs: 15_000 });
    await redis.stop();
    await waitUntil(() => count(503) >= 15, '15 answers of 503 during the outage', { timeoutMs: 15_000 });

    // While Redis is down: not ready, but alive.
    for (const instance of instances) {
      const ready = await fetch(`${instance.url}/readyz`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { checks: { sessionStore: string } };
      assert.equal(body.checks.sessionStore, 'failed');
      assert.equal((await fetch(`${instance.url}/healthz`)).status, 200);
    }
    stopTraffic = true;
    await traffic;

    t.diagnostic(`${outcomes.length} requests: ${count(200)} × 200, ${count(503)} × 503`);
    const statuses = new Set(outcomes.map((o) => o.status));
    assert.deepEqual([...statuses].sort(), [200, 503], `only 200 and 503 (got ${[...statuses].join(', ')})`);
    for (const outcome of outcomes.filter((o) => o.status === 503)) {
      assert.doesNotMatch(outcome.text, /\n\s+at /, 'no stack trace');
      if (outcome.contentType.startsWith('application/json')) {
        assert.equal((JSON.parse(outcome.text) as { code: string }).code, 'RCAPP_SESSION_STORE_UNAVAILABLE');
      } else {
        assert.match(outcome.text, /Sessions unavailable/);
        assert.match(outcome.text, /RCAPP_SESSION_STORE_UNAVAILABLE/);
      }
    }
    for (const instance of instances) assert.ok(instance.alive(), `instance ${instance.url} is still running`);

    // Redis back on the same AOF directory: every instance reconnects by itself and knows the session again.
    await redis.start();
    for (const instance of instances) {
      await waitUntil(
        async () => (await fetch(`${instance.url}/readyz`)).status === 200,
        `${instance.url} to be ready again`,
        { timeoutMs: 15_000, everyMs: 100 },
      );
    }
    for (const browser of browsers) {
      const response = await browser.get('/test?api=extension', JSON_ACCEPT);
      assert.equal(response.status, 200, `${browser.baseUrl}: ${response.text.slice(0, 200)}`);
      const page = await browser.page('/');
      assert.match(page.text, /Logout/, `${browser.baseUrl}: still logged in`);
    }
    assert.equal((await control(emulator.url).stats())['token.authorization_code'], 1, 'no second login');
    for (const instance of instances) {
      assert.doesNotMatch(
        instance.output(),
        /RCAPP_INTERNAL|uncaught|unhandled/i,
        `${instance.url}: no unexpected error`,
      );
    }
  });
});
