/**
 * `GET /metrics` after a scripted session over three instances on one Redis: the counters summed over the
 * instances match what the script did and what the emulator counted (requests per route, refreshes, RingCentral
 * calls per rate-limit group, a 429 after the emulator's Heavy limit is tightened, session store operations).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { control, raiseLimits, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import { type Sample, sumOf } from './support/metrics-text.js';
import { browsersSharing, metricsOf, startSharedInstances } from './support/instances.js';

const JSON_ACCEPT = { accept: 'application/json' };

void describe('metrics of a scripted session', { skip: redisSkip() }, () => {
  void it('count what happened: routes, refreshes, RingCentral calls per group, 429s, store calls', async (t) => {
    const redis = await startRedis(t);
    const emulator = await startTestEmulatorFor(t);
    await raiseLimits(emulator.url);
    const api = control(emulator.url);
    const instances = await startSharedInstances(t, {
      redisUrl: redis.url,
      emulator,
      count: 3,
      keyPrefix: 'metrics:',
    });
    const urls = instances.map((i) => i.url);
    const first = new HttpClient(urls[0]!);

    // Instance 1: login (GET /, callback: code exchange + the user's own extension).
    await first.loginAs(USER1.username, USER1.password);
    const [b1, b2, b3] = browsersSharing(urls, first);
    assert.ok(b1 && b2 && b3);
    // The emulator's Heavy limit is tightened to 2 calls a minute (this also empties its windows).
    await api.limits({ group: 'Heavy', limit: 2, windowSeconds: 60 });
    // Instance 2: three extension lists (Medium) and two call logs (Heavy).
    for (let i = 0; i < 3; i++) assert.equal((await b2.get('/test?api=extension', JSON_ACCEPT)).status, 200);
    for (let i = 0; i < 2; i++) {
      assert.equal((await b2.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    }
    // Instance 3: a third call log in the same minute is over the limit: 429.
    const limited = await b3.get('/test?api=extension-call-log', JSON_ACCEPT);
    assert.equal(limited.status, 429, limited.text.slice(0, 200));
    // Instance 1: the access token expired at RingCentral: 401, one refresh, the retry succeeds.
    await api.advanceClock(3600 + 60);
    assert.equal((await b1.get('/test?api=extension', JSON_ACCEPT)).status, 200);
    // Instance 3: logout (revocation).
    assert.equal((await b3.page('/logout', { 'sec-fetch-site': 'same-origin' })).status, 302);

    const perInstance = await Promise.all(urls.map((url) => metricsOf(url)));
    const all: Sample[] = perInstance.flat();
    const requests = (labels: Record<string, string>, samples: readonly Sample[] = all) =>
      sumOf(samples, 'http_requests_total', labels);

    // Requests per route, per instance where it matters.
    assert.equal(requests({ route: '/oauth2callback', status: '302' }, perInstance[0]), 1);
    assert.equal(requests({ route: '/test', status: '200' }, perInstance[1]), 5);
    assert.equal(requests({ route: '/test', status: '429' }, perInstance[2]), 1);
    assert.equal(requests({ route: '/test', status: '200' }, perInstance[0]), 1);
    assert.equal(requests({ route: '/logout', method: 'GET', status: '302' }, perInstance[2]), 1);
    assert.equal(requests({ route: '/test' }), 7);
    assert.equal(
      sumOf(all, 'http_request_duration_seconds_count', { route: '/test', method: 'GET' }),
      7,
      'every request timed',
    );

    // Refreshes: one, on instance 1.
    assert.equal(sumOf(perInstance[0]!, 'token_refreshes_total', { outcome: 'ok' }), 1);
    assert.equal(sumOf(all, 'token_refreshes_total', { outcome: 'ok' }), 1);
    assert.equal(sumOf(all, 'token_refreshes_total', { outcome: 'failed' }), 0);
    assert.equal(sumOf(all, 'token_refreshes_total', { outcome: 'coalesced' }), 0);

    // RingCentral calls by group and status, and against what the emulator saw.
    const calls = (group: string, status?: string) =>
      sumOf(all, 'ringcentral_requests_total', status === undefined ? { group } : { group, status });
    assert.equal(calls('Auth', '200'), 3, 'code exchange, refresh, revoke');
    assert.equal(calls('Light', '200'), 1, "the user's own extension at login");
    assert.equal(calls('Medium', '200'), 4);
    assert.equal(calls('Medium', '401'), 1, 'the expired token');
    assert.equal(calls('Heavy', '200'), 2);
    assert.equal(calls('Heavy', '429'), 1);
    assert.equal(sumOf(all, 'ringcentral_requests_total'), 12);
    assert.equal(sumOf(all, 'ringcentral_rate_limited_total', { group: 'Heavy' }), 1);
    assert.equal(sumOf(all, 'ringcentral_rate_limited_total'), 1);
    const stats = await api.stats();
    assert.equal(calls('Light'), stats['rest.Light']);
    assert.equal(calls('Medium'), stats['rest.Medium']);
    assert.equal(calls('Heavy'), stats['rest.Heavy']);
    assert.equal(calls('Auth'), stats.token! + stats.revoke!);
    assert.equal(sumOf(all, 'ringcentral_rate_limited_total'), stats.rateLimited);

    // Session store calls went to Redis on every instance, none failed.
    for (const samples of perInstance) {
      assert.ok(sumOf(samples, 'session_store_operation_duration_seconds_count', { store: 'redis', op: 'get' }) >= 1);
    }
    assert.equal(sumOf(all, 'session_store_operation_duration_seconds_count', { op: 'destroy' }) >= 1, true);
    assert.equal(sumOf(all, 'session_store_errors_total'), 0);
  });
});
