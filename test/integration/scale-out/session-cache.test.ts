/**
 * Sessions kept in memory on Redis (`REDIS_SESSION_CACHE`, on by default): two app instances on one Redis server,
 * wired as `server.ts` wires `SESSION_STORE=redis`, commands counted by Redis's `MONITOR`.
 * - An instance reads a session from Redis once, then serves it from memory (no `HMGET` per request).
 * - A logout through the other instance ends it there at the next request: Redis reported the deletion.
 * - When the tracking connection is lost (killed by Redis) and the session deleted while it is down, so that no
 *   report of the deletion can arrive, the instance has dropped its copy once it noticed the loss.
 * - With `REDIS_SESSION_CACHE=off` every request reads the session.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { HttpClient } from '../../helpers/http-client.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';
import { testRedisOf, type TestRedis } from '../../helpers/redis-topology.js';
import { raiseLimits, sessionIdOf, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import { browsersSharing, startSharedInstances, waitUntil, type SharedInstance } from './support/instances.js';
import { watchCommands } from './support/monitor.js';

const JSON_ACCEPT = { accept: 'application/json' };
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const REQUESTS = 20;

interface Stack {
  readonly redis: TestRedis;
  readonly raw: Redis;
  readonly instances: SharedInstance[];
  /** USER1's browser on each instance, one cookie. */
  readonly browsers: HttpClient[];
}

async function startStack(t: TestContext, options: { sessionCache?: boolean } = {}): Promise<Stack> {
  const server = await startRedis(t);
  const redis = testRedisOf(server.url);
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  const instances = await startSharedInstances(t, {
    redisUrl: server.url,
    emulator,
    count: 2,
    keyPrefix: 'cache:',
    ...(options.sessionCache === undefined ? {} : { sessionCache: options.sessionCache }),
  });
  const raw = new Redis(server.url);
  raw.on('error', () => undefined);
  t.after(() => raw.disconnect());
  if (options.sessionCache !== false) {
    for (const { backend } of instances) {
      await waitUntil(() => backend.store.changes?.live === true, 'the session cache of each instance');
    }
  }
  const first = new HttpClient(instances[0]!.url);
  await first.loginAs(USER1.username, USER1.password);
  return {
    redis,
    raw,
    instances,
    browsers: browsersSharing(
      instances.map((i) => i.url),
      first,
    ),
  };
}

/** `count` requests through `browser`, all 200, and the session reads (`HMGET`) Redis received meanwhile. */
async function sessionReads(stack: Stack, browser: HttpClient, count: number): Promise<number> {
  const watch = await watchCommands(stack.redis);
  try {
    for (let i = 0; i < count; i++) {
      const response = await browser.get('/test?api=extension', JSON_ACCEPT);
      assert.equal(response.status, 200, response.text.slice(0, 200));
    }
    return watch.counts.get('hmget') ?? 0;
  } finally {
    watch.stop();
  }
}

void describe('sessions kept in memory on Redis', { skip: redisSkip() }, () => {
  void it('read once, then served from memory; a logout through the other instance ends it at once', async (t) => {
    const stack = await startStack(t);
    const [onFirst, onSecond] = stack.browsers as [HttpClient, HttpClient];
    assert.equal(await sessionReads(stack, onSecond, REQUESTS), 1, 'the second instance read the session once');
    assert.equal(await sessionReads(stack, onFirst, REQUESTS), 1, 'the first read it once after its login');
    assert.equal(await sessionReads(stack, onSecond, REQUESTS), 0, 'no read while nothing changed');

    assert.equal((await onFirst.page('/logout', SAME_ORIGIN)).status, 302);
    // No pause: the very next request through the other instance.
    const after = await onSecond.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(after.status, 401, after.text.slice(0, 200));
    assert.equal(after.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');
  });

  void it('the tracking connection killed and the session deleted while it is down: the copy is gone', async (t) => {
    const stack = await startStack(t);
    const [onFirst, onSecond] = stack.browsers as [HttpClient, HttpClient];
    const id = sessionIdOf(stack.instances[0]!.app, onFirst);
    assert.ok(id !== undefined);
    assert.equal(await sessionReads(stack, onSecond, 3), 1);
    const feed = stack.instances[1]!.backend.store.changes;
    assert.ok(feed !== undefined);
    let interruptions = 0;
    feed.listen((changed) => {
      if (changed === undefined) interruptions++;
    });
    // In one round trip: every tracking connection killed, then the session deleted (no instance can hear of it).
    const [[killError], [deleteError, deleted]] = (await stack.raw
      .pipeline()
      .client('KILL', 'TYPE', 'pubsub')
      .del(stack.instances[1]!.backend.store.keyFor(id))
      .exec()) as [[Error | null, unknown], [Error | null, unknown]];
    assert.equal(killError, null);
    assert.equal(deleteError, null);
    assert.equal(deleted, 1);
    await waitUntil(() => interruptions > 0, 'the second instance to notice the lost tracking connection');
    const after = await onSecond.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(after.status, 401, `served from a copy Redis could not invalidate: ${after.text.slice(0, 200)}`);
    // And the cache comes back by itself.
    await waitUntil(() => feed.live, 'tracking to resume');
  });

  void it('REDIS_SESSION_CACHE=off: every request reads its session', async (t) => {
    const stack = await startStack(t, { sessionCache: false });
    assert.equal(stack.instances[1]!.backend.store.changes, undefined);
    assert.equal(await sessionReads(stack, stack.browsers[1]!, REQUESTS), REQUESTS);
  });
});
