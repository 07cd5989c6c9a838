/**
 * @module bench/emulator
 * `emulator`: throughput of the emulator alone on its hottest endpoint, `GET /restapi/v1.0/account/~/extension`
 * with a bearer token, 50 keep-alive connections. The emulator runs in its own process (pinned to its core when
 * possible) and the load generator on the other core; its rate limits are raised through the control API first.
 * Warm-up, then several rounds; the median counts. Target (DESIGN §5): ≥ 10,000 requests/s, so that it is
 * never the bottleneck of the other benchmarks.
 *
 * Run alone: `npm run bench -- emulator`, or `node --import tsx bench/emulator.ts`.
 */
import { pathToFileURL } from 'node:url';
import { createAgent, loginDirect } from './lib/browser.js';
import { readCpuSeconds } from './lib/child.js';
import { createContext, removeWorkDir, type BenchContext } from './lib/context.js';
import { assertClean, runLoad } from './lib/load.js';
import { formatText, type ScenarioResult } from './lib/report.js';
import { startEmulatorServer } from './lib/servers.js';
import { formatMs, formatNumber, median } from './lib/stats.js';

const TARGET_RPS = 10_000;
const CONNECTIONS = 50;
const PATH = '/restapi/v1.0/account/~/extension';

/** Runs the scenario. */
export async function runEmulatorScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { durations, cpus } = ctx;
  const emulator = await startEmulatorServer(ctx, cpus.upstream);
  const agent = createAgent(4);
  ctx.onCleanup(() => agent.close());
  const tokens = await loginDirect(agent, emulator.url, 'http://localhost:5000/oauth2callback');
  const target = {
    url: `${emulator.url}${PATH}`,
    headers: { accept: 'application/json', authorization: `Bearer ${tokens.access_token}` },
    connections: CONNECTIONS,
  };
  ctx.pinSelf(cpus.loadForUpstream);
  assertClean('emulator warm-up', await runLoad({ ...target, durationSeconds: durations.warmupSeconds }));
  const rounds: { rps: number; p50: number; p99: number; cpuUs: number }[] = [];
  for (let round = 1; round <= durations.rounds; round++) {
    const cpuBefore = readCpuSeconds(emulator.child.pid);
    const result = await runLoad({ ...target, durationSeconds: durations.measureSeconds });
    assertClean('emulator', result);
    const cpuUs = ((readCpuSeconds(emulator.child.pid) - cpuBefore) * 1e6) / result.total;
    rounds.push({ rps: result.requestsPerSecond, p50: result.p50, p99: result.p99, cpuUs });
    ctx.log(
      `emulator: round ${round}/${durations.rounds}: ${formatNumber(result.requestsPerSecond)} req/s, p50 ${formatMs(result.p50)}, p99 ${formatMs(result.p99)}, ${formatNumber(cpuUs)} µs CPU/request`,
    );
  }
  ctx.pinSelf(cpus.loadForServer);
  const rps = median(rounds.map((r) => r.rps));
  const cpuUs = median(rounds.map((r) => r.cpuUs));
  return {
    name: 'emulator',
    rows: [
      {
        scenario: 'emulator',
        figure: `emulator alone, extension list: ${formatNumber(rps)} req/s`,
        peer: '—',
        ratio: '—',
        target: `≥ ${formatNumber(TARGET_RPS)} req/s`,
        met: rps >= TARGET_RPS,
      },
    ],
    details: [
      `\`GET ${PATH}\` with a bearer token, ${CONNECTIONS} connections, ${durations.rounds} rounds of ${durations.measureSeconds} s after a ${durations.warmupSeconds} s warm-up; 0 errors and 0 non-2xx (checked).`,
      '',
      `Rounds: ${rounds.map((r) => formatNumber(r.rps)).join(' / ')} req/s; p50 ${formatMs(median(rounds.map((r) => r.p50)))}, p99 ${formatMs(median(rounds.map((r) => r.p99)))}; ` +
        `${formatNumber(cpuUs)} µs of emulator CPU per request, i.e. about ${formatNumber(1e6 / cpuUs)} req/s per fully used core.`,
    ],
  };
}

/** Runs the scenario standalone and returns its figures (kept for callers of the first version of this file). */
export async function runEmulatorBench(): Promise<ScenarioResult> {
  const ctx = createContext({ quick: false, pin: true });
  try {
    return await runEmulatorScenario(ctx);
  } finally {
    await ctx.cleanup();
    removeWorkDir(ctx);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runEmulatorBench();
  console.log(formatText(result.rows));
  process.exitCode = result.rows.every((r) => r.met !== false) ? 0 : 1;
}
