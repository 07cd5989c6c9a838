/**
 * @module test/unit/redis/session-store.test
 * The Redis store passes the store contract against a private redis-server; plus Redis-side expiry (PTTL), the key
 * prefix, no plaintext in Redis, the compare-and-set write, Redis stopped / hung / restarted without a new client,
 * and an AOF restart that keeps every session. The contract again on Redis Cluster; and the write-safety rule
 * (`WAIT` after login, refresh and logout writes) on a primary with a replica and on clusters with and without
 * replicas.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Redis as IORedis, type Redis } from 'ioredis';
import { createRedisClient, type RedisLogger, waitUntilReady } from '../../../src/redis/client.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createRedisStore, type DurableWrites, type RedisStore } from '../../../src/redis/session-store.js';
import { SessionManager } from '../../../src/session/session-manager.js';
import type { StoredSession } from '../../../src/session/store.js';
import { StoreUnavailableError } from '../../../src/session/stored-session.js';
import { fileCleanup, redisSkip, type RedisServer, startRedis, type StartRedisOptions } from '../../helpers/redis.js';
import {
  CLUSTER_TEST_PASSWORD,
  startTestTopology,
  type TestRedis,
  topologySkip,
} from '../../helpers/redis-topology.js';
import { createRedisConnection } from '../../../src/redis/client.js';
import { runStoreContract } from '../session/store-contract.js';

const T0 = 1_700_000_000_000;
const READY_MS = 10_000;
const skip = redisSkip();
const cleanup = fileCleanup();

function record(overrides: Partial<StoredSession> = {}): StoredSession {
  return { createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000, version: 1, payload: 'sealed', ...overrides };
}

let sharedServer: Promise<RedisServer> | undefined;
let prefixCounter = 0;

/** One redis-server for the tests that do not stop it; each test uses its own key prefix. */
function shared(): Promise<RedisServer> {
  sharedServer ??= startRedis(cleanup);
  return sharedServer;
}

/** A ready client that is disconnected after the test. */
async function connect(t: TestContext, url: string, options: Parameters<typeof createRedisClient>[1] = {}) {
  const client = createRedisClient(url, options);
  t.after(() => client.disconnect());
  await waitUntilReady(client, READY_MS);
  return client;
}

/** A raw client for looking at what the store wrote. */
async function inspector(t: TestContext, url: string): Promise<Redis> {
  return connect(t, url, { connectionName: 'inspector' });
}

async function storeOn(
  t: TestContext,
  server: RedisServer,
  options: { now?: () => number; keyPrefix?: string; commandTimeoutMs?: number; durableWrites?: DurableWrites } = {},
): Promise<{ store: RedisStore; client: Redis }> {
  const client = await connect(t, server.url, {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    maxReconnectDelayMs: 100,
  });
  const store = createRedisStore({
    client,
    now: options.now ?? (() => T0),
    keyPrefix: options.keyPrefix ?? `t${++prefixCounter}:`,
    ...(options.durableWrites === undefined ? {} : { durableWrites: options.durableWrites }),
  });
  t.after(() => store.close());
  return { store, client };
}

async function ownServer(t: TestContext, options: StartRedisOptions = {}): Promise<RedisServer> {
  return startRedis(t, options);
}

/** Retries `op` every 20 ms until it resolves; bounded by `limitMs`. */
async function eventually<T>(op: () => T | Promise<T>, limitMs: number): Promise<T> {
  const started = performance.now();
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (performance.now() - started > limitMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function allKeys(raw: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 1000; i++) {
    const [next, batch] = await raw.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  return keys.sort();
}

let sharedCluster: Promise<TestRedis> | undefined;

/** One Redis Cluster (three primaries, no replicas) for this file's cluster tests. */
function cluster(): Promise<TestRedis> {
  sharedCluster ??= startTestTopology(cleanup, { kind: 'cluster', password: CLUSTER_TEST_PASSWORD });
  return sharedCluster;
}

const clusterSkip = topologySkip('cluster');

if (skip === false) {
  runStoreContract('redis', async (now) => {
    const server = await shared();
    const client = createRedisClient(server.url);
    await waitUntilReady(client, READY_MS);
    const store = createRedisStore({ client, now, keyPrefix: `contract${++prefixCounter}:`, ownsClient: true });
    return { store };
  });
} else {
  void describe('redis store: SessionStore contract', { skip }, () => {});
}

if (clusterSkip === false) {
  // As the app opens it: the settings from REDIS_CLUSTER_NODES, with their default WAIT rule (1 replica, capped).
  runStoreContract('redis (Redis Cluster)', async (now) => {
    const { settings } = await cluster();
    const client = createRedisConnection(settings);
    await waitUntilReady(client, READY_MS);
    const store = createRedisStore({
      client,
      now,
      keyPrefix: `contract${++prefixCounter}:`,
      ownsClient: true,
      durableWrites: { replicas: settings.waitReplicas, timeoutMs: settings.waitTimeoutMs },
    });
    return { store };
  });
} else {
  void describe('redis store (Redis Cluster): SessionStore contract', { skip: clusterSkip }, () => {});
}

void describe('redis store', { skip }, () => {
  void it('sets the Redis expiry of a record to expiresAt - now, and touch moves it', async (t) => {
    const server = await shared();
    let clock = T0;
    const { store } = await storeOn(t, server, { now: () => clock });
    const raw = await inspector(t, server.url);
    await store.set('a', record({ expiresAt: T0 + 60_000 }));
    const ttl = await raw.pttl(store.keyFor('a'));
    assert.ok(ttl > 59_000 && ttl <= 60_000, `PTTL ${ttl}`);

    clock = T0 + 10_000;
    await store.touch('a', T0 + 10_000, T0 + 7_200_000);
    const touched = await raw.pttl(store.keyFor('a'));
    assert.ok(touched > 7_189_000 && touched <= 7_190_000, `PTTL after touch ${touched}`);
    assert.deepEqual(await store.get('a'), record({ lastSeenAt: T0 + 10_000, expiresAt: T0 + 7_200_000 }));
  });

  void it('lets Redis remove a record when its expiry passes (real time, 60 ms)', async (t) => {
    const server = await shared();
    // A frozen app clock: only Redis's own expiry can make the record go away.
    const { store } = await storeOn(t, server, { now: () => T0 });
    const raw = await inspector(t, server.url);
    await store.set('short', record({ expiresAt: T0 + 60 }));
    assert.equal(await raw.exists(store.keyFor('short')), 1);
    await eventually(async () => {
      assert.equal(await raw.exists(store.keyFor('short')), 0);
    }, 5_000);
    assert.equal(await store.get('short'), undefined);
  });

  void it('writes only keys under its prefix, and stores with other prefixes do not see them', async (t) => {
    const server = await shared();
    const { store: first } = await storeOn(t, server, { keyPrefix: 'app-one:' });
    const { store: second } = await storeOn(t, server, { keyPrefix: 'app-two:' });
    const raw = await inspector(t, server.url);
    await first.set('same-id', record({ payload: 'one' }));
    await second.set('same-id', record({ payload: 'two' }));
    await first.set('other', record());
    const keys = (await allKeys(raw)).filter((key) => key.startsWith('app-'));
    assert.deepEqual(keys, ['app-one:s:other', 'app-one:s:same-id', 'app-two:s:same-id']);
    assert.equal((await first.get('same-id'))?.payload, 'one');
    assert.equal((await second.get('same-id'))?.payload, 'two');
    assert.equal(await second.get('other'), undefined);
    await second.destroy('same-id');
    assert.equal((await first.get('same-id'))?.payload, 'one');
  });

  void it('never holds a plaintext token, code verifier or CSRF token in Redis', async (t) => {
    const server = await shared();
    const prefix = `plain${++prefixCounter}:`;
    const { store } = await storeOn(t, server, { keyPrefix: prefix });
    const manager = new SessionManager({
      store,
      cipher: createSessionCipher(['redis-store-test-secret-0123456789abcdef']),
      idleTimeoutMs: 3_600_000,
      absoluteTimeoutMs: 86_400_000,
      now: () => T0,
    });
    const secrets = {
      accessToken: 'ACCESS-U0pDMTFQMDFQQVMwMHxBQUJfMDAx-secret',
      refreshToken: 'REFRESH-U0pDMTFQMDFQQVMwMHxBQUJfMDAy-secret',
      codeVerifier: 'VERIFIER-pIUgx4tiqFpaOUz0HMc_QbIyQlL901w8mRmkrmhEJ_E',
    };
    const session = manager.create({
      tokens: {
        accessToken: secrets.accessToken,
        refreshToken: secrets.refreshToken,
        tokenType: 'bearer',
        scope: 'ReadAccounts',
        ownerId: '101',
        accessExpiresAt: T0 + 3_600_000,
      },
      login: { state: 'state-value-xyz', codeVerifier: secrets.codeVerifier, startedAt: T0 },
    });
    await manager.save(session);
    const raw = await inspector(t, server.url);
    const keys = (await allKeys(raw)).filter((key) => key.startsWith(prefix));
    assert.deepEqual(keys, [`${prefix}s:${session.id}`]);
    const fields = await raw.hgetall(keys[0]!);
    const everything = JSON.stringify(fields);
    for (const secret of [...Object.values(secrets), session.data.csrf, 'state-value-xyz', 'ReadAccounts']) {
      assert.ok(!everything.includes(secret), `Redis holds "${secret.slice(0, 12)}…" in plaintext`);
    }
    assert.deepEqual(Object.keys(fields).sort(), ['c', 'e', 'l', 'p', 'v']);
    assert.equal((await manager.load(session.id))?.data.tokens?.accessToken, secrets.accessToken);
  });

  void it('treats a foreign value under its key as no session, and replaces it on set', async (t) => {
    const server = await shared();
    const { store } = await storeOn(t, server);
    const raw = await inspector(t, server.url);
    await raw.set(store.keyFor('x'), 'not a hash');
    await raw.hset(store.keyFor('y'), 'c', 'garbage');
    assert.equal(await store.get('x'), undefined);
    assert.equal(await store.get('y'), undefined);
    await store.touch('x', T0, T0 + 5000);
    assert.equal(await raw.get(store.keyFor('x')), 'not a hash');
    await store.set('x', record());
    assert.deepEqual(await store.get('x'), record());
  });

  void it('keeps per-id call order after the Lua script cache is flushed', async (t) => {
    const server = await shared();
    const { store } = await storeOn(t, server);
    const raw = await inspector(t, server.url);
    for (let round = 0; round < 5; round++) {
      await raw.script('FLUSH');
      await Promise.all([
        store.set('a', record({ payload: `one-${round}` })),
        store.touch('a', T0 + round, T0 + 70_000),
        store.destroy('a'),
        store.set('a', record({ payload: `two-${round}`, version: 2 })),
        store.touch('a', T0 + 50, T0 + 80_000),
      ]);
      assert.deepEqual(
        await store.get('a'),
        record({ payload: `two-${round}`, version: 2, lastSeenAt: T0 + 50, expiresAt: T0 + 80_000 }),
      );
    }
  });

  void it('rejects ids that are not well-formed Unicode instead of merging them', async (t) => {
    const server = await shared();
    const { store } = await storeOn(t, server);
    await assert.rejects(store.set('lone-\ud800', record()), TypeError);
    await assert.rejects(store.touch('lone-\udc00', T0, T0 + 1), TypeError);
    assert.equal(await store.get('lone-\ud800'), undefined);
    await store.destroy('lone-\ud800');
  });

  void it('fails with StoreUnavailableError carrying no command arguments when Redis refuses a command', async (t) => {
    const server = await ownServer(t);
    const { store } = await storeOn(t, server);
    const raw = await inspector(t, server.url);
    await raw.acl('SETUSER', 'default', '-eval');
    const error = await store.set('secret-session-id', record({ payload: 'sealed-payload-bytes' })).then(
      () => assert.fail('set should fail while EVAL is not allowed'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof StoreUnavailableError);
    assert.equal(error.code, 'RCAPP_SESSION_STORE_UNAVAILABLE');
    const cause = error.cause as Error & Record<string, unknown>;
    assert.match(cause.message, /^NOPERM/);
    assert.equal(cause.command, undefined);
    const described = JSON.stringify({ message: error.message, cause: { ...cause, message: cause.message } });
    assert.ok(!described.includes('secret-session-id') && !described.includes('sealed-payload-bytes'), described);
    await raw.acl('SETUSER', 'default', '+@all');
    await store.set('secret-session-id', record());
    assert.deepEqual(await store.get('secret-session-id'), record());
  });

  void it('answers StoreUnavailableError at once while Redis is stopped, and serves again when it is back', async (t) => {
    const server = await ownServer(t, { appendonly: true });
    const { store, client } = await storeOn(t, server);
    await store.set('kept', record({ payload: 'before the outage' }));
    await store.ping();

    await server.stop();
    await eventually(() => assert.notEqual(client.status, 'ready'), 2_000);
    for (const op of [
      () => store.get('kept'),
      () => store.set('new', record()),
      () => store.touch('kept', T0, T0 + 90_000),
      () => store.destroy('kept'),
      () => store.setIfVersion('kept', record({ version: 2 }), 1),
      () => store.ping(),
    ]) {
      const started = performance.now();
      await assert.rejects(op(), StoreUnavailableError);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1_000, `a store call took ${Math.round(elapsed)} ms to fail while Redis was down`);
    }

    await server.start();
    await waitUntilReady(client, READY_MS);
    await store.ping();
    assert.equal((await store.get('kept'))?.payload, 'before the outage');
    await store.set('new', record({ payload: 'after the outage' }));
    assert.equal((await store.get('new'))?.payload, 'after the outage');
  });

  void it('fails within the command timeout when Redis hangs, and recovers when it answers again', async (t) => {
    const server = await ownServer(t);
    const { store } = await storeOn(t, server, { commandTimeoutMs: 200 });
    await store.set('a', record());
    server.pause();
    t.after(() => server.resume());
    const started = performance.now();
    await assert.rejects(store.get('a'), StoreUnavailableError);
    await assert.rejects(store.ping(), StoreUnavailableError);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2_000, `hung Redis held the calls for ${Math.round(elapsed)} ms`);
    server.resume();
    const back = await eventually(() => store.get('a'), 5_000);
    assert.deepEqual(back, record());
  });

  void it('keeps every session, touch and destroy across a Redis restart with AOF on', async (t) => {
    const server = await ownServer(t, { appendonly: true, appendfsync: 'everysec' });
    const { store, client } = await storeOn(t, server);
    const ids = Array.from({ length: 100 }, (_, i) => `aof-${i}`);
    await Promise.all(ids.map((id, i) => store.set(id, record({ payload: `p${i}`, version: i }))));
    await store.touch('aof-1', T0 + 7, T0 + 3_600_000);
    await store.destroy('aof-2');

    await server.stop();
    await server.start();
    await waitUntilReady(client, READY_MS);
    const raw = await inspector(t, server.url);
    for (const [i, id] of ids.entries()) {
      const got = await store.get(id);
      if (i === 2) assert.equal(got, undefined, id);
      else if (i === 1)
        assert.deepEqual(got, record({ payload: 'p1', version: 1, lastSeenAt: T0 + 7, expiresAt: T0 + 3_600_000 }));
      else assert.deepEqual(got, record({ payload: `p${i}`, version: i }), id);
    }
    const ttl = await raw.pttl(store.keyFor('aof-1'));
    assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `PTTL after restart ${ttl}`);
  });

  void it('connects with a password and a database number from the URL, and never logs the password', async (t) => {
    const password = 'pa$$:w/rd-for-test';
    const server = await ownServer(t, { password });
    const lines: string[] = [];
    const spy = (level: string) => (obj: unknown, msg?: string) =>
      void lines.push(`${level} ${JSON.stringify(obj)} ${msg}`);
    const logger = { info: spy('info'), warn: spy('warn'), debug: spy('debug') } as unknown as RedisLogger;

    const client = await connect(t, `${server.url}/3`, { logger });
    const store = createRedisStore({ client, now: () => T0 });
    await store.set('in-db-3', record());
    const raw = await inspector(t, `${server.url}/3`);
    assert.equal(await raw.exists('rcaf:s:in-db-3'), 1);
    const db0 = await inspector(t, `${server.url}/0`);
    assert.equal(await db0.exists('rcaf:s:in-db-3'), 0);

    const wrong = createRedisClient(`redis://:not-the-password@127.0.0.1:${server.port}/3`, {
      logger,
      maxReconnectDelayMs: 50,
    });
    t.after(() => wrong.disconnect());
    const wrongStore = createRedisStore({ client: wrong, now: () => T0 });
    await eventually(() => assert.ok(lines.some((line) => line.startsWith('warn'))), 5_000);
    await assert.rejects(wrongStore.get('in-db-3'), StoreUnavailableError);
    await assert.rejects(wrongStore.ping(), StoreUnavailableError);
    const logged = lines.join('\n');
    assert.ok(!logged.includes(password) && !logged.includes('not-the-password'), logged);
    assert.match(logged, /\*\*\*/);
  });

  void it('quits the client on close only when it owns it', async (t) => {
    const server = await shared();
    const shared1 = await connect(t, server.url);
    const notOwner = createRedisStore({ client: shared1, now: () => T0 });
    await notOwner.close();
    assert.equal(await shared1.ping(), 'PONG');
    await assert.rejects(notOwner.get('a'), { code: 'RCAPP_SESSION_STORE_CLOSED' });

    const owned = await connect(t, server.url);
    const owner = createRedisStore({ client: owned, now: () => T0, ownsClient: true });
    await owner.close();
    await owner.close();
    assert.equal(owned.status, 'end');
    await assert.rejects(owned.ping());
  });
});

/** `cmdstat_wait` calls in an `INFO commandstats` text. */
function waitCalls(commandstats: string): number {
  return Number(/cmdstat_wait:calls=(\d+)/.exec(commandstats)?.[1] ?? 0);
}

/** A primary and a replica of it (two private servers, `REPLICAOF`), once the replica is in sync. */
async function primaryWithReplica(t: TestContext): Promise<{ primary: RedisServer; replica: RedisServer }> {
  const primary = await ownServer(t);
  const replica = await ownServer(t);
  const onReplica = await inspector(t, replica.url);
  await onReplica.replicaof('127.0.0.1', primary.port);
  const onPrimary = await inspector(t, primary.url);
  await eventually(async () => {
    assert.match(await onPrimary.info('replication'), /slave0:.*state=online/);
  }, 10_000);
  return { primary, replica };
}

void describe('redis store: write safety (WAIT)', { skip }, () => {
  void it('resolves a login, refresh or logout write once the replica has it; touches and reads do not wait', async (t) => {
    const { primary, replica } = await primaryWithReplica(t);
    const { store } = await storeOn(t, primary, { durableWrites: { replicas: 1, timeoutMs: 1_000 } });
    const onPrimary = await inspector(t, primary.url);
    const onReplica = await inspector(t, replica.url);
    const before = waitCalls(await onPrimary.info('commandstats'));

    await store.set('a', record());
    assert.equal(await onReplica.exists(store.keyFor('a')), 1, 'on the replica when set resolved');
    assert.equal(await store.setIfVersion('a', record({ version: 2 }), 1), true);
    assert.equal(await onReplica.hget(store.keyFor('a'), 'v'), '2');
    await store.touch('a', T0 + 1, T0 + 90_000);
    assert.equal((await store.get('a'))?.version, 2);
    await store.destroy('a');
    assert.equal(await onReplica.exists(store.keyFor('a')), 0, 'gone from the replica when destroy resolved');

    assert.equal(waitCalls(await onPrimary.info('commandstats')) - before, 3, 'WAIT after set, setIfVersion, destroy');
  });

  void it('with the replica frozen, waits the timeout, keeps the write on the primary, and reports it', async (t) => {
    const { primary, replica } = await primaryWithReplica(t);
    const reported: [number, number][] = [];
    const { store } = await storeOn(t, primary, {
      durableWrites: {
        replicas: 1,
        timeoutMs: 300,
        onUnreplicatedWrite: (confirmed, wanted) => reported.push([confirmed, wanted]),
      },
    });
    replica.pause();
    t.after(() => replica.resume());
    const started = performance.now();
    await store.set('b', record({ payload: 'while the replica is frozen' }));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1_500, `the write waited ${Math.round(elapsed)} ms`);
    assert.deepEqual(reported, [[0, 1]]);
    assert.equal((await store.get('b'))?.payload, 'while the replica is frozen');

    replica.resume();
    await eventually(async () => {
      const quick = performance.now();
      await store.set('c', record());
      assert.ok(performance.now() - quick < 200, 'confirmed again once the replica is back');
    }, 5_000);
    assert.deepEqual(reported.slice(-1), [[0, 1]]);
  });

  void it(
    'on a Redis Cluster without replicas, never sends WAIT (the rule is capped by the shard)',
    { skip: clusterSkip },
    async (t) => {
      const { settings, topology } = await cluster();
      const reported: number[] = [];
      const client = createRedisConnection(settings);
      await waitUntilReady(client, READY_MS);
      const store = createRedisStore({
        client,
        now: () => T0,
        keyPrefix: `cap${++prefixCounter}:`,
        ownsClient: true,
        durableWrites: { replicas: 1, timeoutMs: 500, onUnreplicatedWrite: (confirmed) => reported.push(confirmed) },
      });
      t.after(() => store.close());
      const nodes = await Promise.all(
        (topology?.nodes ?? []).map(async (node) => {
          const raw = new IORedis(topology!.connectionOptions(node.port));
          t.after(() => raw.disconnect());
          await raw.connect();
          return raw;
        }),
      );
      const waits = async () =>
        (await Promise.all(nodes.map(async (n) => waitCalls(await n.info('commandstats'))))).reduce((a, b) => a + b, 0);
      const before = await waits();
      const started = performance.now();
      for (let i = 0; i < 10; i++) await store.set(`id-${i}`, record());
      for (let i = 0; i < 10; i++) await store.destroy(`id-${i}`);
      assert.ok(performance.now() - started < 2_000, 'no write waited');
      assert.equal(await waits(), before);
      assert.deepEqual(reported, []);
    },
  );

  void it(
    "on a Redis Cluster with a replica per primary, waits for it on the key's own node",
    { skip: clusterSkip },
    async (t) => {
      const withReplicas = await startTestTopology(t, {
        kind: 'cluster',
        replicas: 1,
        password: CLUSTER_TEST_PASSWORD,
      });
      const reported: number[] = [];
      const client = createRedisConnection(withReplicas.settings);
      await waitUntilReady(client, READY_MS);
      // Two asked, one per shard exists: capped to one, so every write is confirmed and none is reported.
      const store = createRedisStore({
        client,
        now: () => T0,
        keyPrefix: 'replicated:',
        ownsClient: true,
        durableWrites: { replicas: 2, timeoutMs: 500, onUnreplicatedWrite: (confirmed) => reported.push(confirmed) },
      });
      t.after(() => store.close());
      const topology = withReplicas.topology!;
      const primaries = topology.nodes.filter((n) => n.role === 'primary');
      const raws = await Promise.all(
        topology.nodes.map(async (node) => {
          const raw = new IORedis(topology.connectionOptions(node.port));
          t.after(() => raw.disconnect());
          await raw.connect();
          // A replica answers reads of its primary's slots only in READONLY mode (else MOVED).
          if (node.role === 'replica') await raw.call('READONLY');
          return { node, raw };
        }),
      );
      const ids = Array.from({ length: 12 }, (_, i) => `r-${i}`);
      const started = performance.now();
      for (const id of ids) await store.set(id, record());
      assert.ok(performance.now() - started < 3_000, `writes took ${Math.round(performance.now() - started)} ms`);
      assert.deepEqual(reported, []);
      let total = 0;
      for (const { node, raw } of raws) {
        const calls = waitCalls(await raw.info('commandstats'));
        if (node.role === 'replica') assert.equal(calls, 0, 'WAIT goes to primaries only');
        total += calls;
      }
      assert.equal(total, ids.length, 'one WAIT per write');
      // Every record is on its primary's replica the moment its write resolved (checked after the fact here).
      for (const id of ids) {
        const holders = await Promise.all(
          raws.map(async ({ raw }) => (await raw.call('EXISTS', store.keyFor(id)).catch(() => 0)) === 1),
        );
        assert.equal(holders.filter(Boolean).length, 2, `${id} on a primary and its replica`);
      }
      assert.equal(primaries.length, 3);
    },
  );
});
