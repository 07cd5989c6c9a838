/**
 * @module redis/client
 * Creates the ioredis connection the Redis session store and the refresh coordinator share, configured to fail
 * fast while Redis is down and to come back by itself:
 * - no offline queue, no retry of in-flight commands (`enableOfflineQueue: false`, `maxRetriesPerRequest: 0`,
 *   `autoResendUnfulfilledCommands: false`): while the connection is down every command rejects at once, so a
 *   request answers 503 immediately instead of piling up, and a write that timed out is never replayed later
 *   behind a newer one;
 * - every command has a timeout (`commandTimeout`), so a Redis that hangs (paused, network black hole) cannot
 *   hold requests longer than that;
 * - reconnects forever with capped, jittered exponential backoff; `error` events are logged (once per outage),
 *   never thrown, so a connection problem never crashes the process.
 * The URL may carry a password: it is parsed here, never logged, and never put in an error message.
 * Key prefixes are not set here (ioredis `keyPrefix` is left unused): the store and the coordinator add theirs, so
 * the keys they report (`keyFor`, `lockKeyFor`) are the real keys in Redis, also for raw tools such as `SCAN`.
 * @see https://github.com/redis/ioredis#auto-reconnect
 * @see https://www.iana.org/assignments/uri-schemes/prov/redis (redis:// and rediss:// URLs)
 */
import type { Logger } from 'pino';
import { Redis, type RedisOptions } from 'ioredis';

/** Largest database number a stock Redis accepts with the default `databases 16` is 15; servers may allow more. */
const MAX_DB = 1_000_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
const FIRST_RECONNECT_DELAY_MS = 50;

/** `REDIS_URL` is not a usable Redis URL. The message names the problem, never the URL (it may hold a password). */
export class RedisUrlError extends TypeError {
  override readonly name = 'RedisUrlError';
  readonly code = 'RCAPP_REDIS_URL_INVALID';
}

/** The connection settings a Redis URL stands for. */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  /** Database number (`/2` in the URL path); 0 when absent. */
  readonly db: number;
  /** ACL user name (Redis 6+); `undefined` for the `default` user. */
  readonly username?: string;
  readonly password?: string;
  /** True for `rediss://` (TLS, server name checked against `host`). */
  readonly tls: boolean;
}

/**
 * Parses `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). A `?db=` query is not supported: the
 * database number goes in the path, as in the IANA `redis` scheme.
 * @throws {RedisUrlError} with a message that never contains the URL or its password
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError('REDIS_URL is not a valid URL (expected redis://host:port/db or rediss://…)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisUrlError('REDIS_URL must start with redis:// or rediss://');
  }
  if (parsed.hostname === '') throw new RedisUrlError('REDIS_URL has no host');
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new RedisUrlError('REDIS_URL must not have a query or fragment (put the database number in the path: /2)');
  }
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,7}$/.test(path)) {
    throw new RedisUrlError('REDIS_URL path must be a database number (e.g. /0)');
  }
  const db = path === '' ? 0 : Number(path);
  if (db > MAX_DB) throw new RedisUrlError('REDIS_URL database number is too large');
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new RedisUrlError('REDIS_URL user or password is not valid percent-encoding');
    }
  };
  const username = parsed.username === '' ? undefined : decode(parsed.username);
  const password = parsed.password === '' ? undefined : decode(parsed.password);
  // IPv6 literals come back bracketed from URL; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    tls: parsed.protocol === 'rediss:',
  };
}

/** The URL with its user and password replaced by `***`, for logs and error messages. Never throws. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '') parsed.username = '***';
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return '(unparseable Redis URL)';
  }
}

/** What {@link createRedisClient} logs (a pino logger fits). */
export type RedisLogger = Pick<Logger, 'info' | 'warn' | 'debug'>;

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** Connection state changes are logged here: `warn` once per outage, `info` when back, `debug` per retry. */
  readonly logger?: RedisLogger;
  /** Give up one connection attempt after this long (then back off and retry). Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Reject a command that got no answer after this long. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff. Default 2000. */
  readonly maxReconnectDelayMs?: number;
  /** `CLIENT SETNAME` of the connection (shows in `CLIENT LIST`). Default `rc-authflow`. */
  readonly connectionName?: string;
}

/**
 * The reconnect delay for the `attempt`-th retry (1-based): 50 ms doubling, ±20 % jitter (so many instances do
 * not reconnect in lockstep after an outage), never above `maxMs`.
 */
export function reconnectDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 20));
  return Math.max(1, Math.min(maxMs, Math.round(base * (0.8 + 0.4 * random()))));
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`redis client option "${name}" must be a positive integer number of ms`);
  }
  return value;
}

/** The ioredis options {@link createRedisClient} uses for `url` (exported for tests and for other connections). */
export function redisOptionsFor(url: string, options: RedisClientOptions = {}): RedisOptions {
  const target = parseRedisUrl(url);
  const maxDelay = positiveOption('maxReconnectDelayMs', options.maxReconnectDelayMs, DEFAULT_MAX_RECONNECT_DELAY_MS);
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    connectionName: options.connectionName ?? 'rc-authflow',
    connectTimeout: positiveOption('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeout: positiveOption('commandTimeoutMs', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    keepAlive: 10_000,
    lazyConnect: false,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, maxDelay),
    // After a failover the old primary answers READONLY: reconnect so DNS/endpoint resolution finds the new one.
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  };
}

/**
 * Connects to Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS). The returned
 * client starts connecting at once; commands sent before it is ready reject (see {@link waitUntilReady}).
 * The caller owns it and ends it with `quit()` (or `disconnect()`).
 * @throws {RedisUrlError} when `url` is not a Redis URL; {@link RangeError} for a bad option
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(redisOptionsFor(url, options));
  const logger = options.logger;
  const where = redactRedisUrl(url);
  let up = false;
  let outageLogged = false;
  client.on('ready', () => {
    if (outageLogged) logger?.info({ redis: where }, 'redis connection is back');
    else logger?.debug({ redis: where }, 'redis connection ready');
    up = true;
    outageLogged = false;
  });
  // Without an 'error' listener an EventEmitter error would crash the process; log once per outage instead.
  client.on('error', (error: unknown) => {
    const detail = describeRedisError(error);
    if (!outageLogged) {
      logger?.warn({ redis: where, err: detail }, up ? 'redis connection lost' : 'redis is not reachable');
      outageLogged = true;
    } else {
      logger?.debug({ redis: where, err: detail }, 'redis still not reachable');
    }
    up = false;
  });
  client.on('close', () => {
    if (up && !outageLogged) {
      logger?.warn({ redis: where }, 'redis connection closed');
      outageLogged = true;
    }
    up = false;
  });
  return client;
}

/**
 * The message and code of a Redis/ioredis error as a plain object for logs. Never the command arguments ioredis
 * attaches to reply errors (they hold session ids and payloads).
 */
export function describeRedisError(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** The client did not become ready in time. */
export class RedisNotReadyError extends Error {
  override readonly name = 'RedisNotReadyError';
  readonly code = 'RCAPP_REDIS_NOT_READY';
}

/**
 * Resolves once `client` is connected and ready (immediately when it already is); rejects after `timeoutMs`.
 * For start-up and tests: the app itself may also start with Redis down and report it on `/readyz`.
 */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new RedisNotReadyError(`redis did not become ready within ${timeoutMs} ms (status "${client.status}")`));
    }, timeoutMs);
    function onReady(): void {
      clearTimeout(timer);
      resolve();
    }
    client.once('ready', onReady);
  });
}
