/**
 * @module test/unit/redis/redis-backend.test
 * `openRedisBackend`: store and coordinator on one connection with one prefix; starting with Redis down and
 * serving once it is up; a malformed URL fails at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisUrlError, waitUntilReady } from '../../../src/redis/client.js';
import { openRedisBackend } from '../../../src/redis/redis-backend.js';
import { StoreUnavailableError } from '../../../src/session/stored-session.js';
import { redisSkip, startRedis } from '../../helpers/redis.js';

const T0 = 1_700_000_000_000;
const record = { createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000, version: 1, payload: 'sealed' };

void describe('openRedisBackend', () => {
  void it('rejects a malformed URL without starting anything', async () => {
    await assert.rejects(openRedisBackend({ url: 'http://:pw@host' }), RedisUrlError);
  });

  void it(
    'shares one connection and one key prefix between the store and the coordinator',
    { skip: redisSkip() },
    async (t) => {
      const server = await startRedis(t);
      const backend = await openRedisBackend({ url: server.url, keyPrefix: 'shop:', now: () => T0 });
      t.after(() => backend.store.close());
      assert.equal(backend.connected, true);
      await backend.store.set('id', record);
      assert.equal(backend.store.keyFor('id'), 'shop:s:id');
      assert.equal(backend.coordinator.lockKeyFor('id'), 'shop:lock:id');
      const held = await backend.coordinator.run('id', async (lease) => {
        assert.equal(lease.locked, true);
        return backend.client.exists('shop:lock:id');
      });
      assert.equal(held, 1);
      await backend.store.ping();
      await backend.store.close();
      assert.equal(backend.client.status, 'end');
    },
  );

  void it(
    'starts while Redis is down, answers 503-type errors, and serves once Redis is up',
    { skip: redisSkip() },
    async (t) => {
      const server = await startRedis(t);
      await server.stop();
      const warnings: string[] = [];
      const logger = {
        info: () => undefined,
        debug: () => undefined,
        warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
      };
      const started = performance.now();
      const backend = await openRedisBackend({ url: server.url, readyTimeoutMs: 200, now: () => T0, logger });
      t.after(() => backend.store.close());
      assert.ok(performance.now() - started < 1_500);
      assert.equal(backend.connected, false);
      assert.ok(warnings.some((w) => w.includes('starting anyway')));
      await assert.rejects(backend.store.ping(), StoreUnavailableError);
      await assert.rejects(backend.store.get('id'), StoreUnavailableError);
      assert.equal((await backend.coordinator.run('id', (lease) => Promise.resolve(lease))).locked, false);

      await server.start();
      await waitUntilReady(backend.client, 10_000);
      await backend.store.ping();
      await backend.store.set('id', record);
      assert.deepEqual(await backend.store.get('id'), record);
    },
  );
});
