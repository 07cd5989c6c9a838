/**
 * @module bench/scenarios/cold-start
 * `cold-start`: `npm start` as a newcomer runs it (built-in emulator, embedded store, a fresh `DATA_DIR`, free
 * ports) until the first `200` on `GET /`. The clock starts when `npm` is spawned and stops at the first 200;
 * `/` is polled every few milliseconds. The first start of the run is reported on its own (disk caches may be
 * cold); the median of the next ones is the figure. Each start runs in its own process group, stopped as a group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { findFreePort, sleep } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import type { ScenarioResult } from '../lib/report.js';
import { formatMs, median } from '../lib/stats.js';

const TARGET_MS = 1_500;
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 5;

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return exited;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  return exited.finally(() => clearTimeout(timer));
}

async function startOnce(ctx: BenchContext, index: number): Promise<number> {
  const dataDir = mkdtempSync(join(ctx.workDir, `cold-start-${index}-`));
  const [port, emulatorPort] = [await findFreePort(), await findFreePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    EMULATOR_PORT: String(emulatorPort),
    DATA_DIR: dataDir,
  };
  for (const name of ['RC_SERVER_URL', 'SESSION_STORE', 'SESSION_SECRETS', 'LOG_LEVEL', 'NODE_OPTIONS'])
    delete env[name];
  let output = '';
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ctx.root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  try {
    while (performance.now() - t0 < START_TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output.slice(-2000)}`);
      try {
        const response = await request(`http://127.0.0.1:${port}/`, {
          headers: { accept: 'text/html' },
          headersTimeout: 1_000,
          bodyTimeout: 1_000,
          reset: true,
        });
        await response.body.dump();
        if (response.statusCode === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await sleep(POLL_MS);
    }
    throw new Error(`npm start: no 200 on / within ${START_TIMEOUT_MS} ms:\n${output.slice(-2000)}`);
  } finally {
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the scenario. */
export async function runColdStartScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const measured = ctx.quick ? 2 : 5;
  // Unpinned, like a user's `npm start`; the harness idles while it polls.
  ctx.pinSelf(undefined);
  const first = await startOnce(ctx, 0);
  ctx.log(`cold-start: first start ${formatMs(first)}`);
  const times: number[] = [];
  for (let i = 1; i <= measured; i++) {
    const ms = await startOnce(ctx, i);
    times.push(ms);
    ctx.log(`cold-start: start ${i}/${measured}: ${formatMs(ms)}`);
  }
  const ms = median(times);
  return {
    name: 'cold-start',
    rows: [
      {
        scenario: 'cold-start',
        figure: `npm start → first 200 on /: ${formatMs(ms)} (median of ${measured})`,
        peer: `first start of the run: ${formatMs(first)}`,
        ratio: '—',
        target: `≤ ${formatMs(TARGET_MS)}`,
        met: ms <= TARGET_MS,
      },
    ],
    details: [
      '`npm start --silent` with the built-in emulator, the embedded store and a fresh `DATA_DIR` each time (so the session secret is generated and the store created), ' +
        `free ports; from spawning \`npm\` to the first 200 on \`GET /\` (polled every ${POLL_MS} ms). ` +
        `Starts: ${formatMs(first)} (first, not counted), then ${times.map(formatMs).join(', ')}.`,
    ],
  };
}
