/**
 * @module redis/redis-backend
 * Everything `SESSION_STORE=redis` needs, from one URL or the settings of any topology (one server, Sentinel,
 * Cluster): one connection shared by the session store and the cross-instance refresh coordinator. For the
 * composition root (`server.ts`) and integration tests.
 *
 * Sessions read from Redis are kept opened in memory while Redis reports every change to them
 * (`session-tracking.ts`; one server or Sentinel, not Cluster; `sessionCache: false` turns it off).
 *
 * Start-up does not require Redis: it waits up to `readyTimeoutMs` for the first connection, then carries on
 * either way. While Redis is down, session requests answer 503 and `/readyz` (the store's `ping`) says so; the
 * client keeps reconnecting and service returns by itself. Only a malformed URL fails the start.
 */
import type { ConnectionOptions } from 'node:tls';
import type { RedisSettings } from '../config.js';
import { Cluster } from 'ioredis';
import { DEFAULT_REDIS_KEY_PREFIX, createRedisStore, sessionKeyPrefixFor, type RedisStore } from './session-store.js';
import { trackSessionChanges, type SessionTracking } from './session-tracking.js';
import {
  createRedisConnection,
  describeRedisTarget,
  type RedisConnection,
  type RedisLogger,
  waitUntilReady,
} from './client.js';
import { createRedisRefreshCoordinator, type RedisRefreshCoordinator } from './refresh-coordinator.js';

const DEFAULT_READY_TIMEOUT_MS = 2_000;
const DEFAULT_WAIT_TIMEOUT_MS = 250;
const UNREPLICATED_WARN_EVERY_MS = 60_000;

/** Options of {@link openRedisBackend}. */
export interface RedisBackendOptions {
  /** `REDIS_URL`: `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. Never logged as is. */
  readonly url?: string;
  /** Any topology (`Config.session.redis`); used instead of `url` when given. Never logged as is. */
  readonly redis?: RedisSettings;
  /** Extra TLS options (e.g. a private CA in tests) when the settings ask for TLS. */
  readonly tlsOptions?: ConnectionOptions;
  /** `REDIS_KEY_PREFIX`: prefix of every key (sessions and locks). Default `rcaf:`. */
  readonly keyPrefix?: string;
  readonly logger?: RedisLogger;
  /** Wall clock for session expiry. Default `Date.now`. */
  readonly now?: () => number;
  /** How long start-up waits for the first connection before going on without it. Default 2000. */
  readonly readyTimeoutMs?: number;
  /** Per-command timeout of the connection. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** Refresh lock expiry (the longest a crashed instance can block one session's refresh). Default 5000. */
  readonly lockTtlMs?: number;
  /**
   * How long an instance waits for another's refresh before refreshing itself. Default 15 000; the app passes
   * `refreshLockWaitMs(config)` (longer than a refresh can take by its configured bounds).
   */
  readonly lockWaitTimeoutMs?: number;
  /**
   * `REDIS_SESSION_CACHE`: let each instance keep the sessions it read opened in memory while Redis reports every
   * change to them (client tracking). Default true; never on a Cluster.
   */
  readonly sessionCache?: boolean;
}

/** The Redis session store and refresh coordinator on one connection. */
export interface RedisBackend {
  /** Owns the connection: `store.close()` ends it (after which the coordinator runs tasks unlocked). */
  readonly store: RedisStore;
  readonly coordinator: RedisRefreshCoordinator;
  readonly client: RedisConnection;
  /** True when Redis answered during start-up. */
  readonly connected: boolean;
}

/** The settings a bare `REDIS_URL` stands for: one server, credentials and TLS from the URL, no `WAIT`. */
export function serverSettings(url: string): RedisSettings {
  return {
    topology: 'server',
    url,
    username: undefined,
    password: undefined,
    tls: url.startsWith('rediss:'),
    waitReplicas: 0,
    waitTimeoutMs: DEFAULT_WAIT_TIMEOUT_MS,
  };
}

/**
 * Connects to Redis and builds the store and the coordinator.
 * @throws {RedisUrlError} when `url` is not a Redis URL (the message never contains the URL)
 */
export async function openRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const { logger } = options;
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const settings = options.redis ?? serverSettings(options.url ?? '');
  const where = describeRedisTarget(settings);
  const client = createRedisConnection(settings, {
    ...(logger === undefined ? {} : { logger }),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.tlsOptions === undefined ? {} : { tlsOptions: options.tlsOptions }),
  });
  let changes: SessionTracking | undefined;
  if (options.sessionCache !== false) {
    if (client instanceof Cluster) {
      logger?.info({ redis: where }, 'session cache off on redis cluster: every request reads its session from redis');
    } else {
      changes = trackSessionChanges({
        client,
        sessionKeyPrefix: sessionKeyPrefixFor(keyPrefix),
        ...(logger === undefined ? {} : { logger }),
      });
    }
  }
  let warnedAt = -Infinity;
  let unreplicated = 0;
  const store = createRedisStore({
    client,
    keyPrefix,
    now: options.now ?? Date.now,
    ownsClient: true,
    ...(changes === undefined ? {} : { changes }),
    durableWrites: {
      replicas: settings.waitReplicas,
      timeoutMs: settings.waitTimeoutMs,
      onUnreplicatedWrite(confirmed, wanted) {
        unreplicated++;
        const t = performance.now();
        if (t - warnedAt < UNREPLICATED_WARN_EVERY_MS) return;
        warnedAt = t;
        logger?.warn(
          { redis: where, confirmed, wanted, waitTimeoutMs: settings.waitTimeoutMs, writes: unreplicated },
          'session writes were confirmed by fewer replicas than REDIS_WAIT_REPLICAS; a failover now could lose them',
        );
        unreplicated = 0;
      },
    },
  });
  const coordinator = createRedisRefreshCoordinator({
    client,
    keyPrefix,
    ...(options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs }),
    ...(options.lockWaitTimeoutMs === undefined ? {} : { waitTimeoutMs: options.lockWaitTimeoutMs }),
    ...(logger === undefined ? {} : { logger }),
  });
  let connected = true;
  try {
    await waitUntilReady(client, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  } catch {
    connected = false;
    logger?.warn(
      { redis: where },
      'redis is not reachable yet; starting anyway (session requests answer 503 until it is)',
    );
  }
  return { store, coordinator, client, connected };
}
