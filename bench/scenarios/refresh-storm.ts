/**
 * @module bench/scenarios/refresh-storm
 * `refresh-storm`: one logged-in session, its access token expired at RingCentral (the emulator's clock moved past
 * the token's hour), then 200 concurrent `GET /test?api=extension` requests with that session, each on its own
 * connection. RingCentral must see exactly one refresh (`token.refresh_token` in `/__emulator/stats`) and all 200
 * requests must succeed: first with one app instance (embedded store), then with three instances on one Redis,
 * the requests spread round-robin. Several storms each; every one must pass.
 */
import { Agent, request } from 'undici';
import { createAgent, demoUser, loginThroughServer, send, type CookieJar } from '../lib/browser.js';
import type { BenchContext } from '../lib/context.js';
import type { Row, ScenarioResult } from '../lib/report.js';
import {
  newSessionSecret,
  startEmulatorServer,
  startRcAuthflow,
  startRedisServer,
  type EmulatorServer,
  type Server,
} from '../lib/servers.js';
import { formatMs, formatNumber } from '../lib/stats.js';

const CONCURRENT = 200;
/** Past the emulator's one-hour access tokens, well inside the refresh token's week. */
const EXPIRE_SECONDS = 3_700;

interface Storm {
  readonly refreshes: number;
  readonly ok: number;
  readonly statuses: Record<number, number>;
  readonly ms: number;
}

async function storm(emulator: EmulatorServer, apps: readonly Server[], jar: CookieJar): Promise<Storm> {
  await emulator.control.advanceClock(EXPIRE_SECONDS);
  const before = (await emulator.control.stats())['token.refresh_token'] ?? 0;
  // One connection per request, so all 200 are in flight at once.
  const agent = new Agent({ connections: CONCURRENT, pipelining: 1 });
  const statuses: Record<number, number> = {};
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const app = apps[i % apps.length] as Server;
        const response = await request(`${app.url}/test?api=extension`, {
          dispatcher: agent,
          headers: { accept: 'application/json', cookie: jar.header() },
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        await response.body.dump();
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      }),
    );
  } finally {
    await agent.close();
  }
  const ms = performance.now() - t0;
  const after = (await emulator.control.stats())['token.refresh_token'] ?? 0;
  return { refreshes: after - before, ok: statuses[200] ?? 0, statuses, ms };
}

/**
 * One ordinary call before the storms, as a user would have made: the app's rate-limit governor learns the
 * user's RingCentral budget from the answer's `X-Rate-Limit-*` headers (the emulator's limits are raised for the
 * benchmark), instead of assuming RingCentral's documented 40 requests a minute and answering most of the 200
 * requests itself with a 429.
 */
async function warmUp(agent: Agent, app: Server, jar: CookieJar): Promise<void> {
  const answer = await send(agent, `${app.url}/test?api=extension`, { headers: { accept: 'application/json' }, jar });
  if (answer.status !== 200) throw new Error(`warm-up call: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
}

function passed(s: Storm): boolean {
  return s.refreshes === 1 && s.ok === CONCURRENT;
}

function describeStorms(storms: readonly Storm[]): string {
  return storms
    .map(
      (s) =>
        `${s.refreshes} refresh${s.refreshes === 1 ? '' : 'es'}, ${s.ok}/${CONCURRENT} OK` +
        (s.ok === CONCURRENT ? '' : ` (${JSON.stringify(s.statuses)})`) +
        ` in ${formatMs(s.ms)}`,
    )
    .join('; ');
}

/** Runs the scenario. */
export async function runRefreshStormScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const stormsPerSetup = ctx.quick ? 1 : 3;
  const agent = createAgent(4);
  ctx.onCleanup(() => agent.close());
  const emulator = await startEmulatorServer(ctx, ctx.cpus.upstream);

  ctx.log('refresh-storm: one instance, embedded store');
  const single = await startRcAuthflow(ctx, emulator, { name: 'storm-single', store: 'embedded' });
  const singleJar = await loginThroughServer(agent, `${single.url}/login`, demoUser(6));
  await warmUp(agent, single, singleJar);
  const singleStorms: Storm[] = [];
  for (let i = 0; i < stormsPerSetup; i++) singleStorms.push(await storm(emulator, [single], singleJar));
  ctx.log(`refresh-storm: one instance: ${describeStorms(singleStorms)}`);

  ctx.log('refresh-storm: three instances on one Redis');
  const redis = await startRedisServer(ctx, ctx.cpus.upstream);
  const secret = newSessionSecret();
  const instances = await Promise.all(
    [1, 2, 3].map((n) =>
      startRcAuthflow(ctx, emulator, {
        name: `storm-redis-${n}`,
        store: 'redis',
        redisUrl: redis.url,
        sessionSecret: secret,
      }),
    ),
  );
  // Logged in through the first instance; the cookie works on all three (same secrets, same Redis).
  const redisJar = await loginThroughServer(agent, `${instances[0]?.url ?? ''}/login`, demoUser(7));
  await warmUp(agent, instances[0] as Server, redisJar);
  const redisStorms: Storm[] = [];
  for (let i = 0; i < stormsPerSetup; i++) redisStorms.push(await storm(emulator, instances, redisJar));
  ctx.log(`refresh-storm: three instances: ${describeStorms(redisStorms)}`);

  const row = (label: string, storms: readonly Storm[]): Row => ({
    scenario: 'refresh-storm',
    figure: `${label}: refreshes per storm ${storms.map((s) => s.refreshes).join(', ')}; OK ${storms.map((s) => `${s.ok}/${CONCURRENT}`).join(', ')}`,
    peer: '—',
    ratio: '—',
    target: `exactly 1 refresh, ${CONCURRENT} OK`,
    met: storms.every(passed),
  });
  return {
    name: 'refresh-storm',
    rows: [row('1 instance (embedded)', singleStorms), row('3 instances on Redis', redisStorms)],
    details: [
      `${formatNumber(CONCURRENT)} concurrent \`GET /test?api=extension\` (JSON), one connection each, of one session whose access token ` +
        `RingCentral no longer accepts (emulator clock moved ${formatNumber(EXPIRE_SECONDS)} s ahead before each storm). ` +
        'Refreshes counted by the emulator (`token.refresh_token` in `/__emulator/stats`). Each setup logs in its own demo user and makes one ordinary call first, ' +
        "so that the app's rate-limit governor has learnt the user's (raised) RingCentral budget from the `X-Rate-Limit-*` headers.",
      '',
      `- one instance, embedded store: ${describeStorms(singleStorms)}`,
      `- three instances on one Redis, requests round-robin: ${describeStorms(redisStorms)}`,
    ],
  };
}
