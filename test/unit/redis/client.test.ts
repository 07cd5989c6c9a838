/**
 * @module test/unit/redis/client.test
 * Redis URL parsing and redaction, the fail-fast client options, the reconnect backoff, and a client pointed at a
 * port where nothing listens (no redis-server needed).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import {
  createRedisClient,
  parseRedisUrl,
  reconnectDelay,
  redactRedisUrl,
  type RedisLogger,
  redisOptionsFor,
  RedisNotReadyError,
  RedisUrlError,
  waitUntilReady,
} from '../../../src/redis/client.js';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

void describe('parseRedisUrl', () => {
  void it('reads host, port, database, user and password', () => {
    assert.deepEqual(parseRedisUrl('redis://localhost'), { host: 'localhost', port: 6379, db: 0, tls: false });
    assert.deepEqual(parseRedisUrl('redis://app:s%40cret@redis.internal:6380/4'), {
      host: 'redis.internal',
      port: 6380,
      db: 4,
      username: 'app',
      password: 's@cret',
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('redis://:only-password@127.0.0.1:7000/'), {
      host: '127.0.0.1',
      port: 7000,
      db: 0,
      password: 'only-password',
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('rediss://cache.example.com:6390/1'), {
      host: 'cache.example.com',
      port: 6390,
      db: 1,
      tls: true,
    });
    assert.equal(parseRedisUrl('redis://[::1]:6379').host, '::1');
  });

  void it('rejects what is not a Redis URL, without echoing the URL or its password', () => {
    const cases: [string, RegExp][] = [
      ['not a url with hunter2', /not a valid URL/],
      ['http://u:hunter2@host:6379', /must start with redis:\/\/ or rediss:\/\//],
      ['redis://:hunter2@host:6379/zero', /database number/],
      ['redis://:hunter2@host:6379/0?db=2', /query or fragment/],
      ['redis://:hunter2@host:6379/0#x', /query or fragment/],
      ['redis://:hunter2@host:6379/99999999', /database number/],
      ['redis://:%E0%A4%A@host:6379', /percent-encoding/],
    ];
    for (const [url, message] of cases) {
      assert.throws(
        () => parseRedisUrl(url),
        (error: unknown) => {
          assert.ok(error instanceof RedisUrlError, url);
          assert.ok(error instanceof TypeError);
          assert.equal(error.code, 'RCAPP_REDIS_URL_INVALID');
          assert.match(error.message, message, url);
          assert.ok(!error.message.includes('hunter2'), error.message);
          return true;
        },
      );
    }
  });
});

void describe('redactRedisUrl', () => {
  void it('hides user and password and keeps the rest', () => {
    assert.equal(redactRedisUrl('redis://app:s3cret@host:6380/2'), 'redis://***:***@host:6380/2');
    assert.equal(redactRedisUrl('rediss://:s3cret@host/0'), 'rediss://:***@host/0');
    assert.equal(redactRedisUrl('redis://host:6379'), 'redis://host:6379');
    assert.equal(redactRedisUrl('::s3cret::'), '(unparseable Redis URL)');
  });
});

void describe('redis client options', () => {
  void it('fail fast while disconnected and never replay a command', () => {
    const options = redisOptionsFor('redis://:pw@host:6380/3');
    assert.equal(options.enableOfflineQueue, false);
    assert.equal(options.maxRetriesPerRequest, 0);
    assert.equal(options.autoResendUnfulfilledCommands, false);
    assert.equal(options.commandTimeout, 2_000);
    assert.equal(options.connectTimeout, 2_000);
    assert.equal(options.db, 3);
    assert.equal(options.password, 'pw');
    assert.equal(options.tls, undefined);
    assert.deepEqual(redisOptionsFor('rediss://host').tls, { servername: 'host' });
    assert.equal(typeof options.retryStrategy, 'function');
    const delay = options.retryStrategy?.(100);
    assert.ok(typeof delay === 'number' && delay >= 1_600 && delay <= 2_000, String(delay));
    assert.equal(options.reconnectOnError?.(new Error('READONLY You cannot write against a read only replica.')), true);
    assert.equal(options.reconnectOnError?.(new Error('WRONGTYPE Operation')), false);
  });

  void it('rejects non-positive timeouts', () => {
    assert.throws(() => redisOptionsFor('redis://h', { commandTimeoutMs: 0 }), RangeError);
    assert.throws(() => redisOptionsFor('redis://h', { connectTimeoutMs: -1 }), RangeError);
    assert.throws(() => redisOptionsFor('redis://h', { maxReconnectDelayMs: 1.5 }), RangeError);
  });

  void it('backs off exponentially from 50 ms with ±20 % jitter, never above the cap, forever', () => {
    const mid = () => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelay(n, 2_000, mid)),
      [50, 100, 200, 400, 800, 1_600, 2_000],
    );
    assert.equal(reconnectDelay(1_000_000, 2_000, mid), 2_000);
    assert.equal(
      reconnectDelay(1_000_000, 2_000, () => 1),
      2_000,
    );
    assert.equal(
      reconnectDelay(1_000_000, 2_000, () => 0),
      1_600,
    );
    assert.equal(
      reconnectDelay(3, 2_000, () => 0),
      160,
    );
    assert.equal(
      reconnectDelay(3, 2_000, () => 1),
      240,
    );
  });
});

void describe('redis client without a server', () => {
  void it('does not crash, logs the outage once without the password, and rejects commands at once', async (t) => {
    const port = await closedPort();
    const lines: string[] = [];
    const spy = (level: string) => (obj: unknown, msg?: string) =>
      void lines.push(`${level} ${JSON.stringify(obj)} ${msg}`);
    const logger = { info: spy('info'), warn: spy('warn'), debug: spy('debug') } as unknown as RedisLogger;
    const client = createRedisClient(`redis://:top-secret-pw@127.0.0.1:${port}/2`, {
      logger,
      maxReconnectDelayMs: 20,
    });
    t.after(() => client.disconnect());
    await assert.rejects(waitUntilReady(client, 300), RedisNotReadyError);
    const started = performance.now();
    await assert.rejects(client.get('k'), /enableOfflineQueue/);
    assert.ok(performance.now() - started < 100);
    const warns = lines.filter((line) => line.startsWith('warn'));
    assert.equal(warns.length, 1, lines.join('\n'));
    assert.match(warns[0]!, /redis is not reachable/);
    assert.ok(lines.length >= 2, 'reconnect attempts continue (logged at debug)');
    assert.ok(!lines.join('\n').includes('top-secret-pw'));
    assert.match(warns[0]!, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
  });
});
