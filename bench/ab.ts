/**
 * @module bench/ab
 * CPU per request of `GET /test?api=extension` (JSON, 50 connections), side by side: the minimal `node:http` proxy,
 * the same proxy on Fastify (what the framework alone costs), and rc-authflow from this checkout and from any other
 * checkouts given (an A/B of a change: `git worktree add /tmp/before <commit>`, then pass `/tmp/before`; it needs
 * its own `npm ci` or a `node_modules` link). Each app runs with the environment of `npm start`, plus the variables
 * of `AB_ENVS` (`|`-separated sets of `NAME=value,...`; one app per set, the empty set included) to compare
 * settings. Interleaved rounds after a warm-up, the order rotated by one target each round; prints each target's
 * median requests/s and CPU µs per request, both as a ratio to the minimal proxy, and the CPU ratio paired by round
 * (the median of each round's ratio). CPU time per request is the figure to compare on a shared machine.
 *
 * Run: `node --import tsx bench/ab.ts [rounds=5] [seconds=5] [other-checkout...]`; `AB_STORES=embedded,redis`;
 * `AB_RATE=2000` sends a fixed rate (open loop) instead of as fast as answers come, so that every target is measured
 * under the same load (CPU per request depends on it: a busier server handles more events per wake-up).
 */
import { createAgent, demoUser, loginThroughServer } from './lib/browser.js';
import { readCpuSeconds, waitUntilQuiet } from './lib/child.js';
import { createContext, removeWorkDir } from './lib/context.js';
import { assertClean, runLoad, runPaced } from './lib/load.js';
import { startEmulatorServer, startMinimalProxy, startRcAuthflow, startRedisServer } from './lib/servers.js';
import { formatNumber, median } from './lib/stats.js';

interface Target {
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  cookie: string;
  readonly us: number[];
  readonly rps: number[];
}

const CONNECTIONS = 50;
const MAX_ROUNDS = 20;
const MAX_SECONDS = 30;

const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
const rounds = Math.min(numbers[0] ?? 5, MAX_ROUNDS);
const seconds = Math.min(numbers[1] ?? 5, MAX_SECONDS);
const rate = Number(process.env.AB_RATE ?? 0);
const roots = args.filter((a) => !/^\d+$/.test(a));
const stores = (process.env.AB_STORES ?? 'embedded').split(',').filter((s): s is 'embedded' | 'redis' => {
  if (s === 'embedded' || s === 'redis') return true;
  throw new Error(`AB_STORES: unknown store "${s}"`);
});
const envSets = (process.env.AB_ENVS ?? '').split('|').map((spec) => ({
  spec,
  env: Object.fromEntries(
    spec
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ),
}));

const ctx = createContext({ quick: false, pin: true });
try {
  ctx.pinSelf(ctx.cpus.loadForServer);
  const emulator = await startEmulatorServer(ctx, ctx.cpus.upstream);
  const redis = stores.includes('redis') ? await startRedisServer(ctx, ctx.cpus.upstream) : undefined;
  const targets: Target[] = [];
  const add = (label: string, url: string, pid: number): void => {
    targets.push({ label, url, pid, cookie: '', us: [], rps: [] });
  };
  const proxy = await startMinimalProxy(ctx, emulator, ctx.cpus.server);
  add('minimal node:http proxy', proxy.url, proxy.child.pid);
  const fastifyProxy = await startMinimalProxy(ctx, emulator, ctx.cpus.server, [], 'fastify-proxy');
  add('the same proxy on Fastify', fastifyProxy.url, fastifyProxy.child.pid);
  for (const root of ['', ...roots]) {
    for (const store of stores) {
      for (const { spec, env } of envSets) {
        const app = await startRcAuthflow(root === '' ? ctx : { ...ctx, root }, emulator, {
          name: `rc-authflow-${targets.length}`,
          store,
          ...(store === 'redis' && redis !== undefined ? { redisUrl: redis.url } : {}),
          ...(ctx.cpus.server === undefined ? {} : { cpus: ctx.cpus.server }),
          env,
        });
        add(
          `rc-authflow ${root === '' ? '(this checkout)' : root} ${store}${spec === '' ? '' : ` ${spec}`}`,
          app.url,
          app.child.pid,
        );
      }
    }
  }
  /** `durationSeconds` of load on `target`: at the fixed rate when `AB_RATE` is set (and `paced`), else flat out. */
  const load = (target: Target, durationSeconds: number, paced = false) => {
    const options = {
      url: `${target.url}/test?api=extension`,
      headers: { accept: 'application/json', cookie: target.cookie },
      connections: CONNECTIONS,
      durationSeconds,
    };
    return paced && rate > 0 ? runPaced({ ...options, rate }) : runLoad(options);
  };
  if (targets.length > 9) throw new Error(`${targets.length} targets: the emulator has 9 demo users`);
  for (const [i, target] of targets.entries()) {
    const agent = createAgent(4);
    // One demo user per target: RingCentral's rate-limit budgets are per user and app.
    target.cookie = (await loginThroughServer(agent, `${target.url}/login`, demoUser(i + 1))).header();
    await agent.close();
    assertClean(`${target.label} warm-up`, await load(target, 3));
  }
  for (let round = 1; round <= rounds; round++) {
    // Each round starts one target further on, so every target is loaded first, second, ... equally often: in a
    // fixed order a target's place (what the load before it left behind, the machine's drift) is counted as its own.
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length] as Target);
    for (const target of order) {
      await waitUntilQuiet(targets.map((t) => t.pid));
      const before = readCpuSeconds(target.pid);
      const result = await load(target, seconds, true);
      const cpu = readCpuSeconds(target.pid) - before;
      assertClean(target.label, result);
      target.us.push((cpu * 1e6) / result.total);
      target.rps.push(result.requestsPerSecond);
      ctx.log(
        `round ${round}/${rounds} ${target.label}: ${formatNumber(result.requestsPerSecond)} req/s, ` +
          `${formatNumber((cpu * 1e6) / result.total)} µs CPU/request`,
      );
    }
  }
  const [floor] = targets;
  if (floor === undefined) throw new Error('no targets');
  console.log(`\n${rounds} interleaved rounds of ${seconds} s, ${CONNECTIONS} connections, ${ctx.cpus.description}\n`);
  for (const target of targets) {
    const rps = median(target.rps);
    const us = median(target.us);
    // The ratio within each round (both measured seconds apart), then its median: steadier than the ratio of the
    // medians when the machine's speed drifts between rounds.
    const paired = median(target.us.map((u, i) => u / (floor.us[i] ?? Number.NaN)));
    console.log(
      `${target.label.padEnd(48)} ${formatNumber(rps).padStart(7)} req/s (${formatNumber((100 * rps) / median(floor.rps))}%)` +
        `  ${formatNumber(us).padStart(5)} µs CPU/request (${(us / median(floor.us)).toFixed(2)}×; ${paired.toFixed(2)}× paired by round)`,
    );
  }
} finally {
  await ctx.cleanup();
  removeWorkDir(ctx);
}
