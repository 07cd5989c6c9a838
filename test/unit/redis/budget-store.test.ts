/**
 * The Redis budget store against the shared contract (on an injected clock), plus what only it does: keys carry the
 * prefix and a cluster hash tag and expire when idle, odd owner ids are hashed, and with no injected clock Redis's
 * own TIME is used.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { COMPLETION_DELAY_MS, createRedisBudgetStore } from '../../../src/redis/budget-store.js';
import { fileCleanup, redisSkip, startRedis, type RedisServer } from '../../helpers/redis.js';
import { budgetStoreContract } from '../governor/budget-store-contract.js';

const skip = redisSkip();
const cleanup = fileCleanup();
let redis: RedisServer | undefined;

async function client(): Promise<Redis> {
  redis ??= await startRedis(cleanup);
  const c = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await c.connect();
  // Cleanups run last first: the connection ends before the server stops.
  cleanup.after(() => {
    c.disconnect();
    return Promise.resolve();
  });
  return c;
}

budgetStoreContract(
  'redis',
  async (clock) => createRedisBudgetStore({ client: await client(), keyPrefix: 'contract:', now: () => clock.now }),
  { skip },
);

const HEAVY = { limit: 10, windowMs: 60_000 };

describe('redis budget store: keys', { skip }, () => {
  let c: Redis;
  before(async () => {
    c = await client();
  });

  it('four keys per budget under the prefix, one hash tag, each expiring when idle', async () => {
    const store = createRedisBudgetStore({ client: c, keyPrefix: 'keys:' });
    await store.reserve({ owner: '101', group: 'Heavy' }, 't1', HEAVY, 0);
    await store.complete({ owner: '101', group: 'Heavy' }, 't1', HEAVY, { limit: 5, windowMs: 2000, remaining: 4 });
    const keys = (await c.keys('keys:*')).sort();
    assert.deepEqual(keys, ['keys:rl:{Heavy:101}:m', 'keys:rl:{Heavy:101}:s']);
    for (const key of keys) {
      const ttl = await c.pttl(key);
      assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `${key} expires in ${ttl} ms`);
    }
    assert.deepEqual(await c.hgetall('keys:rl:{Heavy:101}:m'), { limit: '5', window: '2000', learned: '1' });
  });

  it("an owner id that is not plain is hashed into the key; Redis's clock is used without an injected one", async () => {
    const store = createRedisBudgetStore({ client: c, keyPrefix: 'odd:' });
    const owner = 'a b}{:*\n';
    assert.deepEqual(await store.reserve({ owner, group: 'Light' }, 't', HEAVY, 0), { kind: 'go' });
    const keys = await c.keys('odd:*');
    assert.equal(keys.length, 1);
    assert.match(keys[0]!, /^odd:rl:\{Light:[A-Za-z0-9_-]{22}\}:f$/);
    const sentAt = Number(await c.hget(keys[0]!, 't'));
    const [seconds] = await c.time();
    assert.ok(Math.abs(sentAt - Number(seconds) * 1000) < 2000, 'the send time is Redis time');
  });
});

describe('redis budget store: scripts', { skip }, () => {
  it('scripts run by SHA-1; after Redis forgets them (restart, SCRIPT FLUSH) the next call loads them again', async () => {
    const c = await client();
    const store = createRedisBudgetStore({ client: c, keyPrefix: 'sha:' });
    await c.config('RESETSTAT');
    const k = { owner: '7', group: 'Heavy' };
    assert.deepEqual(await store.reserve(k, 'a', HEAVY, 0), { kind: 'go' });
    await c.script('FLUSH');
    assert.deepEqual(await store.reserve(k, 'b', HEAVY, 0), { kind: 'go' });
    await store.complete(k, 'a', HEAVY, { limit: 10, windowMs: 60_000, remaining: 8 });
    await c.script('FLUSH');
    await store.complete(k, 'b', HEAVY, { limit: 10, windowMs: 60_000, remaining: 8 });
    const snapshot = await store.snapshot(k, HEAVY);
    assert.equal(snapshot.used, 2);
    assert.equal(snapshot.learned, true);
    const commands = await c.info('commandstats');
    const calls = (name: string): number => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(commands)?.[1] ?? 0);
    assert.ok(calls('evalsha') >= 4, 'every call went by SHA-1');
    // The text only for each script's first call after a flush: reserve and complete after the first, the snapshot
    // after the second ("b"'s completion repeats what "a"'s taught, so it is held and goes with the snapshot).
    assert.equal(calls('eval'), 3);
  });
});

describe('redis budget store: one command per call', { skip }, () => {
  const count = async (c: Redis, name: string): Promise<number> =>
    Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(await c.info('commandstats'))?.[1] ?? 0);

  it('a completion that teaches nothing new goes with the next reservation; until then it counts as in flight', async () => {
    const c = await client();
    const clock = { now: 1_000_000 };
    const store = createRedisBudgetStore({ client: c, keyPrefix: 'held:', now: () => clock.now });
    const k = { owner: '8', group: 'Heavy' };
    const headers = { limit: 10, windowMs: 60_000 };
    await store.reserve(k, 'a', HEAVY, 0);
    await store.complete(k, 'a', HEAVY, { ...headers, remaining: 9 });
    await c.config('RESETSTAT');
    for (const ticket of ['b', 'c', 'd']) {
      assert.deepEqual(await store.reserve(k, ticket, HEAVY, 0), { kind: 'go' });
      clock.now += 100;
      await store.complete(k, ticket, HEAVY, headers);
    }
    assert.equal(await count(c, 'evalsha'), 3, 'three calls, three commands');
    const f = 'held:rl:{Heavy:8}:f';
    assert.deepEqual(await c.hkeys(f), ['d'], 'the last answered call is still in flight in Redis');
    const snapshot = await store.snapshot(k, HEAVY);
    assert.equal(snapshot.used, 4, 'every call counted, the held one included');
    assert.deepEqual(await c.hkeys(f), [], 'the snapshot carried it');
    const s = await c.zrange('held:rl:{Heavy:8}:s', 0, -1, 'WITHSCORES');
    assert.deepEqual(s, ['a', '1000000', 'b', '1000100', 'c', '1000200', 'd', '1000300'], 'each at its answer time');
  });

  it('a 429 or new headers are sent at once; held completions are sent on their own after a short delay', async () => {
    const c = await client();
    const store = createRedisBudgetStore({ client: c, keyPrefix: 'held2:' });
    const k = { owner: '9', group: 'Heavy' };
    const f = 'held2:rl:{Heavy:9}:f';
    await store.reserve(k, 'a', HEAVY, 0);
    await store.complete(k, 'a', HEAVY, { limit: 10, windowMs: 60_000, remaining: 9 });
    await store.reserve(k, 'b', HEAVY, 0);
    await store.complete(k, 'b', HEAVY, { limit: 10, windowMs: 60_000, remaining: 8 });
    assert.deepEqual(await c.hkeys(f), ['b'], 'held');
    await new Promise((resolve) => setTimeout(resolve, COMPLETION_DELAY_MS + 200));
    assert.deepEqual(await c.hkeys(f), [], 'sent on its own once the delay passed');

    await store.reserve(k, 'c', HEAVY, 0);
    await store.complete(k, 'c', HEAVY, { limit: 10, windowMs: 60_000, retryAfterMs: 30_000 });
    assert.deepEqual(await c.hkeys(f), [], 'a 429 at once');
    assert.ok(Number(await c.hget('held2:rl:{Heavy:9}:m', 'blocked')) > 0, 'and every instance is blocked');
    await store.reserve(k, 'd', HEAVY, 0);
    await store.complete(k, 'd', HEAVY, { limit: 20, windowMs: 60_000, remaining: 10 });
    assert.deepEqual(await c.hkeys(f), [], 'a new limit at once');
    assert.equal(await c.hget('held2:rl:{Heavy:9}:m', 'limit'), '20');

    await store.reserve(k, 'e', HEAVY, 0);
    await store.complete(k, 'e', HEAVY, { limit: 20, windowMs: 60_000, remaining: 9 });
    await store.flush();
    assert.deepEqual(await c.hkeys(f), [], 'flush (at shutdown) sends what is held');
  });
});
