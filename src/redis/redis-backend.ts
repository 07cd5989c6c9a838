/**
 * @module redis/redis-backend
 * Everything `SESSION_STORE=redis` needs, from one URL: one connection shared by the session store and the
 * cross-instance refresh coordinator. For the composition root (`server.ts`) and integration tests.
 *
 * Start-up does not require Redis: it waits up to `readyTimeoutMs` for the first connection, then carries on
 * either way. While Redis is down, session requests answer 503 and `/readyz` (the store's `ping`) says so; the
 * client keeps reconnecting and service returns by itself. Only a malformed URL fails the start.
 */
import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_KEY_PREFIX, createRedisStore, type RedisStore } from './session-store.js';
import { createRedisClient, redactRedisUrl, type RedisLogger, waitUntilReady } from './client.js';
import { createRedisRefreshCoordinator, type RedisRefreshCoordinator } from './refresh-coordinator.js';

const DEFAULT_READY_TIMEOUT_MS = 2_000;

/** Options of {@link openRedisBackend}. */
export interface RedisBackendOptions {
  /** `REDIS_URL`: `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. Never logged as is. */
  readonly url: string;
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
}

/** The Redis session store and refresh coordinator on one connection. */
export interface RedisBackend {
  /** Owns the connection: `store.close()` ends it (after which the coordinator runs tasks unlocked). */
  readonly store: RedisStore;
  readonly coordinator: RedisRefreshCoordinator;
  readonly client: Redis;
  /** True when Redis answered during start-up. */
  readonly connected: boolean;
}

/**
 * Connects to Redis and builds the store and the coordinator.
 * @throws {RedisUrlError} when `url` is not a Redis URL (the message never contains the URL)
 */
export async function openRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const { logger } = options;
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const client = createRedisClient(options.url, {
    ...(logger === undefined ? {} : { logger }),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  const store = createRedisStore({ client, keyPrefix, now: options.now ?? Date.now, ownsClient: true });
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
      { redis: redactRedisUrl(options.url) },
      'redis is not reachable yet; starting anyway (session requests answer 503 until it is)',
    );
  }
  return { store, coordinator, client, connected };
}
