/**
 * Redis commands per request in steady state, as Redis receives them (`MONITOR` on every node, commands run by
 * Lua scripts not counted): a logged-in user's `/test?api=extension` on an instance wired as `server.ts` wires `SESSION_STORE=redis`
 * (sessions, refresh lock, rate-limit budgets, readiness counters). The same on one server and on Redis Cluster:
 * two per request, one `HMGET` (the session) and one `EVALSHA` (the budget's reservation, carrying the previous
 * call's completion), plus the last completion on its own once the user stops; the readiness counts are written
 * per interval, not per request (`HINCRBY` per counted field and second). The cluster's own bookkeeping (ioredis
 * refreshing its slot map with `CLUSTER` commands every few seconds) is not per request and is reported apart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startTestEmulator } from '../../helpers/emulator.js';
import { HttpClient } from '../../helpers/http-client.js';
import {
  SUITE_TOPOLOGIES,
  topologiesForFile,
  topologySkip,
  topologyTitle,
  uniquePrefix,
  type TestRedis,
} from '../../helpers/redis-topology.js';
import { startGovernedApp } from '../governor/support.js';
import { USER1 } from '../support/fixtures.js';

const REQUESTS = 200;
const WARM_UP = 5;
/** What the app spends per request (see docs/benchmarks.md): HMGET + EVALSHA. */
const MAX_PER_REQUEST = 2;
/** Commands of the test and of ioredis's topology bookkeeping, not of requests. */
const NOT_PER_REQUEST = new Set(['cluster', 'ping', 'client', 'hello', 'auth', 'select', 'monitor']);
/** Writes per interval (the readiness counts), not per request. */
const PER_INTERVAL = new Set(['hincrby', 'pexpire']);
const redisFor = topologiesForFile();

/** Raw connections to every data node of `redis` (one for a single server). */
function nodesOf(redis: TestRedis): Redis[] {
  const quiet = (client: Redis): Redis => client.on('error', () => undefined);
  if (redis.topology === undefined) return [quiet(new Redis(redis.env.REDIS_URL ?? '', { lazyConnect: false }))];
  const topology = redis.topology;
  return topology.nodes.map((node) =>
    quiet(new Redis({ ...topology.connectionOptions(node.port), lazyConnect: false })),
  );
}

/**
 * Watches every node with `MONITOR` and counts the commands clients send, by name. Commands a Lua script runs
 * (source `lua`) are not counted: they are part of their `EVALSHA`. (`INFO commandstats` counts both.)
 */
async function watchCommands(redis: TestRedis): Promise<{ counts: Map<string, number>; stop: () => void }> {
  const counts = new Map<string, number>();
  const monitors: Redis[] = [];
  for (const node of nodesOf(redis)) {
    const monitor = await node.monitor();
    // A monitor reconnecting after the test stopped the topology is not an error of the test.
    monitor.on('error', () => undefined);
    node.disconnect();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      const name = (args[0] ?? '').toLowerCase();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    monitors.push(monitor);
  }
  return { counts, stop: () => monitors.forEach((m) => m.disconnect()) };
}

for (const topology of SUITE_TOPOLOGIES) {
  void describe(topologyTitle('Redis commands per request', topology), { skip: topologySkip(topology) }, () => {
    void it(`steady state: at most ${MAX_PER_REQUEST} commands per request, the readiness counts per second`, async (t) => {
      const redis = await redisFor(t, topology);
      const emulator = await startTestEmulator(t);
      // Budgets large enough for the run, small enough to be paced (tracked in Redis) as real ones are.
      for (const group of ['Light', 'Medium', 'Heavy', 'Auth'] as const) {
        await emulator.control.limits({ group, limit: 5_000, windowSeconds: 60 });
      }
      const app = await startGovernedApp(t, {
        emulator,
        redis: { url: redis, keyPrefix: uniquePrefix('cmds:') },
        env: { LOG_LEVEL: 'warn' },
      });
      const browser = new HttpClient(app.url);
      await browser.loginAs(USER1.username, USER1.password);
      // Warm up: scripts cached, the budget learnt, the session's touch done.
      for (let i = 0; i < WARM_UP; i++) {
        assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
      }
      const watch = await watchCommands(redis);
      t.after(() => watch.stop());
      // Every MONITOR has answered OK before the first request.
      const started = performance.now();
      for (let i = 0; i < REQUESTS; i++) {
        assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
      }
      const seconds = (performance.now() - started) / 1000;
      // Let what the instance holds back (the last completion, the readiness counts) reach the monitors.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      watch.stop();
      const spent = [...watch.counts];
      const perRequest = spent.filter(([name]) => !NOT_PER_REQUEST.has(name) && !PER_INTERVAL.has(name));
      const perInterval = spent.filter(([name]) => PER_INTERVAL.has(name));
      const total = perRequest.reduce((sum, [, calls]) => sum + calls, 0);
      const interval = perInterval.reduce((sum, [, calls]) => sum + calls, 0);
      const breakdown = perRequest.map(([name, calls]) => `${name} ${(calls / REQUESTS).toFixed(3)}`).join(', ');
      const other = spent.filter(([name]) => NOT_PER_REQUEST.has(name));
      t.diagnostic(
        `${(total / REQUESTS).toFixed(3)} commands per request (${breakdown}); ` +
          `${interval} readiness writes in ${seconds.toFixed(1)} s (${(interval / REQUESTS).toFixed(3)} per request)` +
          (other.length > 0 ? `; not per request: ${other.map(([n, c]) => `${n} ${c}`).join(', ')}` : ''),
      );
      // The one completion sent on its own is the last call's, after the user stopped.
      assert.ok(total <= MAX_PER_REQUEST * REQUESTS + 1, `${(total / REQUESTS).toFixed(3)} per request: ${breakdown}`);
      // One HINCRBY per counted field (here one: readExtension 2xx) per second, and a PEXPIRE now and then.
      assert.ok(interval <= 2 * (Math.ceil(seconds) + 2), `${interval} readiness writes in ${seconds.toFixed(1)} s`);
      assert.equal(watch.counts.get('hmget'), REQUESTS, 'one session read per request');
    });
  });
}
