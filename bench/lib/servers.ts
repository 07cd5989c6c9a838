/**
 * @module bench/lib/servers
 * The processes of a benchmark run, each in its own child process: the RingCentral emulator (shared upstream of
 * every peer), a private `redis-server`, rc-authflow (exactly what `npm start` runs, pointed at the emulator),
 * the minimal `node:http` proxy and the quick-start express app. Each server is registered with the run's
 * cleanup, so an error anywhere still stops everything.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, startChild, waitForHttp, type RunningChild } from './child.js';
import type { BenchContext } from './context.js';
import { createAgent, DEMO_APP, loginThroughServer } from './browser.js';
import type { LoadOptions } from './load.js';

const START_TIMEOUT_MS = 30_000;

/** A server under test (or the emulator) at `url`. */
export interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: RunningChild;
}

/** The control API of the emulator (`/__emulator/...`). */
export interface EmulatorControl {
  stats(): Promise<Record<string, number>>;
  advanceClock(seconds: number): Promise<void>;
  registerRedirectUri(uri: string): Promise<void>;
  /** Raises every rate-limit group so that no benchmark ever meets a 429. */
  raiseLimits(): Promise<void>;
}

/** The emulator process with its control client. */
export interface EmulatorServer extends Server {
  readonly control: EmulatorControl;
}

function controlClient(url: string): EmulatorControl {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/__emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator control ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
  return {
    stats: () => call('GET', 'stats'),
    advanceClock: async (seconds) => {
      await call('POST', 'clock', { advanceSeconds: seconds });
    },
    registerRedirectUri: async (uri) => {
      await call('POST', 'redirect-uris', { uri });
    },
    raiseLimits: async () => {
      for (const group of ['Light', 'Medium', 'Heavy', 'Auth']) {
        await call('POST', 'limits', { group, limit: 1_000_000_000 });
      }
    },
  };
}

/** Starts the emulator CLI on a free port (pinned to `cpus` when given) and raises its rate limits. */
export async function startEmulatorServer(
  ctx: BenchContext,
  cpus?: string,
  name = 'emulator',
): Promise<EmulatorServer> {
  const child = startChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'emulator/cli.ts'],
    cwd: ctx.root,
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1' },
    logDir: ctx.workDir,
    ...(cpus === undefined ? {} : { cpus }),
  });
  ctx.onCleanup(() => child.stop());
  const match = await child.waitForOutput(/RingCentral emulator listening on (http:\/\/\S+)/, START_TIMEOUT_MS);
  const url = match[1] as string;
  const control = controlClient(url);
  await control.raiseLimits();
  return { name, url, child, control };
}

/** Starts a private `redis-server` (no persistence) on a free port in the run's directory. */
export async function startRedisServer(ctx: BenchContext, cpus?: string): Promise<Server> {
  const port = await findFreePort();
  const dir = join(ctx.workDir, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const child = startChild({
    name: `redis-${port}`,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    cwd: dir,
    env: process.env,
    logDir: ctx.workDir,
    ...(cpus === undefined ? {} : { cpus }),
  });
  ctx.onCleanup(() => child.stop());
  await child.waitForOutput(/Ready to accept connections/, START_TIMEOUT_MS);
  return { name: 'redis', url: `redis://127.0.0.1:${port}`, child };
}

/** The command `npm start` (or `npm run <script>`) runs, split into executable and arguments (`node` = this Node). */
export function npmStartCommand(root: string, script = 'start'): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const line = pkg.scripts[script];
  if (line === undefined) throw new Error(`package.json has no "${script}" script`);
  const [first = 'node', ...args] = line.trim().split(/\s+/);
  return { command: first === 'node' ? process.execPath : first, args };
}

/** Options of {@link startRcAuthflow}. */
export interface RcAuthflowOptions {
  readonly name: string;
  /** The npm script whose command runs the app (default `start`). */
  readonly script?: string;
  readonly store: 'embedded' | 'redis';
  readonly redisUrl?: string;
  readonly cpus?: string;
  /** Shared by instances that must read each other's sessions (same Redis). */
  readonly sessionSecret?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Extra Node flags before the script (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
}

/** A random session secret for a run (never printed). */
export function newSessionSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * Starts rc-authflow as `npm start` would run it (without npm in between), pointed at the shared emulator: demo
 * app, its redirect URI registered, `LOG_LEVEL=info` (the production default), embedded store in a fresh
 * `DATA_DIR` or Redis.
 */
export async function startRcAuthflow(
  ctx: BenchContext,
  emulator: EmulatorServer,
  options: RcAuthflowOptions,
): Promise<Server> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(ctx.workDir, `${options.name}-data`);
  await emulator.control.registerRedirectUri(`${url}/oauth2callback`);
  const { command, args } = npmStartCommand(ctx.root, options.script);
  const child = startChild({
    name: options.name,
    command,
    args: [...(options.nodeFlags ?? []), ...args],
    cwd: ctx.root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      RC_SERVER_URL: emulator.url,
      RC_CLIENT_ID: DEMO_APP.clientId,
      RC_CLIENT_SECRET: DEMO_APP.clientSecret,
      RC_REDIRECT_URL: `${url}/oauth2callback`,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      SESSION_SECRETS: options.sessionSecret ?? newSessionSecret(),
      SESSION_STORE: options.store,
      LOG_LEVEL: 'info',
      ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
      ...options.env,
    },
    logDir: ctx.workDir,
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  ctx.onCleanup(() => child.stop());
  await waitForHttp(`${url}/healthz`, START_TIMEOUT_MS, () => child.running());
  return { name: options.name, url, child };
}

/** Starts `bench/peers/minimal-proxy.ts` (or its Fastify twin, `fastify-proxy.ts`) against the emulator. */
export async function startMinimalProxy(
  ctx: BenchContext,
  emulator: EmulatorServer,
  cpus?: string,
  nodeFlags: readonly string[] = [],
  peer: 'minimal-proxy' | 'fastify-proxy' = 'minimal-proxy',
): Promise<Server> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  await emulator.control.registerRedirectUri(`${url}/oauth2callback`);
  const child = startChild({
    name: peer,
    command: process.execPath,
    args: [...nodeFlags, '--import', 'tsx', `bench/peers/${peer}.ts`],
    cwd: ctx.root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      RC_SERVER_URL: emulator.url,
      RC_CLIENT_ID: DEMO_APP.clientId,
      RC_CLIENT_SECRET: DEMO_APP.clientSecret,
      RC_REDIRECT_URL: `${url}/oauth2callback`,
      PORT: String(port),
    },
    logDir: ctx.workDir,
    ...(cpus === undefined ? {} : { cpus }),
  });
  ctx.onCleanup(() => child.stop());
  await waitForHttp(`${url}/healthz`, START_TIMEOUT_MS, () => child.running());
  return { name: peer, url, child };
}

/** Starts `bench/peers/quickstart-app` (express + express-session + @ringcentral/sdk) against the emulator. */
export async function startQuickstartApp(ctx: BenchContext, emulator: EmulatorServer, cpus?: string): Promise<Server> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  await emulator.control.registerRedirectUri(`${url}/oauth2callback`);
  const child = startChild({
    name: 'quickstart-app',
    command: process.execPath,
    args: ['bench/peers/quickstart-app/index.js'],
    cwd: ctx.root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      RC_SERVER_URL: emulator.url,
      RC_CLIENT_ID: DEMO_APP.clientId,
      RC_CLIENT_SECRET: DEMO_APP.clientSecret,
      RC_REDIRECT_URL: `${url}/oauth2callback`,
      PORT: String(port),
    },
    logDir: ctx.workDir,
    ...(cpus === undefined ? {} : { cpus }),
  });
  ctx.onCleanup(() => child.stop());
  await waitForHttp(`${url}/index`, START_TIMEOUT_MS, () => child.running(), 302);
  return { name: 'quickstart-app', url, child };
}

/** The server under test of a one-target tool (`bench/profile.ts`, `bench/gc.ts`), logged in. */
export interface ApiTarget {
  readonly app: Server;
  /** The `api` scenario's load on it: `GET /test?api=extension` (JSON) with the login's cookie, 50 connections. */
  readonly load: Omit<LoadOptions, 'durationSeconds'>;
}

/**
 * Starts rc-authflow on `store` (and a Redis for it), or the minimal proxy, on the CPU planned for the server under
 * test with extra Node flags, and logs the demo admin in through it.
 */
export async function startApiTarget(
  ctx: BenchContext,
  emulator: EmulatorServer,
  options: {
    readonly store: 'embedded' | 'redis' | 'proxy';
    readonly name: string;
    readonly nodeFlags: readonly string[];
  },
): Promise<ApiTarget> {
  const { store, nodeFlags } = options;
  const app =
    store === 'proxy'
      ? await startMinimalProxy(ctx, emulator, ctx.cpus.server, nodeFlags)
      : await startRcAuthflow(ctx, emulator, {
          name: `${options.name}-${store}`,
          store,
          ...(store === 'redis' ? { redisUrl: (await startRedisServer(ctx, ctx.cpus.upstream)).url } : {}),
          ...(ctx.cpus.server === undefined ? {} : { cpus: ctx.cpus.server }),
          nodeFlags,
        });
  const agent = createAgent(4);
  const jar = await loginThroughServer(agent, `${app.url}/login`);
  await agent.close();
  return {
    app,
    load: {
      url: `${app.url}/test?api=extension`,
      headers: { accept: 'application/json', cookie: jar.header() },
      connections: 50,
    },
  };
}
