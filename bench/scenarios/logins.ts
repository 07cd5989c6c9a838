/**
 * @module bench/scenarios/logins
 * `logins`: complete OAuth logins per second with PKCE, each one what a browser does: the app's login start
 * (`/login`, or the quick start's `/` page with its link) → RingCentral's authorize page → the sign-in form →
 * the app's callback, which exchanges the code (+ verifier) for tokens and stores the session. Several virtual
 * users log in over and over at once. Peers: the quick-start app (same emulator, same load) and the emulator
 * alone (the harness does authorize → sign-in → token itself: the floor, no app in between). The app's own CPU
 * time per login is measured too: the emulator and the harness do most of the work of a login.
 *
 * rc-authflow runs with `LOGIN_RATE_LIMIT=off` here: its per-IP login limit (60/min by default) would otherwise
 * refuse a benchmark that logs in from one address hundreds of times a second.
 */
import { Agent } from 'undici';
import { DEMO_ADMIN, loginDirect, loginThroughServer } from '../lib/browser.js';
import { readCpuSeconds } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import type { Row, ScenarioResult } from '../lib/report.js';
import {
  startEmulatorServer,
  startQuickstartApp,
  startRcAuthflow,
  startRedisServer,
  type EmulatorServer,
} from '../lib/servers.js';
import { formatMs, formatNumber, median, percentile } from '../lib/stats.js';

const USERS = 8;

interface Target {
  readonly key: 'direct' | 'embedded' | 'redis' | 'quickstart';
  readonly label: string;
  readonly login: (agent: Agent) => Promise<unknown>;
  /** The app process (its CPU per login), absent for the direct peer. */
  readonly pid?: number;
  readonly rounds: { rate: number; failures: number; p50: number; p99: number; cpuMsPerLogin: number }[];
  firstError?: string;
}

async function measure(
  target: Target,
  seconds: number,
): Promise<{ rate: number; failures: number; p50: number; p99: number; cpuMsPerLogin: number }> {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const times: number[] = [];
  let failures = 0;
  const cpuBefore = target.pid === undefined ? 0 : readCpuSeconds(target.pid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: USERS }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          try {
            await target.login(agent);
            times.push(performance.now() - started);
          } catch (err) {
            failures++;
            target.firstError ??= err instanceof Error ? err.message.slice(0, 160) : String(err);
          }
        }
      }),
    );
  } finally {
    await agent.close();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = target.pid === undefined ? 0 : readCpuSeconds(target.pid) - cpuBefore;
  return {
    rate: times.length / elapsed,
    failures,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    cpuMsPerLogin: times.length === 0 ? Number.NaN : (cpu * 1000) / times.length,
  };
}

/** Runs the scenario. */
export async function runLoginsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { durations, cpus } = ctx;
  const noLimit = { LOGIN_RATE_LIMIT: 'off' };
  const emulator: EmulatorServer = await startEmulatorServer(ctx, cpus.upstream);
  const redis = await startRedisServer(ctx, cpus.upstream);
  const [embedded, onRedis, quickstart] = await Promise.all([
    startRcAuthflow(ctx, emulator, { name: 'logins-embedded', store: 'embedded', cpus: cpus.server, env: noLimit }),
    startRcAuthflow(ctx, emulator, {
      name: 'logins-redis',
      store: 'redis',
      redisUrl: redis.url,
      cpus: cpus.server,
      env: noLimit,
    }),
    startQuickstartApp(ctx, emulator, cpus.server),
  ]);
  const users = ['admin@example.com', ...Array.from({ length: 9 }, (_, i) => `user${i + 1}@example.com`)];
  let next = 0;
  // Demo users in turn (each has its own rate-limit bucket and data at RingCentral).
  const user = (): { username: string; password: string } => {
    const username = users[next++ % users.length] as string;
    return { username, password: username === DEMO_ADMIN.username ? DEMO_ADMIN.password : 'Passw0rd!user' };
  };
  const targets: Target[] = [
    {
      key: 'direct',
      label: 'emulator alone (no app)',
      login: (agent) => loginDirect(agent, emulator.url, 'http://localhost:5000/oauth2callback', user()),
      rounds: [],
    },
    {
      key: 'embedded',
      label: 'rc-authflow, embedded store',
      login: (agent) => loginThroughServer(agent, `${embedded.url}/login`, user()),
      pid: embedded.child.pid,
      rounds: [],
    },
    {
      key: 'redis',
      label: 'rc-authflow, Redis store',
      login: (agent) => loginThroughServer(agent, `${onRedis.url}/login`, user()),
      pid: onRedis.child.pid,
      rounds: [],
    },
    {
      key: 'quickstart',
      label: 'quick-start app',
      login: (agent) => loginThroughServer(agent, `${quickstart.url}/`, user()),
      pid: quickstart.child.pid,
      rounds: [],
    },
  ];
  ctx.pinSelf(cpus.loadForServer);
  for (const target of targets) await measure(target, durations.warmupSeconds);
  for (let round = 1; round <= durations.rounds; round++) {
    for (const target of targets) {
      const result = await measure(target, durations.measureSeconds);
      target.rounds.push(result);
      ctx.log(
        `logins: round ${round}/${durations.rounds} ${target.label}: ${formatNumber(result.rate)} logins/s, ${result.failures} failed, p50 ${formatMs(result.p50)}` +
          (target.pid === undefined ? '' : `, app CPU ${formatNumber(result.cpuMsPerLogin, 2)} ms/login`),
      );
    }
  }
  const get = (key: Target['key']): Target => targets.find((t) => t.key === key) as Target;
  const rate = (key: Target['key']): number => median(get(key).rounds.map((r) => r.rate));
  const failures = (key: Target['key']): number => get(key).rounds.reduce((sum, r) => sum + r.failures, 0);
  const cpuMs = (key: Target['key']): number => median(get(key).rounds.map((r) => r.cpuMsPerLogin));
  const quickText = `quick-start app: ${formatNumber(rate('quickstart'))} logins/s, ${formatNumber(failures('quickstart'))} failed`;

  const rows: Row[] = (['embedded', 'redis'] as const).map((key) => ({
    scenario: 'logins',
    figure: `${key === 'embedded' ? 'rc-authflow (embedded)' : 'rc-authflow (Redis)'}: ${formatNumber(rate(key))} logins/s, ${formatNumber(failures(key))} failed, app CPU ${formatNumber(cpuMs(key), 2)} ms/login`,
    peer: quickText,
    ratio: `${formatNumber(rate(key) / rate('quickstart'), 1)}×`,
    target: '— (no target; 0 failures)',
    met: failures(key) === 0 ? undefined : false,
  }));
  rows.push({
    scenario: 'logins',
    figure: `emulator alone (authorize → sign-in → token, no app): ${formatNumber(rate('direct'))} logins/s`,
    peer: '—',
    ratio: '—',
    target: '—',
    met: undefined,
  });
  const quickError = get('quickstart').firstError;
  const details = [
    `${USERS} virtual users log in over and over for ${durations.measureSeconds} s per round (${durations.rounds} interleaved rounds after a ${durations.warmupSeconds} s warm-up; medians), ` +
      'each login a fresh browser: the app issues PKCE S256 and state, the harness signs in on the emulator form, the app exchanges the code and stores the session. ' +
      'The demo users take turns. rc-authflow runs with `LOGIN_RATE_LIMIT=off` (its per-address limit would stop a one-address benchmark).',
    '',
    '| peer | logins/s (median) | rounds | failed | p50 / p99 per login | app CPU per login |',
    '| --- | --- | --- | --- | --- | --- |',
    ...targets.map(
      (t) =>
        `| ${t.label} | ${formatNumber(rate(t.key))} | ${t.rounds.map((r) => formatNumber(r.rate)).join(' / ')} | ${formatNumber(failures(t.key))} | ` +
        `${formatMs(median(t.rounds.map((r) => r.p50)))} / ${formatMs(median(t.rounds.map((r) => r.p99)))} | ${t.pid === undefined ? '—' : `${formatNumber(cpuMs(t.key), 2)} ms`} |`,
    ),
    '',
    'A login costs the emulator and the harness (two HTML pages, a form post, a token exchange) more than the app, so the ' +
      "logins/s of all peers are bounded by the core they share; the app CPU per login is the app's own cost." +
      (failures('quickstart') > 0
        ? ` The quick-start app's failures are its shared-SDK bug (contract §8.1): one platform object holds one PKCE code verifier for all users, so concurrent logins overwrite each other's verifier and the code exchange fails (first error: "${quickError ?? ''}").`
        : ''),
  ];
  return { name: 'logins', rows, details };
}
