/**
 * The scale-out issue's first two checks, with three app instances (real `createApp`, each with its own Redis
 * connection, store and refresh lock) on one private Redis and the emulator:
 * - a user logs in through instance 1, instances 2 and 3 serve that user's API calls, and a logout through
 *   instance 3 ends the session on 1 and 2 at once (no instance keeps a copy of a session);
 * - 200 concurrent requests of one session spread over the three instances, with the access token expired at
 *   RingCentral, cause exactly one refresh at the emulator and 200 successes; the instances' metrics say that one
 *   request refreshed and the other 199 used its result.
 * Both on one Redis server (a fresh one per test) and on Redis Cluster (three primaries, one per file).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpClient } from '../../helpers/http-client.js';
import {
  SUITE_TOPOLOGIES,
  topologiesForFile,
  topologySkip,
  topologyTitle,
  uniquePrefix,
} from '../../helpers/redis-topology.js';
import {
  control,
  raiseLimits,
  sessionIdOf,
  startTestEmulatorFor,
  tokensOf,
  USER1,
  USERS,
} from '../support/fixtures.js';
import { sumOf } from './support/metrics-text.js';
import { browsersSharing, metricsOf, startSharedInstances } from './support/instances.js';

const JSON_ACCEPT = { accept: 'application/json' };
const REQUESTS = 200;
const redisFor = topologiesForFile();

for (const topology of SUITE_TOPOLOGIES) {
  void describe(topologyTitle('three app instances on one Redis', topology), { skip: topologySkip(topology) }, () => {
    void it('log in through instance 1, API calls through 2 and 3, logout through 3 ends it on 1 and 2', async (t) => {
      const redis = await redisFor(t, topology);
      const emulator = await startTestEmulatorFor(t);
      await raiseLimits(emulator.url);
      const api = control(emulator.url);
      const [one, two, three] = await startSharedInstances(t, {
        redis,
        emulator,
        count: 3,
        keyPrefix: uniquePrefix('so3:'),
      });
      assert.ok(one && two && three);

      const first = new HttpClient(one.url);
      await first.loginAs(USER1.username, USER1.password);
      const [b1, b2, b3] = browsersSharing([one.url, two.url, three.url], first);
      assert.ok(b1 && b2 && b3);
      // Another user on instance 2 at the same time: sessions must not mix.
      const other = new HttpClient(two.url);
      await other.loginAs(USERS[1]!.username, USERS[1]!.password);

      for (const [browser, name] of [
        [b2, 'extension'],
        [b3, 'extension-call-log'],
        [b2, 'extension-call-log'],
      ] as const) {
        const response = await browser.get(`/test?api=${name}`, JSON_ACCEPT);
        assert.equal(response.status, 200, `${browser.baseUrl} ${name}: ${response.text.slice(0, 200)}`);
      }
      const home2 = await b2.page('/');
      assert.equal(home2.status, 200);
      assert.match(home2.text, /Logout/, 'instance 2 shows the logged-in page');
      const mine = await b3.get('/test?api=extension-call-log&perPage=1', JSON_ACCEPT);
      const theirs = await other.get('/test?api=extension-call-log&perPage=1', JSON_ACCEPT);
      assert.notEqual(
        mine.json<{ uri: string }>().uri,
        theirs.json<{ uri: string }>().uri,
        'each browser sees its own call log',
      );
      assert.equal((await api.stats())['token.authorization_code'], 2, 'one login per user, nowhere else');

      // RingCentral is made to refuse the revocation: if the other instances still answered as logged in, the
      // token at RingCentral would still work, so only the shared session store can end the session.
      await api.fault({ route: 'revoke', status: 500, count: 1 });
      const out = await b3.page('/logout', { 'sec-fetch-site': 'same-origin' });
      assert.equal(out.status, 302);
      assert.equal(await three.app.store.get(sessionIdOf(three.app, first)!), undefined, 'gone from Redis');

      for (const browser of [b1, b2]) {
        const json = await browser.get('/test?api=extension', JSON_ACCEPT);
        assert.equal(json.status, 401, `${browser.baseUrl} answers as logged out`);
        assert.equal(json.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');
        const page = await browser.page('/');
        assert.equal(page.status, 200);
        assert.match(page.text, /Login RingCentral Account/, `${browser.baseUrl} shows the login page`);
      }
      assert.equal(
        (await other.get('/test?api=extension', JSON_ACCEPT)).status,
        200,
        'the other user is still logged in',
      );
    });

    void it(`${REQUESTS} concurrent requests, expired access token: exactly 1 refresh, ${REQUESTS} × 200`, async (t) => {
      const redis = await redisFor(t, topology);
      const emulator = await startTestEmulatorFor(t);
      await raiseLimits(emulator.url);
      const api = control(emulator.url);
      const instances = await startSharedInstances(t, {
        redis,
        emulator,
        count: 3,
        keyPrefix: uniquePrefix('so200:'),
      });
      const urls = instances.map((i) => i.url);
      const first = new HttpClient(urls[0]!);
      await first.loginAs(USER1.username, USER1.password);
      const before = await tokensOf(instances[0]!.app, first);
      const browsers = browsersSharing(urls, first);
      for (const browser of browsers) {
        assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
      }
      assert.equal((await api.stats())['token.refresh_token'], 0);

      // RingCentral's clock passes the access token's expiry: every request meets a 401 and needs a refresh. The one
      // refresh is held for a moment so that all 200 requests have met the 401 before it completes.
      await api.advanceClock(3600 + 60);
      await api.fault({ route: 'token', delayMs: 2000, count: 1 });
      const responses = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          browsers[i % browsers.length]!.get('/test?api=extension', JSON_ACCEPT),
        ),
      );
      const statuses = responses.map((r) => r.status);
      assert.deepEqual(
        statuses,
        statuses.map(() => 200),
        responses.find((r) => r.status !== 200)?.text.slice(0, 300),
      );
      const stats = await api.stats();
      assert.equal(stats['token.refresh_token'], 1, 'exactly one refresh_token grant at RingCentral');
      const after = await tokensOf(instances[2]!.app, browsers[2]!);
      assert.notEqual(after.accessToken, before.accessToken);

      const samples = (await Promise.all(urls.map((url) => metricsOf(url)))).flat();
      const refreshes = (outcome: string) => sumOf(samples, 'token_refreshes_total', { outcome });
      assert.equal(refreshes('ok'), 1);
      assert.equal(refreshes('failed'), 0);
      assert.ok(refreshes('coalesced') >= REQUESTS - 1, `coalesced ${refreshes('coalesced')} ≥ ${REQUESTS - 1}`);
      assert.equal(
        sumOf(samples, 'http_requests_total', { route: '/test', status: '200' }),
        REQUESTS + browsers.length,
      );
      assert.equal(
        sumOf(samples, 'ringcentral_requests_total', { group: 'Auth', status: '200' }),
        2,
        'login + 1 refresh',
      );

      const more = await Promise.all(browsers.map((browser) => browser.get('/test?api=extension', JSON_ACCEPT)));
      assert.ok(more.every((r) => r.status === 200));
      assert.equal((await api.stats())['token.refresh_token'], 1);
    });
  });
}
