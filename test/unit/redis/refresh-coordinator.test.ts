/**
 * @module test/unit/redis/refresh-coordinator.test
 * The cross-instance refresh coordinator against a private redis-server. Three clients with three coordinators
 * stand for three app instances. Tasks simulate work with short real timers; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../../../src/redis/client.js';
import {
  createRedisRefreshCoordinator,
  type RedisRefreshCoordinator,
  type RedisRefreshCoordinatorOptions,
  type RefreshLease,
} from '../../../src/redis/refresh-coordinator.js';
import { createRedisStore, type RedisStore } from '../../../src/redis/session-store.js';
import type { RefreshCoordinator } from '../../../src/ringcentral/refresh-coordinator.js';
import { fileCleanup, redisSkip, type RedisServer, startRedis } from '../../helpers/redis.js';

const T0 = 1_700_000_000_000;
const READY_MS = 10_000;
const skip = redisSkip();
const cleanup = fileCleanup();

let sharedServer: Promise<RedisServer> | undefined;
let prefixCounter = 0;

function shared(): Promise<RedisServer> {
  sharedServer ??= startRedis(cleanup);
  return sharedServer;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `signal` aborts; rejects after `limitMs`. */
function aborted(signal: AbortSignal, limitMs: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`signal not aborted within ${limitMs} ms`)), limitMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function connect(t: TestContext, url: string): Promise<Redis> {
  const client = createRedisClient(url, { maxReconnectDelayMs: 100, commandTimeoutMs: 1_000 });
  t.after(() => client.disconnect());
  await waitUntilReady(client, READY_MS);
  return client;
}

interface Instance {
  client: Redis;
  coordinator: RedisRefreshCoordinator;
  store: RedisStore;
}

/** `count` app instances on one Redis and one key prefix, each with its own connection. */
async function instances(
  t: TestContext,
  server: RedisServer,
  count: number,
  options: Partial<RedisRefreshCoordinatorOptions> = {},
): Promise<{ list: Instance[]; prefix: string; raw: Redis }> {
  const prefix = `rc${++prefixCounter}:`;
  const list: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(t, server.url);
    list.push({
      client,
      coordinator: createRedisRefreshCoordinator({ client, keyPrefix: prefix, ...options }),
      store: createRedisStore({ client, keyPrefix: prefix, now: () => T0 }),
    });
  }
  return { list, prefix, raw: await connect(t, server.url) };
}

/** A critical section that records overlap: `max` must stay 1. */
function overlapProbe() {
  const probe = {
    inside: 0,
    max: 0,
    runs: 0,
    async section(ms: number): Promise<void> {
      probe.inside++;
      probe.runs++;
      probe.max = Math.max(probe.max, probe.inside);
      await delay(ms);
      probe.inside--;
    },
  };
  return probe;
}

void describe('redis refresh coordinator', { skip }, () => {
  void it('fits the RefreshCoordinator port the token keeper uses', async (t) => {
    const server = await shared();
    const { list } = await instances(t, server, 1);
    const port: RefreshCoordinator = list[0]!.coordinator;
    assert.equal(await port.run('k', () => Promise.resolve(42)), 42);
  });

  void it('never lets the critical sections of one key overlap across three instances', async (t) => {
    const server = await shared();
    const { list, raw, prefix } = await instances(t, server, 3, { pollMs: 5, maxPollMs: 20 });
    const probe = overlapProbe();
    const results: Promise<string>[] = [];
    // Three waves, so flights also start while others are running.
    for (let wave = 0; wave < 3; wave++) {
      for (let i = 0; i < 30; i++) {
        const { coordinator } = list[i % 3]!;
        results.push(coordinator.run('session-1', () => probe.section(15).then(() => 'done')));
      }
      await delay(10);
    }
    const settled = await Promise.all(results);
    assert.equal(settled.length, 90);
    assert.ok(settled.every((r) => r === 'done'));
    assert.equal(probe.max, 1, 'two critical sections overlapped');
    // One flight per instance per wave at most: in-process single-flight collapses the rest.
    assert.ok(probe.runs >= 3 && probe.runs <= 9, `runs ${probe.runs}`);
    assert.equal(await raw.exists(`${prefix}lock:session-1`), 0, 'lock left behind');
  });

  void it('lets exactly one instance refresh when the task reloads and checks (3 instances × 20 requests)', async (t) => {
    const server = await shared();
    const { list } = await instances(t, server, 3, { pollMs: 5, maxPollMs: 20 });
    const sessions = ['s-a', 's-b', 's-c', 's-d'];
    const refreshes = new Map<string, number>();
    const record = (token: string, version: number) => ({
      createdAt: T0,
      lastSeenAt: T0,
      expiresAt: T0 + 3_600_000,
      version,
      payload: JSON.stringify({ accessToken: token }),
    });
    for (const id of sessions) await list[0]!.store.set(id, record('AT-1', 1));

    /** What `token-keeper.ts` does inside the flight, with a fake token endpoint. */
    async function refreshInFlight(instance: Instance, id: string, failed: string): Promise<string> {
      const current = await instance.store.get(id);
      assert.ok(current);
      const stored = (JSON.parse(current.payload) as { accessToken: string }).accessToken;
      if (stored !== failed) return stored;
      refreshes.set(id, (refreshes.get(id) ?? 0) + 1);
      await delay(30); // the token endpoint
      const fresh = `AT-2-${id}`;
      assert.equal(await instance.store.setIfVersion(id, record(fresh, current.version + 1), current.version), true);
      return fresh;
    }

    const calls: Promise<[string, string]>[] = [];
    for (const id of sessions) {
      for (let i = 0; i < 60; i++) {
        const instance = list[i % 3]!;
        calls.push(
          instance.coordinator.run(id, () => refreshInFlight(instance, id, 'AT-1')).then((token) => [id, token]),
        );
      }
    }
    const results = await Promise.all(calls);
    assert.equal(results.length, 240);
    for (const [id, token] of results) assert.equal(token, `AT-2-${id}`);
    assert.deepEqual(Object.fromEntries(refreshes), Object.fromEntries(sessions.map((id) => [id, 1])));
  });

  void it('waits out a holder that crashed without releasing: at most lockTtlMs', async (t) => {
    const server = await shared();
    const lockTtlMs = 400;
    const { list, raw } = await instances(t, server, 1, { lockTtlMs, pollMs: 10, maxPollMs: 40 });
    const { coordinator } = list[0]!;
    // A holder that took the lock and died: never released, never extended.
    assert.equal(await raw.set(coordinator.lockKeyFor('s'), 'dead-holder', 'PX', lockTtlMs, 'NX'), 'OK');
    const started = performance.now();
    const lease = await coordinator.run('s', (l) => Promise.resolve(l));
    const elapsed = performance.now() - started;
    assert.equal(lease.locked, true);
    assert.ok(elapsed >= lockTtlMs - 100, `entered after ${Math.round(elapsed)} ms, before the dead lock expired`);
    assert.ok(elapsed <= lockTtlMs + 1_500, `blocked ${Math.round(elapsed)} ms by a dead holder`);
  });

  void it('takes over from an instance that lost Redis mid-refresh within lockTtlMs', async (t) => {
    const server = await shared();
    const lockTtlMs = 300;
    const { list } = await instances(t, server, 2, { lockTtlMs, pollMs: 10, maxPollMs: 40 });
    const [a, b] = [list[0]!, list[1]!];
    let releaseA!: () => void;
    const aBlocked = new Promise<void>((resolve) => (releaseA = resolve));
    t.after(() => releaseA());
    let aHasLock!: (lease: RefreshLease) => void;
    const aLease = new Promise<RefreshLease>((resolve) => (aHasLock = resolve));
    const aRun = a.coordinator.run('s', async (lease) => {
      aHasLock(lease);
      await aBlocked;
    });
    assert.equal((await aLease).locked, true);
    a.client.disconnect(); // A can no longer extend its lock: as if it were killed.
    const started = performance.now();
    const bLease = await b.coordinator.run('s', (lease) => Promise.resolve(lease));
    const elapsed = performance.now() - started;
    assert.equal(bLease.locked, true);
    assert.ok(elapsed <= lockTtlMs + 1_500, `B waited ${Math.round(elapsed)} ms`);
    releaseA();
    await aRun;
  });

  void it('extends the lock while a long task runs, so no other instance enters meanwhile', async (t) => {
    const server = await shared();
    const { list, raw } = await instances(t, server, 2, { lockTtlMs: 400, pollMs: 10, maxPollMs: 30 });
    const probe = overlapProbe();
    let aLease: RefreshLease | undefined;
    const first = list[0]!.coordinator.run('long', async (lease) => {
      aLease = lease;
      await probe.section(1_300); // more than three lock TTLs
    });
    await delay(20);
    assert.ok((await raw.pttl(list[0]!.coordinator.lockKeyFor('long'))) > 0);
    const second = list[1]!.coordinator.run('long', () => probe.section(5));
    await Promise.all([first, second]);
    assert.equal(probe.max, 1);
    assert.equal(probe.runs, 2);
    assert.equal(aLease?.signal.aborted, false);
  });

  void it('stops extending after maxHoldMs, so a stuck task cannot hold a key forever', async (t) => {
    const server = await shared();
    const { list } = await instances(t, server, 2, { lockTtlMs: 100, maxHoldMs: 150, pollMs: 10, maxPollMs: 20 });
    let releaseStuck!: () => void;
    const stuck = new Promise<void>((resolve) => (releaseStuck = resolve));
    t.after(() => releaseStuck());
    const first = list[0]!.coordinator.run('stuck', () => stuck);
    await delay(20);
    const started = performance.now();
    const lease = await list[1]!.coordinator.run('stuck', (l) => Promise.resolve(l));
    assert.equal(lease.locked, true);
    assert.ok(performance.now() - started < 1_500);
    releaseStuck();
    await first;
  });

  void it('aborts the lease when the lock is taken away, and then does not delete the new owner’s lock', async (t) => {
    const server = await shared();
    const { list, raw } = await instances(t, server, 1, { lockTtlMs: 150 });
    const { coordinator } = list[0]!;
    const lockKey = coordinator.lockKeyFor('s');
    await coordinator.run('s', async (lease) => {
      assert.equal(lease.locked, true);
      // The lock expired (e.g. a long pause) and another instance took it.
      await raw.set(lockKey, 'someone-else', 'PX', 5_000);
      await aborted(lease.signal, 2_000);
    });
    assert.equal(await raw.get(lockKey), 'someone-else');
  });

  void it('shares one outcome, success or failure, among the callers of one instance and releases the lock', async (t) => {
    const server = await shared();
    const { list, raw } = await instances(t, server, 1);
    const { coordinator } = list[0]!;
    let runs = 0;
    const failing = () => {
      runs++;
      return delay(10).then(() => Promise.reject(new Error('token endpoint said no')));
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => coordinator.run('s', failing)));
    assert.equal(runs, 1);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome.reason as Error).message, 'token endpoint said no');
    }
    assert.equal(await raw.exists(coordinator.lockKeyFor('s')), 0);
    assert.equal(await coordinator.run('s', () => Promise.resolve('next flight')), 'next flight');
  });

  void it('keeps different keys independent', async (t) => {
    const server = await shared();
    const { list } = await instances(t, server, 2);
    let releaseA!: () => void;
    const blocked = new Promise<void>((resolve) => (releaseA = resolve));
    t.after(() => releaseA());
    const a = list[0]!.coordinator.run('key-a', () => blocked);
    await delay(10);
    const started = performance.now();
    assert.equal(await list[1]!.coordinator.run('key-b', () => Promise.resolve('b')), 'b');
    assert.ok(performance.now() - started < 1_000);
    releaseA();
    await a;
  });

  void it('runs the task without the lock, at once, while Redis is down (and locked again once it is back)', async (t) => {
    const server = await startRedis(t);
    const { list } = await instances(t, server, 1);
    const { coordinator, client } = list[0]!;
    await server.stop();
    for (let i = 0; i < 100 && client.status === 'ready'; i++) await delay(10);
    const started = performance.now();
    const lease = await coordinator.run('s', (l) => Promise.resolve(l));
    assert.equal(lease.locked, false);
    assert.ok(performance.now() - started < 1_000);

    await server.start();
    await waitUntilReady(client, READY_MS);
    assert.equal((await coordinator.run('s', (l) => Promise.resolve(l))).locked, true);
  });

  void it('falls back to running unlocked when Redis goes away while waiting', async (t) => {
    const server = await startRedis(t);
    const { list, raw } = await instances(t, server, 1, { pollMs: 10, maxPollMs: 20 });
    const { coordinator } = list[0]!;
    await raw.set(coordinator.lockKeyFor('s'), 'live-holder', 'PX', 60_000);
    const waiting = coordinator.run('s', (l) => Promise.resolve(l));
    await delay(50);
    await server.stop();
    const started = performance.now();
    const lease = await waiting;
    assert.equal(lease.locked, false);
    assert.ok(performance.now() - started < 1_000);
  });

  void it('runs unlocked after waitTimeoutMs when a live holder never finishes', async (t) => {
    const server = await shared();
    const { list, raw } = await instances(t, server, 1, { waitTimeoutMs: 200, pollMs: 10, maxPollMs: 40 });
    const { coordinator } = list[0]!;
    await raw.set(coordinator.lockKeyFor('s'), 'slow-holder', 'PX', 60_000);
    const started = performance.now();
    const lease = await coordinator.run('s', (l) => Promise.resolve(l));
    const elapsed = performance.now() - started;
    assert.equal(lease.locked, false);
    assert.ok(elapsed >= 150 && elapsed < 1_500, `waited ${Math.round(elapsed)} ms`);
    assert.equal(await raw.get(coordinator.lockKeyFor('s')), 'slow-holder');
  });

  void it('bounds waiting by attempts too, when the injected clock does not move', async (t) => {
    const server = await shared();
    let sleeps = 0;
    const { list, raw } = await instances(t, server, 1, {
      waitTimeoutMs: 100,
      pollMs: 10,
      now: () => 0,
      sleep: () => {
        sleeps++;
        return Promise.resolve();
      },
    });
    const { coordinator } = list[0]!;
    await raw.set(coordinator.lockKeyFor('s'), 'holder', 'PX', 60_000);
    const lease = await coordinator.run('s', (l) => Promise.resolve(l));
    assert.equal(lease.locked, false);
    assert.equal(sleeps, 10);
  });

  void it('puts locks under its key prefix and rejects bad options', async (t) => {
    const server = await shared();
    const { list, prefix, raw } = await instances(t, server, 1);
    const { coordinator, client } = list[0]!;
    assert.equal(coordinator.lockKeyFor('abc'), `${prefix}lock:abc`);
    await coordinator.run('abc', async () => {
      assert.equal(await raw.exists(`${prefix}lock:abc`), 1);
    });
    assert.throws(() => createRedisRefreshCoordinator({ client, lockTtlMs: 0 }), RangeError);
    assert.throws(() => createRedisRefreshCoordinator({ client, waitTimeoutMs: 1.5 }), RangeError);
  });
});
