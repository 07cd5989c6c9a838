/**
 * @module test/helpers/redis
 * A private `redis-server` for one test or suite: its own temp directory, a free port on 127.0.0.1, no RDB
 * snapshots, optional AOF; stopped and removed after the test. `stop()`/`start()` restart it on the same port and
 * directory (AOF restart tests), `kill()` crashes it, `pause()`/`resume()` freeze it (a Redis that hangs).
 * Suites call {@link redisSkip} for `describe(..., { skip })`: without `redis-server` they are skipped with the
 * reason printed, unless `RC_TEST_REQUIRE=all`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { toolOrSkip } from './require-tool.js';
import { freePort } from './ports.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 500;
const PORT_ATTEMPTS = 5;

/** Something that runs cleanup after the test or suite (`TestContext`, or `{ after }` from `node:test`). */
export interface CleanupContext {
  after(fn: () => Promise<void>): void;
}

export interface StartRedisOptions {
  /** Turn on the append-only file. Default false. */
  appendonly?: boolean;
  /** `appendfsync` policy when `appendonly` is on. Default `always` (a stop loses nothing, even with `kill()`). */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Data directory; default a fresh temp dir (removed after the test). A given dir is left in place. */
  dir?: string;
  /** `requirepass`: clients must authenticate (the URL then carries the password). */
  password?: string;
}

/** A running private Redis. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (with `:password@` when one is set). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGTERM (Redis flushes the AOF and exits) and wait for the exit. Resolves at once when not running. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory, and waits until it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP: the process keeps its socket open but answers nothing. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** What the server printed so far (for assertion messages). */
  output(): string;
}

/**
 * A cleanup context for a whole test file: functions given to it run (last first) in one top-level `after` hook.
 * Call it at module level, before any test runs.
 */
export function fileCleanup(): CleanupContext {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return { after: (fn) => void cleanups.push(fn) };
}

let cachedSkip: { path?: string; skip: string | false } | undefined;

/** The skip reason for suites that need `redis-server`, or `false` when it is installed. */
export function redisSkip(): string | false {
  cachedSkip ??= toolOrSkip('redis-server');
  return cachedSkip.skip;
}

/** One PING over a raw socket: true on `+PONG` (not while Redis is still loading its AOF). */
function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      // With requirepass, an unauthenticated PING is refused with NOAUTH: the server is up all the same.
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitExit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([gone.then(() => 'gone' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Starts a private `redis-server` and registers its cleanup with `context.after`.
 * Call only when {@link redisSkip} returned false.
 */
export async function startRedis(context: CleanupContext, options: StartRedisOptions = {}): Promise<RedisServer> {
  const tool = toolOrSkip('redis-server');
  if (tool.path === undefined) throw new Error(String(tool.skip));
  const executable = tool.path;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rc-authflow-redis-')));
  let child: ChildProcess | undefined;
  let log = '';
  let port = 0;

  function args(): string[] {
    const list = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    list.push('--appendonly', options.appendonly === true ? 'yes' : 'no');
    if (options.appendonly === true) list.push('--appendfsync', options.appendfsync ?? 'always');
    if (options.password !== undefined) list.push('--requirepass', options.password);
    list.push('--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', '--protected-mode', 'yes');
    return list;
  }

  async function launch(): Promise<void> {
    const proc = spawn(executable, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const collect = (chunk: Buffer): void => {
      log += chunk.toString();
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const started = performance.now();
    while (performance.now() - started < READY_TIMEOUT_MS) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`redis-server exited during start-up (port ${port}):\n${log}`);
      }
      if (await probe(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitExit(proc, 'SIGKILL');
    throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms:\n${log}`);
  }

  context.after(async () => {
    if (child) await waitExit(child, 'SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
  });

  // The port is free when chosen but another process may take it before redis-server binds it: try again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !log.includes('Address already in use')) throw error;
      log = '';
    }
  }

  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (child) await waitExit(child, 'SIGTERM');
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL');
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) {
        throw new Error('redis-server is already running');
      }
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    output() {
      return log;
    },
  };
}
