/**
 * Redis commands per request in steady state, as Redis receives them (`MONITOR` on every node, commands run by
 * Lua scripts not counted): a logged-in user's `/test?api=extension` on an instance wired as `server.ts` wires `SESSION_STORE=redis`
 * (sessions, refresh lock, rate-limit budgets, readiness counters). On one server: almost none. The session is read
 * once and then kept, since Redis reports every change to it (`redis/session-tracking.ts`), and the budget's
 * reservations go one `EVALSHA` per lease of slots (`redis/budget-leases.ts`: up to 32 calls each, the held
 * completions riding along), not one per call. On Redis Cluster, where the app does not cache sessions: one `HMGET`
 * (the session) per request, plus the leases. Plus, on both, what is held back (completions, leased slots left
 * unused) sent on its own once the user stops; the readiness counts are written per interval, not per request
 * (`HINCRBY` per counted field and second). Bookkeeping that is not per request is reported apart: the cluster's (ioredis refreshing its slot
 * map with `CLUSTER` commands every few seconds) and the tracking connection's heartbeat (`PING` once a second).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestEmulator } from '../../helpers/emulator.js';
import { HttpClient } from '../../helpers/http-client.js';
import {
  SUITE_TOPOLOGIES,
  topologiesForFile,
  topologySkip,
  topologyTitle,
  uniquePrefix,
} from '../../helpers/redis-topology.js';
import { startGovernedApp } from '../governor/support.js';
import { watchCommands } from './support/monitor.js';
import { USER1 } from '../support/fixtures.js';

const REQUESTS = 200;
const WARM_UP = 5;
/** What the app spends per request (see docs/benchmarks.md): EVALSHA per lease, HMGET where sessions are not cached. */
const MAX_PER_REQUEST = { server: 0.1, cluster: 1.1 } as const;
/** Budget scripts at most: a lease holds up to 32 slots; it reaches that size after a few leases. */
const MAX_BUDGET_SCRIPTS = REQUESTS / 10;
/** Session reads in the measured requests: none once read on one server; one per request on a Cluster. */
const SESSION_READS = { server: 0, cluster: REQUESTS } as const;
/** Commands of the test and of ioredis's topology bookkeeping, not of requests. */
const NOT_PER_REQUEST = new Set(['cluster', 'ping', 'client', 'hello', 'auth', 'select', 'monitor']);
/** Writes per interval (the readiness counts), not per request. */
const PER_INTERVAL = new Set(['hincrby', 'pexpire']);
const redisFor = topologiesForFile();

for (const topology of SUITE_TOPOLOGIES) {
  void describe(topologyTitle('Redis commands per request', topology), { skip: topologySkip(topology) }, () => {
    const most = MAX_PER_REQUEST[topology];
    void it(`steady state: at most ${most} command(s) per request, the readiness counts per second`, async (t) => {
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
      // What is sent on its own after the user stopped: the held completions, the unused leased slots.
      assert.ok(total <= most * REQUESTS + 2, `${(total / REQUESTS).toFixed(3)} per request: ${breakdown}`);
      // One HINCRBY per counted field (here one: readExtension 2xx) per second, and a PEXPIRE now and then.
      assert.ok(interval <= 2 * (Math.ceil(seconds) + 2), `${interval} readiness writes in ${seconds.toFixed(1)} s`);
      assert.equal(watch.counts.get('hmget') ?? 0, SESSION_READS[topology], 'session reads');
      const scripts = watch.counts.get('evalsha') ?? 0;
      assert.ok(scripts >= 1 && scripts <= MAX_BUDGET_SCRIPTS, `${scripts} budget scripts: governed, one per lease`);
    });
  });
}
