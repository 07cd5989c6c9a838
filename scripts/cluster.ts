/**
 * @module scripts/cluster
 * `npm run cluster -- [--instances N] [--port P] [--host H] [--emulator-port E] [--redis server|sentinel|cluster]
 * [--replicas R] [--redis-url URL]`: N app instances sharing one Redis, on ports P..P+N-1 (default 3 instances from
 * 5000; `--port 0` picks free ports).
 *
 * - Redis: `--redis-url` or `REDIS_URL` if given; otherwise a private topology of `redis-server` processes on free
 *   ports of 127.0.0.1 with the append-only file on, in a temp directory that is removed on exit
 *   (`scripts/redis-topology.ts`): `--redis server` (the default) one server; `--redis sentinel` a primary,
 *   `--replicas` replicas (default 1) and three sentinels; `--redis cluster` three primaries with `--replicas`
 *   replicas each (default 0), joined with `redis-cli --cluster create`. The instances get the matching variables
 *   (`REDIS_URL`, `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`, or `REDIS_CLUSTER_NODES`).
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
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO, startEmulator } from '../emulator/index.js';
import { redactRedisUrl } from '../src/redis/client.js';
import { delay, freePort, stopChild } from './processes.js';
import { startTopology, type LocalTopology, type TopologyKind } from './redis-topology.js';

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
  readonly redis: TopologyKind;
  readonly replicas: number | undefined;
}

const TOPOLOGIES: readonly TopologyKind[] = ['server', 'sentinel', 'cluster'];
const MAX_REPLICAS = 5;

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
        redis: { type: 'string' },
        replicas: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (parsed.help === true) {
    console.log(
      [
        'usage: npm run cluster -- [--instances N] [--port P] [--host H] [--emulator-port E]',
        '                          [--redis server|sentinel|cluster] [--replicas R] [--redis-url URL]',
      ].join('\n'),
    );
    process.exit(0);
  }
  const redis = (parsed.redis ?? 'server') as TopologyKind;
  if (!TOPOLOGIES.includes(redis)) fail(`--redis must be one of ${TOPOLOGIES.join(', ')}`);
  const replicas = integerOption('replicas', parsed.replicas, redis === 'sentinel' ? 1 : 0, MAX_REPLICAS);
  if (replicas !== undefined && redis === 'server') fail('--replicas needs --redis sentinel or --redis cluster');
  const instances = integerOption('instances', parsed.instances, 1, MAX_INSTANCES) ?? 3;
  const port = integerOption('port', parsed.port, 0, 65_535 - MAX_INSTANCES) ?? 5000;
  const host = parsed.host ?? 'localhost';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) fail('--host must be a host name or IP address');
  const redisUrl = parsed['redis-url'] ?? (process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL);
  if (parsed['redis-url'] !== undefined && parsed.redis !== undefined) {
    fail('--redis-url uses an existing Redis: it cannot be combined with --redis');
  }
  return {
    instances,
    port,
    host,
    emulatorPort: integerOption('emulator-port', parsed['emulator-port'], 0, 65_535),
    // A topology asked for explicitly wins over REDIS_URL from the environment.
    redisUrl: parsed.redis === undefined ? redisUrl : undefined,
    redis,
    replicas,
  };
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

/** Starts the asked-for local topology with the append-only file on (its banner only shown if it fails). */
async function startOwnRedis(options: Options): Promise<LocalTopology> {
  for (const program of options.redis === 'cluster' ? ['redis-server', 'redis-cli'] : ['redis-server']) {
    if (spawnSync(program, ['--version'], { stdio: 'ignore' }).status !== 0) {
      fail(`${program} is not installed: install it (e.g. apt-get install redis-server) or pass --redis-url`);
    }
  }
  try {
    return await startTopology({
      kind: options.redis,
      appendonly: true,
      readyTimeoutMs: READY_TIMEOUT_MS,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** One line per Redis process, for the start-up summary. */
function describeTopology(topology: LocalTopology): string[] {
  const line = (what: string, port: number, pid: number | undefined): string =>
    `redis ${what}: redis://127.0.0.1:${port} (pid ${pid})`;
  switch (topology.kind) {
    case 'server': {
      const node = topology.nodes[0];
      return [`redis: redis://127.0.0.1:${node?.port} (pid ${node?.pid()}, append-only file in ${topology.dir})`];
    }
    case 'sentinel':
      return [
        ...topology.nodes.map((n) => line(n.role, n.port, n.pid())),
        ...topology.sentinels.map((n) => line('sentinel', n.port, n.pid())),
        `redis: Sentinel "${topology.sentinelName}", files in ${topology.dir}`,
      ];
    case 'cluster':
      return [
        ...topology.nodes.map((n) => line(`cluster ${n.role}`, n.port, n.pid())),
        `redis: Redis Cluster of ${topology.nodes.filter((n) => n.role === 'primary').length} primaries, files in ${topology.dir}`,
      ];
  }
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

  // Redis first: its processes bind their ports now, so free ports chosen for the instances afterwards cannot
  // collide with them.
  let redisEnv: Record<string, string>;
  if (options.redisUrl === undefined) {
    const own = await startOwnRedis(options);
    redisEnv = { ...own.env };
    stoppers.push(() => own.stop());
    for (const line of describeTopology(own)) console.log(line);
  } else {
    redisEnv = { REDIS_URL: options.redisUrl };
    console.log(`redis: ${redactRedisUrl(options.redisUrl)}`);
  }

  const ports: number[] = [];
  for (let i = 0; i < options.instances; i++) {
    ports.push(options.port === 0 ? await freePort(options.host) : options.port + i);
  }
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const origins = ports.map((port) => `http://${urlHost}:${port}`);
  const redirectUris = origins.map((origin) => `${origin}/oauth2callback`);

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
        // Only the chosen topology's variables: a REDIS_URL from the environment must not ride along.
        REDIS_URL: '',
        REDIS_SENTINELS: '',
        REDIS_SENTINEL_NAME: '',
        REDIS_CLUSTER_NODES: '',
        ...redisEnv,
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
    stoppers.push(() => stopChild(child, 'SIGTERM', STOP_TIMEOUT_MS));
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
