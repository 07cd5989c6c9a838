/**
 * @module scripts/soak
 * `npm run soak [-- --duration 120 --users 10 --concurrency 8 --clock-every 20 --max-requests 1000000 --trace-memory 0]`
 *
 * A bounded soak of the app as it runs in production: the emulator and the app as child processes (embedded store
 * in a temp DATA_DIR, fixed SESSION_SECRETS), `--users` users logged in through the real login, the emulator's
 * rate limits raised, then mixed `/test` traffic (JSON and HTML, all three APIs, random pages and page sizes) with
 * bounded concurrency for `--duration` seconds (and at most `--max-requests` requests), while the emulator clock
 * jumps past the access-token lifetime every `--clock-every` seconds so every session keeps refreshing.
 *
 * Every response is checked to belong to its user (call-log URIs of the user's own extension, the header's user
 * name on pages, the account call log only for the admin): a mismatch is a cross-user leak. The app's RSS
 * (`/proc/<pid>/status` VmRSS) and V8 heap (from its `/metrics`) are sampled every second: start, end, and the
 * spread and trend after a warm-up of half the run (`--trace-memory s` prints a sample every s seconds).
 * Prints a summary table; exits 1 when leaks > 0, 5xx > 0, a request failed at the transport level, or the app did
 * not stop cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, type DemoUser } from '../emulator/index.js';
import { HttpClient, type HttpResponse } from '../test/helpers/http-client.js';
import { ROOT, startChildApp } from '../test/integration/support/child-app.js';
import { freePort } from '../test/helpers/ports.js';

interface Options {
  durationSeconds: number;
  users: number;
  concurrency: number;
  clockEverySeconds: number;
  maxRequests: number;
  /** Print a memory sample every this many seconds (0 = off). */
  traceMemorySeconds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    durationSeconds: 120,
    users: 10,
    concurrency: 8,
    clockEverySeconds: 20,
    maxRequests: 1e6,
    traceMemorySeconds: 0,
  };
  const keys: Record<string, keyof Options> = {
    '--duration': 'durationSeconds',
    '--users': 'users',
    '--concurrency': 'concurrency',
    '--clock-every': 'clockEverySeconds',
    '--max-requests': 'maxRequests',
    '--trace-memory': 'traceMemorySeconds',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i] ?? ''];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isFinite(value) || value <= 0) {
      console.error(`soak: unknown option or bad value: ${argv[i] ?? ''} ${argv[i + 1] ?? ''}`);
      console.error(
        'usage: npm run soak -- [--duration s] [--users n] [--concurrency n] [--clock-every s] [--max-requests n] [--trace-memory s]',
      );
      process.exit(2);
    }
    options[key] = value;
  }
  return options;
}

/** A small deterministic PRNG (mulberry32), so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
}

/** The app's V8 heap in use and off-heap (external) memory, from its Prometheus `/metrics`; NaN when absent. */
async function heapMiB(appUrl: string): Promise<{ heap: number; heapTotal: number; external: number }> {
  const read = (text: string, name: string): number =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]) / 1024 / 1024;
  try {
    const response = await fetch(`${appUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    return {
      heap: read(text, 'nodejs_heap_size_used_bytes'),
      heapTotal: read(text, 'nodejs_heap_size_total_bytes'),
      external: read(text, 'nodejs_external_memory_bytes'),
    };
  } catch {
    return { heap: Number.NaN, heapTotal: Number.NaN, external: Number.NaN };
  }
}

function describe(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: percentile(sorted, 50), max: sorted.at(-1) ?? Number.NaN };
}

/** Least-squares slope of (ms, MiB) points, in MiB per minute. */
function slopePerMinute(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function startEmulatorProcess(redirectUri: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, EMULATOR_PORT: '0', EMULATOR_REDIRECT_URIS: redirectUri },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${text}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /RingCentral emulator listening on (\S+)/.exec(text);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', () => reject(new Error(`the emulator exited:\n${text}`)));
  });
  child.stdout.resume();
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
}

interface Seat {
  readonly user: DemoUser;
  readonly browser: HttpClient;
}

type Kind = 'json' | 'html';
type Api = 'extension' | 'extension-call-log' | 'account-call-log';

/** Why a response does not belong to `seat`'s user, or `undefined` when it does. */
function leakIn(seat: Seat, api: Api, kind: Kind, response: HttpResponse): string | undefined {
  const { user } = seat;
  if (kind === 'html') {
    if (response.status !== 200 && response.status !== 403) return undefined;
    const name = /data-testid="user-name">([^<]*)</.exec(response.text)?.[1];
    const expected = `${user.firstName} ${user.lastName}`;
    return name === expected ? undefined : `page for ${user.username} shows user "${name ?? '(none)'}"`;
  }
  if (api === 'account-call-log') {
    if (user.admin !== true && response.status === 200) return `${user.username} read the account call log`;
    return undefined;
  }
  if (api === 'extension-call-log' && response.status === 200) {
    const body = response.json<{ uri?: string; records?: { uri?: string }[] }>();
    const own = `/extension/${user.extensionId}/`;
    if (!(body.uri ?? '').includes(own)) return `call log of ${user.username} has uri ${body.uri ?? '(none)'}`;
    const foreign = (body.records ?? []).find((r) => !(r.uri ?? '').includes(own));
    if (foreign !== undefined) return `call log of ${user.username} holds ${foreign.uri ?? '(no uri)'}`;
  }
  return undefined;
}

/** The `MALLOC_*` variables of this process's environment. */
function mallocEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('MALLOC_') && value !== undefined) env[name] = value;
  }
  return env;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-authflow-soak-'));
  const appPort = await freePort();
  const redirectUri = `http://127.0.0.1:${appPort}/oauth2callback`;
  const emulator = await startEmulatorProcess(redirectUri);
  const app = await startChildApp({
    emulatorUrl: emulator.url,
    dataDir,
    port: appPort,
    sessionSecrets: 'soak-session-secret-0123456789-abcdefghijklmnopq',
    // glibc's allocator settings of this environment (`MALLOC_*`, e.g. MALLOC_MMAP_THRESHOLD_) go to the app too,
    // so their effect on its memory can be measured (docs/reliability.md, Soak).
    env: { LOG_LEVEL: 'warn', ...mallocEnv() },
    // As `npm start` runs it (bundled sources, its Node flags): the memory figures are the product's.
    launch: 'npm-start',
  });
  const pid = app.process.pid ?? 0;
  let appStoppedCleanly = false;
  try {
    for (const group of ['Light', 'Medium', 'Heavy', 'Auth']) {
      await post(`${emulator.url}/__emulator/limits`, { group, limit: 1_000_000_000 });
    }
    const users = [DEMO.admin, ...DEMO.users.filter((u) => u.username !== DEMO.admin.username)];
    const seats: Seat[] = [];
    for (let i = 0; i < options.users; i++) {
      const user = users[i % users.length]!;
      const browser = new HttpClient(app.url);
      await browser.loginAs(user.username, user.password);
      seats.push({ user, browser });
    }
    const rssStart = rssKb(pid);
    console.log(
      `soak: ${seats.length} users logged in; ${options.durationSeconds} s of traffic at concurrency ${options.concurrency}`,
    );

    const random = prng(20_261_125);
    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    const leaks: string[] = [];
    let transportErrors = 0;
    let requests = 0;
    let clockJumps = 0;
    const started = performance.now();
    const deadline = started + options.durationSeconds * 1000;
    // Warm-up: the first half (at least 10 s). Under load V8 grows its heap and the allocator its arenas for about a
    // minute (measured: RSS flat from ~60-80 s on over a 300 s run); memory is judged after that.
    const warmUpMs = Math.max(Math.min(10_000, options.durationSeconds * 1000), (options.durationSeconds * 1000) / 2);
    const memory: { t: number; rss: number; heap: number; heapTotal: number; external: number }[] = [];
    let sampling = false;
    const sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      const t = performance.now() - started;
      const rss = rssKb(pid) / 1024;
      void heapMiB(app.url).then((heap) => {
        memory.push({ t, rss, ...heap });
        if (options.traceMemorySeconds > 0 && memory.length % options.traceMemorySeconds === 0) {
          console.log(
            `soak: t=${(t / 1000).toFixed(0)} s rss=${rss.toFixed(0)} heapUsed=${heap.heap.toFixed(0)} ` +
              `heapTotal=${heap.heapTotal.toFixed(0)} external=${heap.external.toFixed(0)} MiB`,
          );
        }
        sampling = false;
      });
    }, 1000);
    const clockTimer = setInterval(() => {
      // Past the access-token lifetime: every session refreshes on its next call.
      void post(`${emulator.url}/__emulator/clock`, { advanceSeconds: 3600 + 60 }).then(() => (clockJumps += 1));
    }, options.clockEverySeconds * 1000);

    const apis: Api[] = ['extension', 'extension-call-log', 'account-call-log'];
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline && requests < options.maxRequests) {
        requests += 1;
        const seat = seats[Math.floor(random() * seats.length)]!;
        const api = apis[Math.floor(random() * apis.length)]!;
        const kind: Kind = random() < 0.6 ? 'json' : 'html';
        const page = 1 + Math.floor(random() * 4);
        const perPage = [10, 25, 100][Math.floor(random() * 3)]!;
        const path = `/test?api=${api}${api === 'extension' ? '' : `&page=${page}&perPage=${perPage}`}`;
        const t0 = performance.now();
        try {
          const response =
            kind === 'json'
              ? await seat.browser.get(path, { accept: 'application/json' })
              : await seat.browser.page(path);
          latencies.push(performance.now() - t0);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const leak = leakIn(seat, api, kind, response);
          if (leak !== undefined) leaks.push(leak);
        } catch (err) {
          transportErrors += 1;
          if (transportErrors <= 5) console.error(`soak: request failed: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
    clearInterval(clockTimer);
    clearInterval(sampler);
    const elapsed = (performance.now() - started) / 1000;
    const rssEnd = rssKb(pid) / 1024;
    const steady = memory.filter((m) => m.t >= warmUpMs);
    const rssSteady = describe(steady.map((m) => m.rss));
    const heapSteady = describe(steady.map((m) => m.heap).filter((h) => Number.isFinite(h)));
    const heapTotalSteady = describe(steady.map((m) => m.heapTotal).filter((h) => Number.isFinite(h)));
    const externalSteady = describe(steady.map((m) => m.external).filter((h) => Number.isFinite(h)));
    const trend = slopePerMinute(steady.map((m) => [m.t, m.rss] as const));
    const third = Math.max(1, Math.floor(steady.length / 3));
    const firstThird = describe(steady.slice(0, third).map((m) => m.rss)).median;
    const lastThird = describe(steady.slice(-third).map((m) => m.rss)).median;

    const stats = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as Record<string, number>;
    app.process.kill('SIGTERM');
    const exit = await app.exited();
    appStoppedCleanly = exit.code === 0;

    latencies.sort((a, b) => a - b);
    const fiveXx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    const rows: [string, string][] = [
      ['duration', `${elapsed.toFixed(1)} s`],
      ['users (sessions)', String(seats.length)],
      ['concurrency', String(options.concurrency)],
      ['requests', String(requests)],
      ['requests/s', (requests / elapsed).toFixed(0)],
      [
        'statuses',
        [...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, c]) => `${s}: ${c}`)
          .join(', '),
      ],
      ['latency p50 / p99', `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`],
      ['emulator clock jumps (+3660 s)', String(clockJumps)],
      ['token refreshes at RingCentral', String(stats['token.refresh_token'] ?? 0)],
      ['REST calls at RingCentral', String(stats.rest ?? 0)],
      ['cross-user leaks', String(leaks.length)],
      ['5xx', String(fiveXx)],
      ['transport errors', String(transportErrors)],
      ['app RSS at start (users logged in)', `${(rssStart / 1024).toFixed(1)} MiB`],
      ['app RSS at end', `${rssEnd.toFixed(1)} MiB`],
      [
        `app RSS after warm-up (${(warmUpMs / 1000).toFixed(0)} s): min / median / max`,
        `${rssSteady.min.toFixed(1)} / ${rssSteady.median.toFixed(1)} / ${rssSteady.max.toFixed(1)} MiB`,
      ],
      [
        'app RSS median, first → last third after warm-up',
        `${firstThird.toFixed(1)} → ${lastThird.toFixed(1)} MiB (trend ${trend >= 0 ? '+' : ''}${trend.toFixed(1)} MiB/min)`,
      ],
      [
        'V8 heap used / heap total / external after warm-up (median)',
        Number.isFinite(heapSteady.median)
          ? `${heapSteady.median.toFixed(1)} / ${heapTotalSteady.median.toFixed(1)} / ${externalSteady.median.toFixed(1)} MiB (heap used ${heapSteady.min.toFixed(1)}..${heapSteady.max.toFixed(1)})`
          : 'n/a (no /metrics)',
      ],
      ['SIGTERM → exit 0', appStoppedCleanly ? 'yes' : `no (${String(exit.code)} ${String(exit.signal)})`],
    ];
    console.log('\n| Measure | Value |\n| --- | --- |');
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
    for (const leak of leaks.slice(0, 10)) console.error(`soak: LEAK ${leak}`);
    if (lastThird > firstThird * 1.25) {
      console.warn(
        `soak: RSS rose from ${firstThird.toFixed(0)} to ${lastThird.toFixed(0)} MiB after warm-up: a leak?`,
      );
    }
    const failed = leaks.length > 0 || fiveXx > 0 || transportErrors > 0 || !appStoppedCleanly;
    console.log(failed ? '\nsoak: FAILED' : '\nsoak: passed (0 leaks, 0 5xx)');
    process.exitCode = failed ? 1 : 0;
  } finally {
    await app.kill();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
