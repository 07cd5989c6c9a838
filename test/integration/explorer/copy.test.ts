/**
 * Browsing the call log all day within RingCentral's limits: the explorer serves every page, filter, view and chart
 * of a range from the user's copy of the call log, read once (1,000 records a call) and shared by every instance
 * on Redis; a refresh is one incremental sync (Call Log Sync `ISync`); logout drops the copy; the CSV export of a
 * copied range costs no call; the numbers equal the emulator's data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRedisBackend } from '../../../src/redis/redis-backend.js';
import { createRedisCopyStore } from '../../../src/redis/call-log-copy-store.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { startTestApp, TEST_SESSION_SECRETS } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { startTestEmulator } from '../../helpers/emulator.js';
import { ADMIN, USER1, tokensOf } from '../support/fixtures.js';
import { dayInZone, emulatorCallLog, logIn, startStack, tableRows } from './support.js';

const RANGE = `dateFrom=${dayInZone('UTC', -30)}&dateTo=${dayInZone('UTC', 0)}&tz=UTC`;

function heavy(stats: Record<string, number>): number {
  return stats['rest.Heavy'] ?? 0;
}

void describe('the explorer serves the call log from the user’s copy', () => {
  void it('a minute of browsing the company log under RingCentral’s default limits: 12 views, no 429, ≤ 6 calls', async (t) => {
    const stack = await startStack(t, { generousLimits: false });
    const { browser } = await logIn(stack, ADMIN);
    const before = await stack.emulator.control.stats();
    const base = `/test?api=account-call-log&${RANGE}&perPage=100`;
    const views = [
      ...[1, 2, 3, 4, 5].map((page) => `${base}&page=${page}`),
      `${base}&direction=Inbound`,
      `${base}&direction=Inbound&type=Voice`,
      `${base}&view=Detailed`,
      `${base}&page=2`,
      `${base}&page=1`,
      `${base}&direction=Inbound`,
      `${base}&page=5`,
    ];
    const pages = [];
    for (const view of views) {
      const page = await browser.page(view);
      assert.equal(page.status, 200, `${view}: ${page.text.slice(0, 200)}`);
      pages.push(page);
    }
    const after = await stack.emulator.control.stats();
    assert.equal(after.rateLimited, before.rateLimited, 'no 429 from RingCentral');
    const calls = heavy(after) - heavy(before);
    assert.ok(calls <= 6, `${calls} Heavy calls for ${views.length} views`);

    // The numbers are the emulator's (read straight from it once the window has passed).
    await stack.emulator.control.advanceClock(61);
    const token = (await tokensOf(stack.app, browser)).accessToken;
    const range = {
      dateFrom: `${dayInZone('UTC', -30)}T00:00:00.000Z`,
      dateTo: `${dayInZone('UTC', 0)}T23:59:59.999Z`,
    };
    const all = await emulatorCallLog(stack.emulator.url, token, 'account', range);
    assert.deepEqual(
      tableRows(pages[0]!.text).map((row) => row.id),
      all.slice(0, 100).map((record) => record.id),
      'page 1 is RingCentral’s first 100 records',
    );
    assert.deepEqual(
      tableRows(pages[4]!.text).map((row) => row.id),
      all.slice(400, 500).map((record) => record.id),
      'page 5 is records 401–500',
    );
    const inbound = await emulatorCallLog(stack.emulator.url, token, 'account', { ...range, direction: 'Inbound' });
    assert.deepEqual(
      tableRows(pages[5]!.text).map((row) => row.id),
      inbound.slice(0, 100).map((record) => record.id),
      'the filtered page is RingCentral’s filtered page',
    );
  });

  void it('a new call shows up after a refresh, through one incremental sync; logout drops the copy', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const url = `/test?api=extension-call-log&perPage=1000&tz=UTC`;
    const first = await browser.page(url);
    const before = await stack.emulator.control.stats();
    await fetch(`${stack.emulator.url}/__emulator/call-log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensionNumber: USER1.extensionNumber, record: {} }),
    });
    const added = await stack.emulator.control.stats();
    const stale = await browser.page(url);
    assert.deepEqual(
      tableRows(stale.text).map((r) => r.id),
      tableRows(first.text).map((r) => r.id),
      'until refreshed, the page is as of its copy',
    );
    // The page says how fresh it is and links to its refresh.
    const line =
      /<span class="freshness" data-testid="freshness"> · as of <time datetime="([^"]+)">(\d\d:\d\d:\d\d)<\/time> · <a href="([^"]+)">Refresh<\/a>/.exec(
        stale.text,
      );
    assert.ok(line, 'the freshness line is on the page');
    assert.ok(Math.abs(Date.parse(line[1]!) - Date.now()) < 60_000, `as of ${line[1]}`);
    assert.equal(line[2], line[1]!.slice(11, 19), 'the time is shown in the page’s time zone (UTC here)');
    const refreshHref = line[3]!.replaceAll('&amp;', '&');
    assert.match(refreshHref, /^\/test\?.*refresh=1/);
    const refresh = await browser.page(refreshHref);
    assert.equal(refresh.status, 303);
    assert.equal(new URL(refresh.location!).pathname, '/test');
    assert.doesNotMatch(refresh.location!, /refresh=1/);
    const fresh = await browser.page(refresh.location!);
    assert.equal(tableRows(fresh.text).length, tableRows(first.text).length + 1, 'the new call is on the page');
    const after = await stack.emulator.control.stats();
    assert.equal(after['rest.syncUserCallLog']! - added['rest.syncUserCallLog']!, 1, 'one incremental sync');
    assert.equal(after['rest.readUserCallLog'], before['rest.readUserCallLog'], 'no re-read');

    const owner = (await tokensOf(stack.app, browser)).ownerId;
    assert.equal((await browser.page('/logout', { 'sec-fetch-site': 'same-origin' })).status, 302);
    const again = new HttpClient(stack.app.url);
    await again.loginAs(USER1.username, USER1.password);
    const reads = (await stack.emulator.control.stats())['rest.readUserCallLog']!;
    await again.page(url);
    assert.equal(
      (await stack.emulator.control.stats())['rest.readUserCallLog']! - reads,
      1,
      `the copy of ${owner} went with the logout: read again`,
    );
  });

  void it('the CSV export of a range the copy holds costs no call and equals the pages', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const page = await browser.page(`/test?api=extension-call-log&${RANGE}&perPage=1000`);
    assert.match(
      page.text,
      /calls<\/strong> in your copy of the call log, no RingCentral request\./,
      'the page says so',
    );
    const before = await stack.emulator.control.stats();
    const csv = await browser.get(`/export/call-log.csv?scope=extension&${RANGE}`);
    assert.equal(csv.status, 200);
    const after = await stack.emulator.control.stats();
    assert.equal(after.rest, before.rest, 'the export read nothing from RingCentral');
    const ids = csv.text
      .trim()
      .split('\n')
      .slice(1)
      // A cell a spreadsheet would run as a formula carries a leading ' (see explorer/csv.ts).
      .map((line) => (line.split(',')[0] ?? '').replace(/^'(?=[-+=@])/, ''));
    assert.deepEqual(
      ids,
      tableRows(page.text).map((row) => row.id),
    );
  });

  void it(
    'on Redis, a second instance serves the same range with no call; the copy is sealed',
    { skip: redisSkip() },
    async (t) => {
      const redis = await startRedis(t);
      const emulator = await startTestEmulator(t);
      for (const group of ['Light', 'Medium', 'Heavy'] as const) {
        await emulator.control.limits({ group, limit: 100_000, windowSeconds: 60 });
      }
      const apps = [];
      for (let i = 0; i < 2; i++) {
        const backend = await openRedisBackend({ url: redis.url, keyPrefix: 'copy:', commandTimeoutMs: 1_000 });
        const app = await startTestApp(t, {
          emulator,
          store: backend.store,
          refreshCoordinator: backend.coordinator,
          callLogCopyStore: createRedisCopyStore({
            client: backend.client,
            cipher: createSessionCipher(TEST_SESSION_SECRETS),
            keyPrefix: 'copy:',
          }),
          env: { SESSION_STORE: 'redis', REDIS_URL: redis.url },
        });
        apps.push({ app, backend });
      }
      const [a, b] = apps;
      assert.ok(a && b);
      const onA = new HttpClient(a.app.url);
      await onA.loginAs(USER1.username, USER1.password);
      const onB = new HttpClient(b.app.url);
      for (const [name, value] of onA.jar) onB.jar.set(name, value);
      const view = `/test?api=extension-call-log&${RANGE}&perPage=50&page=2`;
      const fromA = await onA.page(view);
      const before = await emulator.control.stats();
      const fromB = await onB.page(view);
      assert.equal((await emulator.control.stats()).rest, before.rest, 'no call from the second instance');
      assert.deepEqual(
        tableRows(fromB.text).map((r) => r.id),
        tableRows(fromA.text).map((r) => r.id),
      );
      const keys = await a.backend.client.keys('copy:cl:*');
      assert.ok(keys.length > 0, 'the copy is in Redis');
      const raw = (await a.backend.client.get(keys[0]!)) ?? '';
      const someId = tableRows(fromA.text)[0]!.id;
      assert.ok(!raw.includes(someId) && !raw.includes('startTime'), 'sealed: no call record in plaintext');
      await onA.page('/logout', { 'sec-fetch-site': 'same-origin' });
      assert.deepEqual(await a.backend.client.keys('copy:cl:*'), [], 'logout dropped it');
    },
  );
});
