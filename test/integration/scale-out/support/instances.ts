/**
 * @module test/integration/scale-out/support/instances
 * App instances that share one Redis, two ways:
 * - in-process: the real `createApp` per instance (via `startTestApp`), each with its own Redis connection, store
 *   and refresh coordinator (`openRedisBackend`), exactly as `server.ts` wires `SESSION_STORE=redis`;
 * - child processes: `node --import tsx src/server.ts` with the environment an operator would set, for tests that
 *   kill an instance or must show that no process crashes.
 * Plus browsers that carry one session cookie to every instance (cookies are per host, not per port), and the
 * metrics of an instance read over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningEmulator } from '../../../../emulator/index.js';
import { openRedisBackend, type RedisBackend } from '../../../../src/redis/redis-backend.js';
import { startTestApp, TEST_SESSION_SECRETS, type TestApp } from '../../../helpers/app.js';
import { HttpClient } from '../../../helpers/http-client.js';
import { parseMetrics, type Sample } from './metrics-text.js';
import { freePort } from '../../../helpers/ports.js';
import { testRedisOf, type TestRedis } from '../../../helpers/redis-topology.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** One in-process instance: the app and its Redis backend. */
export interface SharedInstance {
  readonly app: TestApp;
  readonly backend: RedisBackend;
  readonly url: string;
}

/** The Redis of a helper's options: a URL (one server) or any topology. */
function redisOf(options: { redisUrl?: string; redis?: TestRedis }): TestRedis {
  if (options.redis !== undefined) return options.redis;
  if (options.redisUrl === undefined) throw new Error('give redisUrl or redis');
  return testRedisOf(options.redisUrl);
}

/** Starts `count` in-process app instances on one Redis (closed after the test). */
export async function startSharedInstances(
  t: TestContext,
  options: {
    redisUrl?: string;
    redis?: TestRedis;
    emulator: RunningEmulator;
    count: number;
    keyPrefix: string;
    /** How long an instance waits for another's refresh lock (default: the backend's). */
    lockWaitTimeoutMs?: number;
    /** `REDIS_SESSION_CACHE` (default on). */
    sessionCache?: boolean;
  },
): Promise<SharedInstance[]> {
  const redis = redisOf(options);
  const instances: SharedInstance[] = [];
  for (let i = 0; i < options.count; i++) {
    const backend = await openRedisBackend({
      redis: redis.settings,
      keyPrefix: options.keyPrefix,
      commandTimeoutMs: 1_000,
      ...(options.lockWaitTimeoutMs === undefined ? {} : { lockWaitTimeoutMs: options.lockWaitTimeoutMs }),
      ...(options.sessionCache === undefined ? {} : { sessionCache: options.sessionCache }),
    });
    // The app closes the store on teardown, and the store owns the connection.
    const app = await startTestApp(t, {
      emulator: options.emulator,
      store: backend.store,
      refreshCoordinator: backend.coordinator,
      env: { LOG_LEVEL: 'warn', SESSION_STORE: 'redis', ...redis.env },
    });
    instances.push({ app, backend, url: app.url });
  }
  return instances;
}

/** One browser per base URL, all carrying the session cookie of `loggedIn`. */
export function browsersSharing(urls: readonly string[], loggedIn: HttpClient): HttpClient[] {
  return urls.map((url) => {
    if (url === loggedIn.baseUrl) return loggedIn;
    const browser = new HttpClient(url);
    for (const [name, value] of loggedIn.jar) browser.jar.set(name, value);
    return browser;
  });
}

/** The samples of an instance's `GET /metrics` (tests reach it over loopback, so no token is needed). */
export async function metricsOf(url: string): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200, `GET ${url}/metrics`);
  return parseMetrics(await response.text());
}

/** Resolves after `ms` (only for polling real processes, never for app time). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `everyMs` until it is true or `timeoutMs` passed; fails the test with `what` then. */
export async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  what: string,
  options: { timeoutMs?: number; everyMs?: number; detail?: () => string } = {},
): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  const every = options.everyMs ?? 50;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}\n${options.detail?.() ?? ''}`);
    await pause(every);
  }
}

/** One app instance as a child process. */
export interface AppProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process printed (stdout and stderr). */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `src/server.ts` as a child on a free port of 127.0.0.1 with `SESSION_STORE=redis` (on the topology's
 * variables: `REDIS_URL`, or `REDIS_SENTINELS`…, or `REDIS_CLUSTER_NODES`…), its redirect URI registered with the
 * emulator, and waits for `/healthz`. Killed after the test if still running.
 */
export async function startAppProcess(
  t: TestContext,
  options: {
    emulator: RunningEmulator;
    redisUrl?: string;
    redis?: TestRedis;
    keyPrefix: string;
    env?: Record<string, string>;
  },
): Promise<AppProcess> {
  const redis = redisOf(options);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const redirect = `${url}/oauth2callback`;
  options.emulator.registerRedirectUri(redirect);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RC_SERVER_URL: options.emulator.url,
      RC_CLIENT_ID: 'demo-client-id',
      RC_CLIENT_SECRET: 'demo-client-secret',
      RC_REDIRECT_URL: redirect,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSION_STORE: 'redis',
      ...redis.env,
      REDIS_KEY_PREFIX: options.keyPrefix,
      SESSION_SECRETS: TEST_SESSION_SECRETS.join(','),
      UPSTREAM_TIMEOUT_MS: '8000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (!alive()) return;
    const gone = exited(child);
    child.kill(signal);
    await gone;
  };
  t.after(() => stop('SIGKILL'));
  await waitUntil(
    async () => {
      assert.ok(alive(), `the instance on port ${port} exited during start-up:\n${text}`);
      try {
        return (await fetch(`${url}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    `the instance on port ${port} to answer /healthz`,
    { detail: () => text },
  );
  assert.ok(child.pid !== undefined);
  return { url, pid: child.pid, child, output: () => text, alive, stop };
}
