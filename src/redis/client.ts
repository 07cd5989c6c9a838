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
 *
 * Three topologies ({@link createRedisConnection}), with the same fail-fast rules:
 * - one server (`REDIS_URL`): an ioredis `Redis`;
 * - Sentinel (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`): an ioredis `Redis` that asks the sentinels where the
 *   primary is on every (re)connect (retried at most every 500 ms, so it finds a newly elected primary within
 *   about half a second), and reconnects when a demoted primary answers `READONLY`;
 * - Cluster (`REDIS_CLUSTER_NODES`): an ioredis `Cluster` that learns the slot map from any reachable node, follows
 *   `MOVED`/`ASK`, and retries a command a bounded number of times (failover, `CLUSTERDOWN`, `TRYAGAIN`).
 * @see https://github.com/redis/ioredis#auto-reconnect
 * @see https://github.com/redis/ioredis#sentinel
 * @see https://github.com/redis/ioredis#cluster
 * @see https://www.iana.org/assignments/uri-schemes/prov/redis (redis:// and rediss:// URLs)
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config.js';

/** Largest database number a stock Redis accepts with the default `databases 16` is 15; servers may allow more. */
const MAX_DB = 1_000_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
const FIRST_RECONNECT_DELAY_MS = 50;
/** A cluster command is retried at most this many times (redirections and failover retries together). */
const CLUSTER_MAX_REDIRECTIONS = 8;
const CLUSTER_RETRY_DELAY_MS = 100;
const SENTINEL_MAX_RECONNECT_DELAY_MS = 500;

/** A connection to Redis in any topology: `Redis` (one server, Sentinel) or `Cluster`. */
export type RedisConnection = Redis | Cluster;

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
  /**
   * Extra TLS options when the settings ask for TLS (e.g. `ca` for a private certificate authority in tests; in
   * production `NODE_EXTRA_CA_CERTS` does the same for the whole process).
   */
  readonly tlsOptions?: ConnectionOptions;
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
    ...(target.tls ? { tls: { servername: target.host, ...options.tlsOptions } } : {}),
    ...commonOptions(options),
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, maxDelay),
  };
}

/** The options every single-node connection shares (server, Sentinel, each node of a Cluster). */
function commonOptions(options: RedisClientOptions) {
  return {
    connectionName: options.connectionName ?? 'rc-authflow',
    connectTimeout: positiveOption('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeout: positiveOption('commandTimeoutMs', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    keepAlive: 10_000,
    // After a failover the old primary answers READONLY: reconnect so the new one is found.
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  } satisfies RedisOptions;
}

function credentials(settings: Pick<RedisSettings, 'username' | 'password'>) {
  return {
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
  };
}

/** What {@link connectionOptionsFor} builds: the ioredis class to use and its options. */
export type ConnectionPlan =
  | { readonly kind: 'redis'; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: { host: string; port: number }[]; readonly options: ClusterOptions };

/**
 * The ioredis options for `settings` (exported for tests). With TLS, server names are checked: against the URL's
 * host (one server), the address the sentinels report (Sentinel), each node's address (Cluster; host names are
 * kept as given, not resolved first, so certificates issued for names match).
 * @throws {RedisUrlError} for a bad `REDIS_URL`; {@link RangeError} for a bad option
 */
export function connectionOptionsFor(settings: RedisSettings, options: RedisClientOptions = {}): ConnectionPlan {
  const maxDelay = positiveOption('maxReconnectDelayMs', options.maxReconnectDelayMs, DEFAULT_MAX_RECONNECT_DELAY_MS);
  const retryStrategy = (attempt: number) => reconnectDelay(attempt, maxDelay);
  const tls = settings.tls ? { ...options.tlsOptions } : undefined;
  switch (settings.topology) {
    case 'server': {
      const fromUrl = redisOptionsFor(settings.url, options);
      return {
        kind: 'redis',
        options: {
          ...fromUrl,
          ...credentials(settings),
          ...(tls === undefined ? {} : { tls: { servername: fromUrl.host ?? '', ...tls } }),
        },
      };
    }
    case 'sentinel': {
      const common = commonOptions(options);
      // A reconnect asks a sentinel where the primary is: retried at most every 500 ms, so a connection waiting
      // out a failover finds the new primary within half a second of its election.
      const sentinelRetry = (attempt: number) =>
        reconnectDelay(attempt, Math.min(maxDelay, SENTINEL_MAX_RECONNECT_DELAY_MS));
      return {
        kind: 'redis',
        options: {
          ...common,
          ...credentials(settings),
          sentinels: settings.sentinels.map(({ host, port }) => ({ host, port })),
          name: settings.name,
          role: 'master',
          ...(settings.sentinelPassword === undefined ? {} : { sentinelPassword: settings.sentinelPassword }),
          ...(tls === undefined ? {} : { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
          sentinelCommandTimeout: Math.min(common.commandTimeout, 1_000),
          sentinelRetryStrategy: sentinelRetry,
          // No failover detector (subscriptions to +switch-master): in ioredis 5 its disconnect can land while a
          // reconnect is asking a sentinel for the primary, which rejects that connect and ends the connection for
          // good ("Connection is closed." forever; seen under load in the failover test). The 500 ms reconnect cap
          // finds the new primary about as fast.
          failoverDetector: false,
          updateSentinels: true,
          enableOfflineQueue: false,
          lazyConnect: false,
          retryStrategy: sentinelRetry,
        },
      };
    }
    case 'cluster': {
      const common = commonOptions(options);
      // Managed clusters (Azure) announce their nodes by IP address while their certificates name the host the
      // operator configured: a node reached by IP is checked against that name; a node reached by name, against its
      // own name (as always).
      const configuredName = settings.nodes.find((node) => isIP(node.host) === 0)?.host;
      const nodeTls =
        tls === undefined
          ? undefined
          : {
              ...tls,
              ...(configuredName === undefined
                ? {}
                : {
                    checkServerIdentity: (host: string, cert: Parameters<typeof checkServerIdentity>[1]) =>
                      checkServerIdentity(isIP(host) === 0 ? host : configuredName, cert),
                  }),
            };
      return {
        kind: 'cluster',
        nodes: settings.nodes.map(({ host, port }) => ({ host, port })),
        options: {
          enableOfflineQueue: false,
          enableReadyCheck: true,
          scaleReads: 'master',
          lazyConnect: false,
          // Bounded retries: a command gives up after at most ~0.8 s of failover retries (plus its timeouts).
          maxRedirections: CLUSTER_MAX_REDIRECTIONS,
          retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
          retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
          retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
          slotsRefreshTimeout: Math.min(common.commandTimeout, 1_000),
          clusterRetryStrategy: retryStrategy,
          // Keep host names as given (TLS certificates name hosts; managed clusters announce names).
          dnsLookup: (address, callback) => callback(null, address),
          redisOptions: { ...common, ...credentials(settings), ...(nodeTls === undefined ? {} : { tls: nodeTls }) },
        },
      };
    }
  }
}

/**
 * Where `settings` point, for logs and error messages: never a password (`redis://***@host:6379/0`,
 * `sentinel "mymaster" via 10.0.0.1:26379,…`, `cluster via 10.0.0.1:6379,…`).
 */
export function describeRedisTarget(settings: RedisSettings): string {
  const list = (addresses: readonly { host: string; port: number }[]): string =>
    addresses.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)).join(',');
  const tls = settings.tls ? ' (TLS)' : '';
  switch (settings.topology) {
    case 'server':
      return redactRedisUrl(settings.url);
    case 'sentinel':
      return `sentinel "${settings.name}" via ${list(settings.sentinels)}${tls}`;
    case 'cluster':
      return `cluster via ${list(settings.nodes)}${tls}`;
  }
}

/**
 * Connects to Redis in any topology. The returned connection starts connecting at once; commands sent before it
 * is ready reject (see {@link waitUntilReady}). The caller owns it and ends it with `quit()` (or `disconnect()`).
 * @throws {RedisUrlError} for a bad `REDIS_URL`; {@link RangeError} for a bad option
 */
export function createRedisConnection(settings: RedisSettings, options: RedisClientOptions = {}): RedisConnection {
  const plan = connectionOptionsFor(settings, options);
  const client = plan.kind === 'cluster' ? new Cluster(plan.nodes, plan.options) : new Redis(plan.options);
  watchConnection(client, describeRedisTarget(settings), options.logger);
  return client;
}

/**
 * Connects to Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS). The returned
 * client starts connecting at once; commands sent before it is ready reject (see {@link waitUntilReady}).
 * The caller owns it and ends it with `quit()` (or `disconnect()`).
 * @throws {RedisUrlError} when `url` is not a Redis URL; {@link RangeError} for a bad option
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(redisOptionsFor(url, options));
  watchConnection(client, redactRedisUrl(url), options.logger);
  return client;
}

/** Logs state changes of a connection; its `error` events are logged, never thrown (they would crash). */
function watchConnection(client: RedisConnection, where: string, logger: RedisLogger | undefined): void {
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
  if (client instanceof Cluster) {
    // One node's trouble (a primary failing over) is not the whole cluster's: debug only.
    client.on('node error', (error: unknown, node: unknown) => {
      logger?.debug({ redis: where, node: String(node), err: describeRedisError(error) }, 'redis cluster node error');
    });
    // ioredis connects to a node on its first command, and rejects the commands sent while that connection is
    // being made (no offline queue) into a delayed retry through a random node: they could overtake later
    // commands of the same key. Connecting to each primary as soon as the slot map names it keeps that window
    // to the moment a node appears, before requests use it.
    client.on('+node', (node: Redis) => {
      if (node.options.readOnly !== true && node.status === 'wait') node.connect().catch(() => undefined);
    });
  }
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
export function waitUntilReady(client: RedisConnection, timeoutMs: number): Promise<void> {
  if (client instanceof Cluster) return clusterReady(client, timeoutMs);
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

/** A Cluster is ready when it has its slot map and a ready connection to every primary in it. */
async function clusterReady(cluster: Cluster, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const notReady = (): RedisNotReadyError =>
    new RedisNotReadyError(`redis cluster did not become ready within ${timeoutMs} ms (status "${cluster.status}")`);
  if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cluster.off('ready', onReady);
        reject(notReady());
      }, timeoutMs);
      function onReady(): void {
        clearTimeout(timer);
        resolve();
      }
      cluster.once('ready', onReady);
    });
  }
  // Bounded by the deadline; each round waits for one event of a primary still connecting.
  for (let round = 0; round < 1_000; round++) {
    const pending = cluster.nodes('master').find((node) => node.status !== 'ready');
    if (pending === undefined) return;
    const left = deadline - performance.now();
    if (left <= 0) throw notReady();
    if (pending.status === 'wait') pending.connect().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, 100));
      function done(): void {
        clearTimeout(timer);
        pending?.off('ready', done);
        resolve();
      }
      pending.once('ready', done);
    });
  }
  throw notReady();
}
