/**
 * The readiness counters (in-process and Redis), the call listener that feeds them, and the report measured against
 * RingCentral's production-access criteria: each criterion met and missed, with the figures it names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { buildReadinessReport } from '../../../src/readiness/readiness-report.js';
import {
  classOf,
  createMemoryReadinessStore,
  type ReadinessCounts,
  type ReadinessStore,
} from '../../../src/readiness/readiness-store.js';
import { readinessCounter } from '../../../src/readiness/readiness-listener.js';
import { FLUSH_MS as READINESS_FLUSH_MS, createRedisReadinessStore } from '../../../src/redis/readiness-store.js';
import { fileCleanup, redisSkip, startRedis } from '../../helpers/redis.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T12:00:00Z');

function storeContract(name: string, make: (clock: { now: number }) => Promise<ReadinessStore>, skip: string | false) {
  describe(`${name} readiness counters`, { skip }, () => {
    it('count answers per operation and class, refreshes, and granted permissions', async () => {
      const clock = { now: T0 };
      const store = await make(clock);
      for (const status of [200, 200, 404, 429, 503]) store.recordCall('readUserCallLog', status);
      store.recordCall('readUserCallLog', 'error');
      store.recordCall('listExtensions', 200);
      store.recordCall('bad op!', 200);
      store.recordRefresh(true);
      store.recordRefresh(false);
      store.recordScope('ReadAccounts ReadCallLog');
      store.recordScope('ReadAccounts');
      const counts = await store.read();
      assert.deepEqual(counts.operations.readUserCallLog, {
        '2xx': 2,
        '4xx': 1,
        '429': 1,
        '5xx': 1,
        other: 0,
        error: 1,
      });
      assert.equal(counts.operations.listExtensions?.['2xx'], 1);
      assert.equal(counts.operations.other?.['2xx'], 1, 'an odd operation id is folded');
      assert.deepEqual(counts.refreshes, { ok: 1, failed: 1 });
      assert.deepEqual(counts.scopes, ['ReadAccounts', 'ReadCallLog']);
      // The report covers yesterday and today (UTC), or less when counting began later.
      assert.ok(counts.since >= Date.parse('2026-03-09T00:00:00Z') && counts.since <= T0);
    });

    it('the period is the last two UTC days: older days drop out', async () => {
      const clock = { now: T0 };
      const store = await make(clock);
      store.recordCall('readExtension', 200);
      clock.now += DAY;
      store.recordCall('readExtension', 200);
      assert.equal((await store.read()).operations.readExtension?.['2xx'], 2);
      clock.now += DAY;
      store.recordCall('readExtension', 200);
      assert.equal((await store.read()).operations.readExtension?.['2xx'], 2, 'the first day is out');
      clock.now += 2 * DAY;
      assert.deepEqual((await store.read()).operations, {});
    });
  });
}

storeContract('memory', (clock) => Promise.resolve(createMemoryReadinessStore({ now: () => clock.now })), false);

const cleanup = fileCleanup();
let prefix = 0;
storeContract(
  'redis',
  async (clock) => {
    const redis = await startRedis(cleanup);
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    cleanup.after(() => {
      client.disconnect();
      return Promise.resolve();
    });
    return createRedisReadinessStore({ client, keyPrefix: `r${(prefix += 1)}:`, now: () => clock.now });
  },
  redisSkip(),
);

it(
  'redis readiness counters: added up in the instance and written once a second, at a read and at flush; the day hash expires about three days after its last write',
  { skip: redisSkip() },
  async () => {
    const redis = await startRedis(cleanup);
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    cleanup.after(() => {
      client.disconnect();
      return Promise.resolve();
    });
    const clock = { now: Date.UTC(2026, 10, 25, 12) };
    const store = createRedisReadinessStore({ client, keyPrefix: 'ttl:', now: () => clock.now });
    await client.config('RESETSTAT');
    for (let i = 0; i < 3; i++) store.recordCall('readExtension', 200);
    store.recordCall('readExtension', 500);
    const key = 'ttl:ready:2026-11-25';
    assert.equal(await client.hget(key, 'c|readExtension|2xx'), null, 'not written per call');
    await new Promise((resolve) => setTimeout(resolve, READINESS_FLUSH_MS + 300));
    assert.equal(await client.hget(key, 'c|readExtension|2xx'), '3', 'written within a second');
    assert.equal(await client.hget(key, 'c|readExtension|5xx'), '1');
    const stats = await client.info('commandstats');
    assert.equal(/cmdstat_hincrby:calls=(\d+)/.exec(stats)?.[1], '2', 'one HINCRBY per field counted');
    const ttl = await client.pttl(key);
    assert.ok(ttl > 3 * DAY - 60_000 && ttl <= 3 * DAY, `ttl ${ttl}`);
    // Renewed at most hourly per instance: a count two hours later pushes the expiry out again.
    await client.pexpire(key, 1000);
    clock.now += 1000;
    store.recordCall('readExtension', 200);
    await store.flush();
    assert.ok((await client.pttl(key)) <= 1000, 'not renewed within the hour');
    clock.now += 2 * 3_600_000;
    store.recordCall('readExtension', 200);
    const counts = await store.read();
    assert.equal(counts.operations.readExtension?.['2xx'], 5, 'a read includes what was not written yet');
    assert.ok((await client.pttl(key)) > 3 * DAY - 60_000, 'renewed after an hour');
    assert.equal(await client.hget(key, 'c|readExtension|2xx'), '5');
  },
);

it('classOf: 2xx, 4xx, 429 apart, 5xx, other, no answer', () => {
  assert.deepEqual([200, 204, 401, 429, 500, 302, 'error' as const].map(classOf), [
    '2xx',
    '2xx',
    '4xx',
    '429',
    '5xx',
    'other',
    'error',
  ]);
});

describe('readiness call listener', () => {
  it('calls count by operationId and outcome, refreshes as ok/failed, granted scopes once each', async () => {
    const store = createMemoryReadinessStore({ now: () => T0 });
    const listen = readinessCounter(store);
    const call = { group: 'Heavy', durationMs: 3, owner: '101' } as const;
    listen({ ...call, operationId: 'readCompanyCallLog', outcome: 403 });
    listen({ ...call, operationId: 'readCompanyCallLog', outcome: 'error' });
    listen({
      ...call,
      operationId: 'getToken',
      group: 'Auth',
      outcome: 200,
      grant: 'authorization_code',
      scope: 'ReadAccounts ReadCallLog',
    });
    listen({ ...call, operationId: 'getToken', group: 'Auth', outcome: 400, grant: 'refresh_token' });
    listen({ ...call, operationId: 'getToken', group: 'Auth', outcome: 'error', grant: 'refresh_token' });
    listen({
      ...call,
      operationId: 'getToken',
      group: 'Auth',
      outcome: 200,
      grant: 'refresh_token',
      scope: 'ReadAccounts',
    });
    listen({ ...call, operationId: 'revokeToken', group: 'Auth', outcome: 200 });
    const counts = await store.read();
    assert.equal(counts.operations.readCompanyCallLog?.['4xx'], 1);
    assert.equal(counts.operations.readCompanyCallLog?.error, 1);
    assert.deepEqual({ ...counts.operations.getToken }, { '2xx': 2, '4xx': 1, '429': 0, '5xx': 0, other: 0, error: 1 });
    assert.equal(counts.operations.revokeToken?.['2xx'], 1);
    assert.deepEqual(counts.refreshes, { ok: 1, failed: 2 });
    assert.deepEqual(counts.scopes, ['ReadAccounts', 'ReadCallLog']);
  });
});

function counts(operations: Record<string, Partial<Record<string, number>>>, extra: Partial<ReadinessCounts> = {}) {
  const full: ReadinessCounts['operations'] = Object.fromEntries(
    Object.entries(operations).map(([op, row]) => [
      op,
      { '2xx': 0, '4xx': 0, '429': 0, '5xx': 0, other: 0, error: 0, ...row },
    ]),
  );
  return {
    operations: full,
    refreshes: { ok: 2, failed: 0 },
    scopes: ['ReadAccounts', 'ReadCallLog'],
    since: T0 - DAY,
    ...extra,
  };
}

const byId = (report: ReturnType<typeof buildReadinessReport>) =>
  Object.fromEntries(report.criteria.map((c) => [c.id, c]));

describe('readiness report', () => {
  it('traffic that meets every criterion is ready', () => {
    const report = buildReadinessReport(
      counts({ listExtensions: { '2xx': 10 }, readUserCallLog: { '2xx': 10 }, getToken: { '2xx': 3 } }),
      T0,
    );
    assert.equal(report.ready, true);
    assert.deepEqual(
      report.endpoints.map((e) => [e.operationId, e.calls, e.success, e.passes]),
      [
        ['listExtensions', 10, 10, true],
        ['readUserCallLog', 10, 10, true],
      ],
    );
    assert.deepEqual(report.permissions, {
      requested: ['ReadAccounts', 'ReadCallLog'],
      used: ['ReadAccounts', 'ReadCallLog'],
      unused: [],
    });
    assert.deepEqual(report.totals, { calls: 20, success: 20, clientErrors: 0, rateLimited: 0, clientErrorShare: 0 });
    assert.equal(report.oauth.tokenCalls, 3, 'OAuth calls are listed, not counted as API calls');
    assert.equal(report.since, new Date(T0 - DAY).toISOString());
  });

  it('each criterion missed names what is missing', () => {
    const report = buildReadinessReport(
      counts(
        {
          listExtensions: { '2xx': 15, '4xx': 1 },
          readCompanyCallLog: { '2xx': 3, '429': 1 },
        },
        { refreshes: { ok: 1, failed: 1 }, scopes: ['ReadAccounts', 'ReadCallLog', 'SMS'] },
      ),
      T0,
    );
    const c = byId(report);
    assert.equal(report.ready, false);
    assert.deepEqual(
      [c['success-per-endpoint']?.ok, c['success-per-endpoint']?.detail],
      [false, 'too few: readCompanyCallLog (3)'],
    );
    assert.deepEqual([c['success-total']?.ok, c['success-total']?.detail], [false, '18 successful calls']);
    assert.deepEqual(
      [c['permissions-used']?.ok, c['permissions-used']?.detail.startsWith('unused: SMS')],
      [false, true],
    );
    assert.deepEqual([c['client-error-share']?.ok, c['client-error-share']?.detail], [false, '10% (2 of 20)']);
    assert.deepEqual([c['no-429']?.ok, c['no-429']?.detail], [false, '1 answered 429']);
    assert.deepEqual([c['token-use']?.ok, c['token-use']?.detail], [false, '2 refreshes, 1 failed']);
    assert.equal(
      report.endpoints.find((e) => e.operationId === 'listExtensions')?.passes,
      false,
      '1 of 16 is 6.25% 4xx',
    );
    assert.equal(report.endpoints.find((e) => e.operationId === 'readCompanyCallLog')?.passes, false);
  });

  it('with no traffic nothing is met yet, and the report says why', () => {
    const report = buildReadinessReport(counts({}, { scopes: [] }), T0);
    const c = byId(report);
    assert.equal(report.ready, false);
    assert.equal(c['success-per-endpoint']?.detail, 'no RingCentral API call was made yet');
    assert.match(c['permissions-used']?.detail ?? '', /no token answer seen yet/);
    assert.deepEqual(report.endpoints, []);
  });
});
