/**
 * `trackSessionChanges` on a real Redis: which changes it reports, and when its feed is live (the rules in
 * `src/redis/session-tracking.ts`). Interruptions are real: the tracking connection killed by Redis, the store's
 * connection dropped, a user whose ACL forbids `CLIENT`, a heartbeat that stops being answered.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisConnection } from '../../../src/redis/client.js';
import {
  TRACKING_CONNECTION_NAME,
  trackSessionChanges,
  type SessionTracking,
} from '../../../src/redis/session-tracking.js';
import { serverSettings } from '../../../src/redis/redis-backend.js';
import { redisSkip, startRedis, type RedisServer } from '../../helpers/redis.js';
import { waitUntil } from '../../integration/scale-out/support/instances.js';

const PREFIX = 'trk:s:';

interface Recorder {
  readonly reports: (string | undefined)[];
  /** Runs `action` and resolves with the next `count` reports that arrive from its start on. */
  during(action: () => Promise<unknown>, count?: number): Promise<(string | undefined)[]>;
}

function record(feed: SessionTracking): Recorder {
  const reports: (string | undefined)[] = [];
  feed.listen((id) => reports.push(id));
  return {
    reports,
    async during(action, count = 1) {
      const from = reports.length;
      await action();
      await waitUntil(() => reports.length >= from + count, `${count} report(s) from the feed`, { timeoutMs: 5_000 });
      return reports.slice(from, from + count);
    },
  };
}

interface Setup {
  readonly redis: RedisServer;
  readonly client: Redis;
  readonly feed: SessionTracking;
  readonly raw: Redis;
  readonly warnings: string[];
}

async function setUp(
  t: TestContext,
  options: { url?: (server: RedisServer) => string; heartbeatMs?: number; now?: () => number } = {},
): Promise<Setup> {
  const redis = await startRedis(t);
  const url = options.url?.(redis) ?? redis.url;
  const client = createRedisConnection(serverSettings(url), { commandTimeoutMs: 1_000 }) as Redis;
  client.on('error', () => undefined);
  const warnings: string[] = [];
  const logger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (_: unknown, message: string) => void warnings.push(message),
  };
  const feed = trackSessionChanges({
    client,
    sessionKeyPrefix: PREFIX,
    logger: logger as never,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const raw = new Redis(redis.url);
  raw.on('error', () => undefined);
  t.after(async () => {
    await feed.close();
    client.disconnect();
    raw.disconnect();
  });
  return { redis, client, feed, raw, warnings };
}

/** The `CLIENT LIST` id of the tracking connection, or undefined. */
async function trackerId(raw: Redis): Promise<string | undefined> {
  const list = (await raw.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${TRACKING_CONNECTION_NAME} `));
  return /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1];
}

async function live(feed: SessionTracking): Promise<void> {
  await waitUntil(() => feed.live, 'the feed to be live', { timeoutMs: 5_000 });
}

void describe('session tracking (client-side caching invalidations)', { skip: redisSkip() }, () => {
  void it('reports each session key another client writes, deletes or lets expire, and "all" on a flush', async (t) => {
    const { feed, raw } = await setUp(t);
    const seen = record(feed);
    await live(feed);
    assert.deepEqual(await seen.during(() => raw.hset(`${PREFIX}one`, 'v', '1')), ['one']);
    assert.deepEqual(await seen.during(() => raw.del(`${PREFIX}one`)), ['one']);
    // Keys outside the session prefix are not reported.
    await raw.set('trk:rl:budget', '1');
    assert.deepEqual(
      await seen.during(() => raw.set(`${PREFIX}two`, '1', 'PX', 30), 2),
      ['two', 'two'],
      'the write, then the expiry',
    );
    assert.deepEqual(await seen.during(() => raw.flushall()), [undefined]);
    assert.ok(!seen.reports.includes('trk:rl:budget') && !seen.reports.includes('budget'));
    assert.equal(feed.live, true, 'a flush does not interrupt the feed');
  });

  void it('a killed tracking connection: "all", not live, then live again on a new connection', async (t) => {
    const { feed, raw } = await setUp(t);
    const seen = record(feed);
    await live(feed);
    const first = await trackerId(raw);
    assert.ok(first !== undefined, 'the tracking connection is named in CLIENT LIST');
    const before = seen.reports.length;
    await raw.client('KILL', 'ID', first);
    await waitUntil(() => seen.reports.length > before, 'the interruption to be reported');
    assert.equal(seen.reports[before], undefined, 'the first report after the kill is "all"');
    await live(feed);
    const second = await trackerId(raw);
    assert.ok(second !== undefined && second !== first, 'tracking runs on a new connection');
    // And it reports again.
    await raw.hset(`${PREFIX}after`, 'v', '1');
    await waitUntil(() => seen.reports.includes('after'), 'a change after the restart');
  });

  void it('the store connection dropped: not live at once; live again once both are back on the same server', async (t) => {
    const { feed, client, raw } = await setUp(t);
    const seen = record(feed);
    await live(feed);
    const first = await trackerId(raw);
    const before = seen.reports.length;
    const closed = once(client, 'close');
    client.disconnect(true);
    await closed;
    assert.equal(feed.live, false, 'not live from the moment the connection closed');
    assert.equal(seen.reports[before], undefined);
    await live(feed);
    assert.equal(client.status, 'ready');
    assert.notEqual(await trackerId(raw), first, 'the tracking connection started over too');
  });

  void it('Redis restarted: not live while it is down, live again after', async (t) => {
    const { feed, redis, raw } = await setUp(t);
    await live(feed);
    raw.disconnect();
    await redis.kill();
    await waitUntil(() => !feed.live, 'the feed to stop');
    await redis.start();
    await live(feed);
  });

  void it('a Redis user not allowed CLIENT TRACKING: never live, one warning, no retries', async (t) => {
    const password = 'tracking-test-password';
    const { feed, client, raw, warnings } = await setUp(t, {
      // The user is created below: the store connection retries until it exists.
      url: (server) => server.url.replace('redis://', `redis://limited:${password}@`),
    });
    await raw.call('ACL', 'SETUSER', 'limited', 'on', `>${password}`, '~*', '&*', '+@all', '-client|tracking');
    await waitUntil(() => client.status === 'ready', 'the store connection');
    await waitUntil(() => warnings.length > 0, 'a warning', { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(feed.live, false);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /session cache off: redis refused client tracking/);
    assert.equal(await trackerId(raw), undefined, 'the tracking connection was closed');
    assert.equal(await client.hset(`${PREFIX}x`, 'v', '1'), 1, 'the store connection works as before');
  });

  void it('live only while the heartbeat is answered: a clock jump past three heartbeats stops it until the next PONG', async (t) => {
    let offset = 0;
    const now = (): number => performance.now() + offset;
    const { feed } = await setUp(t, { heartbeatMs: 100, now });
    await live(feed);
    offset += 1_000;
    assert.equal(feed.live, false, 'no PONG in the last 300 ms');
    await live(feed);
  });

  void it('close(): not live, "all" reported, the tracking connection gone', async (t) => {
    const { feed, raw } = await setUp(t);
    const seen = record(feed);
    await live(feed);
    const before = seen.reports.length;
    await feed.close();
    assert.equal(feed.live, false);
    assert.equal(seen.reports[before], undefined);
    await waitUntil(async () => (await trackerId(raw)) === undefined, 'the tracking connection to close');
  });
});
