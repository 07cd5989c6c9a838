/**
 * @module test/unit/redis/client.test
 * Redis URL parsing and redaction, the fail-fast client options (one server, Sentinel, Cluster), the reconnect
 * backoff, where a connection points as logs show it, and clients pointed at ports where nothing listens (no
 * redis-server needed).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import type { RedisSettings } from '../../../src/config.js';
import {
  connectionOptionsFor,
  createRedisClient,
  createRedisConnection,
  describeRedisTarget,
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

const COMMON = { username: undefined, password: undefined, tls: false, waitReplicas: 1, waitTimeoutMs: 250 } as const;
const SENTINEL: RedisSettings = {
  ...COMMON,
  topology: 'sentinel',
  sentinels: [
    { host: '10.0.0.1', port: 26379 },
    { host: 'sentinel.example.com', port: 26380 },
  ],
  name: 'mymaster',
  sentinelPassword: 'sentinel-secret-1',
  username: 'app',
  password: 'data-secret-1',
};
const CLUSTER: RedisSettings = {
  ...COMMON,
  topology: 'cluster',
  nodes: [
    { host: 'cache.example.net', port: 6380 },
    { host: '10.0.0.2', port: 6380 },
  ],
  password: 'cluster-secret-1',
  tls: true,
};

void describe('connection options per topology', () => {
  void it('one server: credentials from REDIS_PASSWORD/REDIS_USERNAME when the URL has none, TLS from the settings', () => {
    const plan = connectionOptionsFor({
      ...COMMON,
      topology: 'server',
      url: 'redis://cache.example.com:6380/2',
      username: 'svc',
      password: 'from-variable',
      tls: true,
    });
    assert.equal(plan.kind, 'redis');
    assert.equal(plan.options.password, 'from-variable');
    assert.equal(plan.options.username, 'svc');
    assert.equal(plan.options.db, 2);
    assert.deepEqual(plan.options.tls, { servername: 'cache.example.com' });
    assert.equal(plan.options.enableOfflineQueue, false);
  });

  void it('Sentinel: the sentinels, the name, both passwords, fail fast, reconnects capped at 500 ms, no failover detector', () => {
    const plan = connectionOptionsFor(SENTINEL);
    assert.equal(plan.kind, 'redis');
    const o = plan.options;
    assert.deepEqual(o.sentinels, [
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel.example.com', port: 26380 },
    ]);
    assert.equal(o.name, 'mymaster');
    assert.equal(o.role, 'master');
    assert.equal(o.username, 'app');
    assert.equal(o.password, 'data-secret-1');
    assert.equal(o.sentinelPassword, 'sentinel-secret-1');
    assert.equal(o.enableOfflineQueue, false);
    assert.equal(o.maxRetriesPerRequest, 0);
    assert.equal(o.autoResendUnfulfilledCommands, false);
    assert.equal(o.failoverDetector, false);
    assert.equal(o.tls, undefined);
    for (const attempt of [1, 5, 50, 1_000_000]) {
      const delay = o.retryStrategy?.(attempt);
      const sentinelDelay = o.sentinelRetryStrategy?.(attempt);
      assert.ok(typeof delay === 'number' && delay >= 1 && delay <= 500, String(delay));
      assert.ok(typeof sentinelDelay === 'number' && sentinelDelay >= 1 && sentinelDelay <= 500, String(sentinelDelay));
    }
    assert.equal(o.reconnectOnError?.(new Error('READONLY You cannot write against a read only replica.')), true);

    const tlsPlan = connectionOptionsFor({ ...SENTINEL, tls: true }, { tlsOptions: { ca: 'PEM' } });
    assert.equal(tlsPlan.kind, 'redis');
    if (tlsPlan.kind !== 'redis') return;
    const tls = tlsPlan.options;
    assert.deepEqual(tls.tls, { ca: 'PEM' });
    assert.deepEqual(tls.sentinelTLS, { ca: 'PEM' });
    assert.equal(tls.enableTLSForSentinelMode, true);
  });

  void it('Cluster: fail fast, bounded retries, node options with the credentials and TLS', () => {
    const plan = connectionOptionsFor(CLUSTER);
    assert.equal(plan.kind, 'cluster');
    if (plan.kind !== 'cluster') return;
    assert.deepEqual(plan.nodes, [
      { host: 'cache.example.net', port: 6380 },
      { host: '10.0.0.2', port: 6380 },
    ]);
    const o = plan.options;
    assert.equal(o.enableOfflineQueue, false);
    assert.equal(o.scaleReads, 'master');
    assert.ok((o.maxRedirections ?? 16) * (o.retryDelayOnFailover ?? 100) <= 1_000, 'retries bounded under a second');
    assert.equal(o.redisOptions?.password, 'cluster-secret-1');
    assert.equal(o.redisOptions?.commandTimeout, 2_000);
    assert.equal(o.redisOptions?.maxRetriesPerRequest, 0);
    const delay = o.clusterRetryStrategy?.(1_000_000);
    assert.ok(typeof delay === 'number' && delay <= 2_000);
    let looked = '';
    o.dnsLookup?.('node-1.cache.example.net', (_err, address) => (looked = address));
    assert.equal(looked, 'node-1.cache.example.net', 'host names are kept for TLS');
  });

  void it('Cluster over TLS: a node announced by IP is checked against the configured host name', () => {
    const plan = connectionOptionsFor(CLUSTER);
    assert.equal(plan.kind, 'cluster');
    if (plan.kind !== 'cluster') return;
    const check = plan.options.redisOptions?.tls?.checkServerIdentity;
    assert.ok(check);
    const cert = (names: string) =>
      ({
        subject: { CN: names.split(',')[0] },
        subjectaltname: names
          .split(',')
          .map((n) => `DNS:${n}`)
          .join(', '),
      }) as unknown as PeerCertificate;
    assert.equal(check('10.1.2.3', cert('cache.example.net')), undefined, 'by IP: the configured name');
    assert.ok(check('10.1.2.3', cert('other.example.net')) instanceof Error);
    assert.equal(check('node-1.example.net', cert('node-1.example.net')), undefined, 'by name: its own name');
    assert.ok(check('node-1.example.net', cert('cache.example.net')) instanceof Error);

    const byIp = connectionOptionsFor({ ...CLUSTER, nodes: [{ host: '10.0.0.9', port: 6380 }] });
    assert.equal(byIp.kind === 'cluster' ? byIp.options.redisOptions?.tls?.checkServerIdentity : 'x', undefined);
    const plain = connectionOptionsFor({ ...CLUSTER, tls: false });
    assert.equal(plain.kind === 'cluster' ? plain.options.redisOptions?.tls : 'x', undefined);
  });

  void it('describes every topology for logs without a password', () => {
    assert.equal(
      describeRedisTarget({ ...COMMON, topology: 'server', url: 'rediss://u:pw-in-url@h:6380/1' }),
      'rediss://***:***@h:6380/1',
    );
    assert.equal(describeRedisTarget(SENTINEL), 'sentinel "mymaster" via 10.0.0.1:26379,sentinel.example.com:26380');
    assert.equal(
      describeRedisTarget({ ...CLUSTER, nodes: [...CLUSTER.nodes, { host: '::1', port: 7000 }] }),
      'cluster via cache.example.net:6380,10.0.0.2:6380,[::1]:7000 (TLS)',
    );
  });
});

void describe('Sentinel and Cluster connections without a server', () => {
  void it('do not crash, log once without a password, and reject commands at once', async (t) => {
    const [a, b] = [await closedPort(), await closedPort()];
    for (const settings of [
      { ...SENTINEL, sentinels: [{ host: '127.0.0.1', port: a }] },
      { ...CLUSTER, tls: false, nodes: [{ host: '127.0.0.1', port: b }] },
    ] satisfies RedisSettings[]) {
      const lines: string[] = [];
      const spy = (level: string) => (obj: unknown, msg?: string) =>
        void lines.push(`${level} ${JSON.stringify(obj)} ${msg}`);
      const logger = { info: spy('info'), warn: spy('warn'), debug: spy('debug') } as unknown as RedisLogger;
      const client = createRedisConnection(settings, { logger, maxReconnectDelayMs: 20 });
      t.after(() => client.disconnect());
      await assert.rejects(waitUntilReady(client, 300), RedisNotReadyError);
      const started = performance.now();
      await assert.rejects(client.get('k'));
      assert.ok(performance.now() - started < 200, `${settings.topology}: rejected at once`);
      const text = lines.join('\n');
      assert.equal(lines.filter((line) => line.startsWith('warn')).length, 1, text);
      assert.ok(!/secret-1/.test(text), text);
    }
  });
});
