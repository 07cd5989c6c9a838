/**
 * @module scripts/cluster
 * `npm run cluster -- [--instances N] [--port P] [--host H] [--emulator-port E] [--redis-url URL]`: N app
 * instances sharing one Redis, on ports P..P+N-1 (default 3 instances from 5000; `--port 0` picks free ports).
 *
 * - Redis: `--redis-url` or `REDIS_URL` if given; otherwise a private `redis-server` on a free port of 127.0.0.1
 *   with the append-only file on, in a temp directory that is removed on exit.
 * - RingCentral: `RC_SERVER_URL` (with `RC_CLIENT_ID`/`RC_CLIENT_SECRET`) if set; otherwise one RingCentral
 *   emulator in this process on `--emulator-port` (default the port after the last instance; 0 = free), with
 *   every instance's redirect URI registered.
 * - Instances: `src/server.ts` as child processes with `SESSION_STORE=redis`, one `SESSION_SECRETS` (taken from the
 *   environment, else generated for this run and never printed) and the rest of the environment passed through.
 *
 * Prints the URLs (one line per part, `ready` last) and stops everything on Ctrl-C (SIGINT) or SIGTERM: the
 * instances first (SIGTERM, SIGKILL after 15 s), then Redis, then the emulator; exits 0.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO, startEmulator } from '../emulator/index.js';
import { redactRedisUrl } from '../src/redis/client.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_INSTANCES = 16;

interface Options {
  readonly instances: number;
  readonly port: number;
  readonly host: string;
  readonly emulatorPort: number | undefined;
  readonly redisUrl: string | undefined;
}

function fail(message: string): never {
  console.error(`cluster: ${message}`);
  process.exit(1);
}

function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function readOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        instances: { type: 'string', short: 'n' },
        port: { type: 'string' },
        host: { type: 'string' },
        'emulator-port': { type: 'string' },
        'redis-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (parsed.help === true) {
    console.log(
      'usage: npm run cluster -- [--instances N] [--port P] [--host H] [--emulator-port E] [--redis-url URL]',
    );
    process.exit(0);
  }
  const instances = integerOption('instances', parsed.instances, 1, MAX_INSTANCES) ?? 3;
  const port = integerOption('port', parsed.port, 0, 65_535 - MAX_INSTANCES) ?? 5000;
  const host = parsed.host ?? 'localhost';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) fail('--host must be a host name or IP address');
  const redisUrl = parsed['redis-url'] ?? (process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL);
  return {
    instances,
    port,
    host,
    emulatorPort: integerOption('emulator-port', parsed['emulator-port'], 0, 65_535),
    redisUrl,
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM (unless already gone), then SIGKILL after `timeoutMs`. */
async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  if ((await Promise.race([gone.then(() => 'gone' as const), late])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
  clearTimeout(timer);
}

/** Prefixes every line a child prints, so the instances' logs can be told apart. */
function relay(child: ChildProcess, label: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') console.log(`[${label}] ${line}`);
    });
  }
}

/** One PING over a raw socket: true on `+PONG`. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

interface OwnRedis {
  readonly url: string;
  readonly child: ChildProcess;
  readonly dir: string;
}

async function startOwnRedis(): Promise<OwnRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    fail('redis-server is not installed: install it (e.g. apt-get install redis-server) or pass --redis-url');
  }
  const dir = await mkdtemp(join(tmpdir(), 'rc-authflow-cluster-'));
  const port = await freePort('127.0.0.1');
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--loglevel', 'warning'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Redis's start-up banner is noise here; it is shown only when Redis fails to start.
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const started = performance.now();
  while (!(await redisAnswers(port))) {
    if (child.exitCode !== null || performance.now() - started > READY_TIMEOUT_MS) {
      await stopChild(child, 1000);
      await rm(dir, { recursive: true, force: true });
      fail(`redis-server did not start on port ${port}:\n${output}`);
    }
    await delay(50);
  }
  return { url: `redis://127.0.0.1:${port}`, child, dir };
}

async function waitHealthy(url: string, child: ChildProcess): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < READY_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  return false;
}

/** Registers redirect URIs with an emulator started elsewhere (`npm run emulator`); real RingCentral ignores it. */
async function registerWithExternalEmulator(serverUrl: string, uris: readonly string[]): Promise<void> {
  const host = new URL(serverUrl).hostname;
  if (host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]') return;
  for (const uri of uris) {
    try {
      await fetch(`${serverUrl}/__emulator/redirect-uris`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri }),
      });
    } catch {
      // not an emulator: the URIs must be registered with the app at RingCentral
    }
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  const stoppers: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    for (const stop of stoppers.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error(`cluster: while stopping: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    console.log(`\ncluster: ${signal}: stopping every instance, Redis and the emulator`);
    void stopAll(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const ports: number[] = [];
  for (let i = 0; i < options.instances; i++) {
    ports.push(options.port === 0 ? await freePort(options.host) : options.port + i);
  }
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const origins = ports.map((port) => `http://${urlHost}:${port}`);
  const redirectUris = origins.map((origin) => `${origin}/oauth2callback`);

  let redisUrl = options.redisUrl;
  if (redisUrl === undefined) {
    const own = await startOwnRedis();
    redisUrl = own.url;
    stoppers.push(async () => {
      await stopChild(own.child, 5_000);
      await rm(own.dir, { recursive: true, force: true });
    });
    console.log(`redis: ${own.url} (pid ${own.child.pid}, append-only file in ${own.dir})`);
  } else {
    console.log(`redis: ${redactRedisUrl(redisUrl)}`);
  }

  const ringCentral: Record<string, string> = {};
  let emulatorUrl: string | undefined;
  if (process.env.RC_SERVER_URL === undefined || process.env.RC_SERVER_URL === '') {
    const emulator = await startEmulator({
      port: options.emulatorPort ?? (options.port === 0 ? 0 : options.port + options.instances),
      host: '127.0.0.1',
      redirectUris,
    });
    stoppers.push(() => emulator.close());
    emulatorUrl = emulator.url;
    Object.assign(ringCentral, {
      RC_SERVER_URL: emulator.url,
      RC_CLIENT_ID: DEMO.apps.confidential.clientId,
      RC_CLIENT_SECRET: DEMO.apps.confidential.clientSecret,
    });
    console.log(`emulator: ${emulator.url} (RingCentral emulator; log in as user1@example.com / Passw0rd!user)`);
  } else {
    await registerWithExternalEmulator(process.env.RC_SERVER_URL, redirectUris);
    console.log(`ringcentral: ${process.env.RC_SERVER_URL} (register these redirect URIs: ${redirectUris.join(' ')})`);
  }

  const sessionSecrets = process.env.SESSION_SECRETS ?? randomBytes(48).toString('base64url');
  const children: ChildProcess[] = [];
  for (const [i, port] of ports.entries()) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...ringCentral,
        PORT: String(port),
        HOST: options.host,
        RC_REDIRECT_URL: redirectUris[i],
        SESSION_STORE: 'redis',
        REDIS_URL: redisUrl,
        SESSION_SECRETS: sessionSecrets,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    relay(child, String(port));
    child.once('exit', (code, signal) => {
      if (!stopping) console.error(`cluster: instance on port ${port} exited (${signal ?? `code ${code}`})`);
    });
    stoppers.push(() => stopChild(child, STOP_TIMEOUT_MS));
  }
  for (const [i, child] of children.entries()) {
    if (!(await waitHealthy(origins[i] ?? '', child))) {
      console.error(`cluster: the instance on port ${ports[i]} did not start`);
      await stopAll(1);
    }
  }

  console.log('');
  for (const [i, origin] of origins.entries()) {
    console.log(`instance ${i + 1}: ${origin} (pid ${children[i]?.pid}) metrics: ${origin}/metrics`);
  }
  console.log(
    [
      '',
      `${options.instances} instances share sessions through Redis${emulatorUrl === undefined ? '' : ' and one emulator'}.`,
      'Log in on any instance: browsers keep cookies per host, not per port, so the others see you logged in too.',
      'Each login returns to the instance it started on (its own redirect URI).',
      process.env.SESSION_SECRETS === undefined
        ? 'SESSION_SECRETS was generated for this run: sessions do not outlive it.'
        : 'SESSION_SECRETS from the environment.',
      'Press Ctrl+C to stop everything.',
      'ready',
    ].join('\n'),
  );
}

await main();
