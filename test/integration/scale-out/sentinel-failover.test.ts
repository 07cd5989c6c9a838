/**
 * Redis Sentinel failover under traffic, nothing lost. Three app instances (child processes of `src/server.ts`,
 * configured as an operator would: `REDIS_SENTINELS`, `REDIS_SENTINEL_NAME`, `REDIS_PASSWORD`) on a primary, one
 * replica and three sentinels (`down-after-milliseconds` 1000, `failover-timeout` 3000), ten users logged in and
 * requesting all the time. The primary is killed with SIGKILL:
 * - every request answers 200 or, during the failover window, 503 `RCAPP_SESSION_STORE_UNAVAILABLE` (never another
 *   5xx, never a hang); the window's length is printed;
 * - within the failover time plus a few seconds every user's next request succeeds with the same cookie: no
 *   session lost (the logins were written with `WAIT 1`, so the replica that becomes primary has them; the tenth
 *   user's login completes just before the kill), no second login at RingCentral, no new cookie;
 * - then a refresh storm (200 concurrent requests of one session over the three instances, its access token
 *   expired) makes exactly one refresh at the emulator: the refresh lock works on the new primary. Its session
 *   write finds no replica to confirm it (the old primary is gone): it stands after the WAIT timeout, with a warning;
 * - each instance's session cache was paused by the failover and follows the new primary: a logout through one
 *   instance ends the session on the other two at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpClient, type HttpResponse } from '../../helpers/http-client.js';
import { SENTINEL_TEST_PASSWORD, startTestTopology, topologySkip } from '../../helpers/redis-topology.js';
import { ADMIN, control, raiseLimits, startTestEmulatorFor, USERS } from '../support/fixtures.js';
import { browsersSharing, pause, startAppProcess, waitUntil } from './support/instances.js';

const JSON_ACCEPT = { accept: 'application/json' };
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 3_000;
/** Bounds of the traffic: per user, and in time. */
const MAX_REQUESTS_PER_USER = 500;
const MAX_TRAFFIC_MS = 60_000;
/** A request that takes longer than this counts as a hang. */
const HANG_MS = 10_000;
const STORM = 200;

interface Outcome {
  readonly user: number;
  readonly url: string;
  /** `performance.now()` when sent and answered. */
  readonly sentAt: number;
  readonly doneAt: number;
  readonly status: number | 'hang';
  readonly code?: string;
  readonly text: string;
}

function within(ms: number, request: Promise<HttpResponse>): Promise<HttpResponse | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), ms)));
  return Promise.race([request, late]).finally(() => clearTimeout(timer));
}

function codeOf(response: HttpResponse): string | undefined {
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
    try {
      return (JSON.parse(response.text) as { code?: string }).code;
    } catch {
      return undefined;
    }
  }
  return /RCAPP_[A-Z_]+/.exec(response.text)?.[0];
}

void describe('Redis Sentinel failover under traffic', { skip: topologySkip('sentinel') }, () => {
  void it('the primary is killed: only 503s during the failover, no session lost, one refresh after', async (t) => {
    const redis = await startTestTopology(t, {
      kind: 'sentinel',
      password: SENTINEL_TEST_PASSWORD,
      replicas: 1,
      sentinels: 3,
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
    });
    const topology = redis.topology!;
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const api = control(emulator.url);
    const instances = await Promise.all(
      [1, 2, 3].map(() => startAppProcess(t, { emulator, redis, keyPrefix: 'failover:' })),
    );
    const urls = instances.map((i) => i.url);

    // Ten users, each logged in through one instance, each then served by all three. The tenth logs in while the
    // others' traffic runs, and the primary is killed the moment its login completes.
    const users = [ADMIN, ...USERS];
    const browsers: HttpClient[][] = [];
    const logIn = async (i: number): Promise<void> => {
      const first = new HttpClient(urls[i % urls.length]!);
      await first.loginAs(users[i]!.username, users[i]!.password);
      browsers[i] = browsersSharing(urls, first);
    };
    for (let i = 0; i < users.length - 1; i++) await logIn(i);

    let killedAt = 0;
    const since = (): number => performance.now() - killedAt;
    const outcomes: Outcome[] = [];
    let stopTraffic = false;
    const trafficStarted = performance.now();
    const trafficOf = async (user: number): Promise<void> => {
      const own = browsers[user]!;
      for (let i = 0; i < MAX_REQUESTS_PER_USER; i++) {
        if (stopTraffic || performance.now() - trafficStarted > MAX_TRAFFIC_MS) return;
        const browser = own[(i + user) % own.length]!;
        const sentAt = performance.now();
        const html = i % 5 === 4;
        const response = await within(
          HANG_MS,
          html ? browser.page('/') : browser.get('/test?api=extension', JSON_ACCEPT),
        );
        const doneAt = performance.now();
        const url = browser.baseUrl;
        if (response === 'hang') outcomes.push({ user, url, sentAt, doneAt, status: 'hang', text: '' });
        else {
          const code = codeOf(response);
          outcomes.push({
            user,
            url,
            sentAt,
            doneAt,
            status: response.status,
            ...(code === undefined ? {} : { code }),
            text: response.text.slice(0, 300),
          });
          if (html && response.status === 200) assert.match(response.text, /Logout/, `user ${user} logged in`);
        }
        await pause(20);
      }
    };
    const traffic = browsers.map((_, user) => trafficOf(user));
    const ok = (): number => outcomes.filter((o) => o.status === 200).length;
    await waitUntil(() => ok() >= 50, '50 successful requests before the failover', { timeoutMs: 20_000 });

    const primaryPort = await topology.primaryPort();
    const primary = topology.nodes.find((node) => node.port === primaryPort);
    assert.ok(primary, `the sentinels' primary (${primaryPort}) is one of ours`);
    const last = users.length - 1;
    await logIn(last);
    killedAt = performance.now();
    await primary.stop('SIGKILL');
    traffic.push(trafficOf(last));
    assert.equal(browsers.length, 10);
    const cookiesBefore = browsers.map((own) => own.map((b) => JSON.stringify([...b.jar])));
    assert.equal((await api.stats())['token.authorization_code'], 10);

    let electedAt = 0;
    await waitUntil(
      async () => {
        try {
          const now = await topology.primaryPort();
          if (now !== primaryPort) electedAt = performance.now();
          return now !== primaryPort;
        } catch {
          return false;
        }
      },
      'the sentinels to elect a new primary',
      { timeoutMs: DOWN_AFTER_MS + FAILOVER_TIMEOUT_MS + 10_000, everyMs: 50 },
    );
    // Every user is served again by every instance: a 200 sent after the election, for each user and instance.
    await waitUntil(
      () =>
        users.every((_, user) =>
          urls.every((url) =>
            outcomes.some((o) => o.user === user && o.url === url && o.status === 200 && o.sentAt > electedAt),
          ),
        ),
      'every user to be served again by every instance after the failover',
      {
        timeoutMs: 10_000,
        everyMs: 50,
        detail: () =>
          urls
            .map((url, i) => {
              const after = outcomes.filter((o) => o.url === url && o.sentAt > electedAt);
              const last = after
                .slice(-3)
                .map((o) => `${o.status} ${o.code ?? ''} @${Math.round(o.sentAt - killedAt)}`);
              return `instance ${i + 1}: ${after.length} requests after the election, last ${last.join(', ')}\n${instances[i]!.output().slice(-3000)}`;
            })
            .join('\n'),
      },
    );
    const allBackAt = since();
    stopTraffic = true;
    await Promise.all(traffic);

    const failed = outcomes.filter((o) => o.status !== 200);
    const unavailable = outcomes.filter((o) => o.status === 503);
    // The window runs from the first failed answer to the last, in ms since the kill (a request sent just before
    // the kill may fail: it was in flight when the primary died).
    const windowStart = Math.min(...failed.map((o) => o.doneAt)) - killedAt;
    const windowEnd = Math.max(...failed.map((o) => o.doneAt)) - killedAt;
    const elected = electedAt - killedAt;
    t.diagnostic(
      `${outcomes.length} requests, ${ok()} × 200, ${unavailable.length} × 503; primary killed at 0 ms, new primary ` +
        `elected at ${Math.round(elected)} ms; failover window (first to last 503): ${Math.round(windowStart)} to ` +
        `${Math.round(windowEnd)} ms = ${Math.round(windowEnd - windowStart)} ms; every user served again by ` +
        `${Math.round(allBackAt)} ms`,
    );
    assert.deepEqual(
      [...new Set(outcomes.map((o) => o.status))].sort(),
      unavailable.length > 0 ? [200, 503] : [200],
      `only 200 and 503 (${JSON.stringify(failed.find((o) => o.status !== 503))})`,
    );
    for (const outcome of unavailable) {
      assert.equal(outcome.code, 'RCAPP_SESSION_STORE_UNAVAILABLE', outcome.text);
      assert.doesNotMatch(outcome.text, /\n\s+at /, 'no stack trace');
    }
    assert.ok(unavailable.length > 0, 'the failover was noticed (some requests met it)');
    assert.ok(windowStart >= 0, 'no failure answered before the kill');
    assert.ok(
      windowEnd <= elected + 5_000,
      `the window closes within a few seconds of the election (${Math.round(windowEnd - elected)} ms after)`,
    );
    assert.ok(
      allBackAt <= DOWN_AFTER_MS + FAILOVER_TIMEOUT_MS + 8_000,
      `every user served again within the failover time plus a few seconds (${Math.round(allBackAt)} ms)`,
    );

    // No session lost: each user's next request on each instance is served with the cookie it always had.
    for (const [user, own] of browsers.entries()) {
      for (const browser of own) {
        const response = await browser.get('/test?api=extension', JSON_ACCEPT);
        assert.equal(response.status, 200, `user ${user} on ${browser.baseUrl}: ${response.text.slice(0, 200)}`);
      }
      assert.deepEqual(
        own.map((b) => JSON.stringify([...b.jar])),
        cookiesBefore[user],
        `user ${user} kept the same cookie`,
      );
    }
    assert.equal((await api.stats())['token.authorization_code'], 10, 'no one had to log in again');
    for (const instance of instances) {
      assert.equal((await fetch(`${instance.url}/readyz`)).status, 200, `${instance.url} is ready`);
      assert.ok(instance.alive(), `${instance.url} is still running`);
    }

    // A refresh storm right after the failover: 200 concurrent requests of one session, its access token expired.
    const storm = browsers[1]!;
    const refreshesBefore = (await api.stats())['token.refresh_token'] ?? 0;
    await api.advanceClock(3600 + 60);
    await api.fault({ route: 'token', delayMs: 2000, count: 1 });
    const responses = await Promise.all(
      Array.from({ length: STORM }, (_, i) => storm[i % storm.length]!.get('/test?api=extension', JSON_ACCEPT)),
    );
    const statuses = responses.map((r) => r.status);
    assert.deepEqual(
      statuses,
      statuses.map(() => 200),
      responses.find((r) => r.status !== 200)?.text.slice(0, 300),
    );
    const refreshes = ((await api.stats())['token.refresh_token'] ?? 0) - refreshesBefore;
    t.diagnostic(`refresh storm after the failover: ${STORM} × 200, ${refreshes} refresh at the emulator`);
    assert.equal(refreshes, 1, 'exactly one refresh_token grant at RingCentral');
    // The new primary has no replica yet: the refresh's write waited REDIS_WAIT_TIMEOUT_MS, stood, and was reported.
    assert.ok(
      instances.some((instance) => instance.output().includes('confirmed by fewer replicas than REDIS_WAIT_REPLICAS')),
      'the unreplicated refresh write is logged',
    );

    // Each instance keeps sessions in memory only while the new primary reports their changes to it: a logout
    // through one instance ends the session on the other two at once, after the failover as before it.
    for (const instance of instances) {
      assert.match(instance.output(), /session cache paused/, `${instance.url}: the failover paused its session cache`);
    }
    const leaving = browsers[2]!;
    for (const browser of leaving) {
      assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'cached on every instance');
    }
    assert.equal((await leaving[0]!.page('/logout', { 'sec-fetch-site': 'same-origin' })).status, 302);
    for (const browser of leaving) {
      const after = await browser.get('/test?api=extension', JSON_ACCEPT);
      assert.equal(after.status, 401, `${browser.baseUrl} after the logout: ${after.text.slice(0, 200)}`);
    }

    for (const instance of instances) {
      const output = instance.output();
      assert.doesNotMatch(output, /RCAPP_INTERNAL|uncaught|unhandled/i, `${instance.url}: no unexpected error`);
      assert.ok(!output.includes(SENTINEL_TEST_PASSWORD), `${instance.url}: the Redis password is never printed`);
    }
  });
});
