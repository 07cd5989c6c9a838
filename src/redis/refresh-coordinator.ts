/**
 * @module redis/refresh-coordinator
 * Single-flight token refresh across app instances: a keyed mutex in Redis in front of the in-process single-flight.
 *
 * 1. In-process: callers of one key that arrive while a flight runs share its outcome, so one instance sends one
 *    lock attempt however many of its requests saw the expired token.
 * 2. Across instances: `SET <prefix>lock:<key> <random token> NX PX <lockTtlMs>`. The holder runs the task; the
 *    others poll (25 ms doubling to 200 ms, jittered) until they get the lock, then run the task themselves under it.
 *    The task follows reload-and-check (see `web/token-keeper.ts`): it reloads the session and refreshes only if
 *    the stored access token is still the failed one, so a waiter finds the holder's fresh tokens and sends nothing
 *    to RingCentral. Exactly one refresh per expiry, however many instances and requests.
 * 3. Release is compare-and-delete (Lua): a holder never deletes a lock that expired and was taken by another.
 * 4. A killed holder blocks the key for at most `lockTtlMs` (Redis expires its lock). A live holder whose task runs
 *    longer (the upstream timeout may be 10 s) keeps the lock with a watchdog that re-arms the expiry every
 *    `lockTtlMs / 3` (compare-and-pexpire), up to `maxHoldMs`. If the watchdog finds the lock gone, or cannot reach
 *    Redis for a whole TTL, the lease's `signal` aborts: the task may have lost exclusivity.
 * 5. Fencing is on the data, not on the lock: the session record's `version` is the fencing token. The token
 *    keeper saves new tokens with compare-and-set on the version it loaded (`SessionStore.setIfVersion`, through
 *    `SessionManager.update`) and, on a newer record, reloads and applies them to it; a destroyed session is never
 *    recreated. (A lock alone cannot stop a paused holder from writing late.)
 *
 * Failure modes, chosen for availability because a double refresh is harmless: RingCentral returns the same new
 * token pair when one refresh token is used again within its grace period (contract §2.5), and the task's reload
 * finds the first result when it is already stored.
 * - Redis unreachable while acquiring or waiting: the task runs without the cross-instance lock (still single-flight
 *   in this process); the lease says `locked: false`.
 * - Waited `waitTimeoutMs` (the app sets it longer than a refresh can take: the rate-limit wait plus the upstream
 *   timeout): the same fallback. If the holder rotated the refresh token meanwhile, RingCentral refuses the
 *   waiter's `invalid_grant`; the keeper then reloads and uses the holder's tokens instead of ending the session.
 * - Release fails (Redis went away): ignored; the lock expires by itself within `lockTtlMs`.
 * @see https://redis.io/docs/latest/develop/use/patterns/distributed-locks/ (single-instance lock, compare-and-delete)
 * @see https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html (why fencing belongs to the data)
 * @see https://developers.ringcentral.com/guide/authentication/refresh-tokens
 */
import { randomBytes } from 'node:crypto';
import type { RefreshCoordinator } from '../ringcentral/refresh-coordinator.js';
import { describeRedisError, type RedisConnection, type RedisLogger } from './client.js';

const DEFAULT_KEY_PREFIX = 'rcaf:';
const DEFAULT_LOCK_TTL_MS = 5_000;
const DEFAULT_WAIT_TIMEOUT_MS = 15_000;
const DEFAULT_POLL_MS = 25;
const DEFAULT_MAX_POLL_MS = 200;
const DEFAULT_MAX_HOLD_MS = 30_000;

// KEYS[1] lock; ARGV token
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] lock; ARGV token ttlMs
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** What the task learns about the lock it runs under. */
export interface RefreshLease {
  /** False when the task runs without the cross-instance lock (Redis unreachable, or the wait timed out). */
  readonly locked: boolean;
  /** Aborts when the lock was lost while the task ran (expired and possibly taken by another instance). */
  readonly signal: AbortSignal;
}

/** Options of {@link createRedisRefreshCoordinator}. */
export interface RedisRefreshCoordinatorOptions {
  /** The connection (shared with the Redis store is fine); the caller owns and ends it. */
  readonly client: RedisConnection;
  /** Prepended to lock keys (`<prefix>lock:<key>`). Default `rcaf:`; use the store's prefix. */
  readonly keyPrefix?: string;
  /** Expiry of a lock: the longest a crashed holder can block a key. Default 5000. */
  readonly lockTtlMs?: number;
  /** A waiter gives up waiting after this long and runs the task unlocked. Default 15 000 (> upstream timeout). */
  readonly waitTimeoutMs?: number;
  /** First poll delay of a waiter; doubles up to `maxPollMs`. Defaults 25 and 200. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** The watchdog stops extending a lock held this long (a stuck task cannot hold a key forever). Default 30 000. */
  readonly maxHoldMs?: number;
  /** Monotonic clock in ms for timeouts. Default `performance.now`. */
  readonly now?: () => number;
  /** Waits `ms` (the poll delay). Default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Fallbacks and lost locks are logged at `warn`; keys (session ids) are never logged. */
  readonly logger?: Pick<RedisLogger, 'warn' | 'debug'>;
}

/** The Redis coordinator: the port, with a lease handed to tasks that want it. */
export interface RedisRefreshCoordinator extends RefreshCoordinator {
  run<T>(key: string, task: (lease: RefreshLease) => Promise<T>): Promise<T>;
  /** The Redis key of the lock for `key` (for tools and tests). */
  lockKeyFor(key: string): string;
  /** How long a waiter waits for the holder before running the task without the lock. */
  readonly waitTimeoutMs: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`refresh coordinator option "${name}" must be a positive integer number of ms`);
  }
  return value;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates the cross-instance coordinator for one app instance (no module-level state: two coordinators in one
 * process behave like two instances).
 */
export function createRedisRefreshCoordinator(options: RedisRefreshCoordinatorOptions): RedisRefreshCoordinator {
  const { client, logger } = options;
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const lockTtlMs = positive('lockTtlMs', options.lockTtlMs, DEFAULT_LOCK_TTL_MS);
  const waitTimeoutMs = positive('waitTimeoutMs', options.waitTimeoutMs, DEFAULT_WAIT_TIMEOUT_MS);
  const pollMs = positive('pollMs', options.pollMs, DEFAULT_POLL_MS);
  const maxPollMs = Math.max(pollMs, positive('maxPollMs', options.maxPollMs, DEFAULT_MAX_POLL_MS));
  const maxHoldMs = positive('maxHoldMs', options.maxHoldMs, DEFAULT_MAX_HOLD_MS);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? realSleep;
  // Also bounded in count, so a frozen injected clock cannot make a waiter poll forever.
  const maxAttempts = Math.ceil(waitTimeoutMs / pollMs) + 1;
  const running = new Map<string, Promise<unknown>>();

  const lockKeyFor = (key: string): string => `${prefix}lock:${key}`;

  async function runUnlocked<T>(task: (lease: RefreshLease) => Promise<T>): Promise<T> {
    return task({ locked: false, signal: new AbortController().signal });
  }

  /** Keeps the lock alive while the task runs; aborts `controller` when the lock is lost. */
  function startWatchdog(lockKey: string, token: string, controller: AbortController): () => void {
    const started = now();
    let lastConfirmed = started;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const interval = Math.max(1, Math.floor(lockTtlMs / 3));
    const lose = (reason: string): void => {
      if (controller.signal.aborted) return;
      logger?.warn({ reason }, 'refresh lock lost while the refresh ran; it may overlap with another instance');
      controller.abort(new Error(`refresh lock lost: ${reason}`));
    };
    const tick = async (): Promise<void> => {
      if (stopped) return;
      if (now() - started >= maxHoldMs) {
        // Let the lock lapse: a task this slow is stuck, and others must not wait on it forever.
        logger?.warn({ heldMs: Math.round(now() - started) }, 'refresh lock held too long; no longer extended');
        return;
      }
      try {
        const extended = await client.eval(EXTEND_SCRIPT, 1, lockKey, token, String(lockTtlMs));
        if (extended === 1) lastConfirmed = now();
        else return lose('the lock expired or was taken');
      } catch (error) {
        logger?.debug({ err: describeRedisError(error) }, 'refresh lock extension failed');
        if (now() - lastConfirmed >= lockTtlMs) return lose('redis unreachable for a whole lock ttl');
      }
      schedule();
    };
    function schedule(): void {
      if (stopped) return;
      timer = setTimeout(() => void tick(), interval);
      timer.unref();
    }
    schedule();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  async function runLocked<T>(lockKey: string, token: string, task: (lease: RefreshLease) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const stopWatchdog = startWatchdog(lockKey, token, controller);
    try {
      return await task({ locked: true, signal: controller.signal });
    } finally {
      stopWatchdog();
      try {
        await client.eval(RELEASE_SCRIPT, 1, lockKey, token);
      } catch (error) {
        // The lock expires by itself within lockTtlMs.
        logger?.debug({ err: describeRedisError(error) }, 'refresh lock release failed');
      }
    }
  }

  async function flight<T>(key: string, task: (lease: RefreshLease) => Promise<T>): Promise<T> {
    const lockKey = lockKeyFor(key);
    const token = randomBytes(16).toString('base64url');
    const deadline = now() + waitTimeoutMs;
    let delay = pollMs;
    for (let attempt = 1; ; attempt++) {
      let acquired: boolean;
      try {
        acquired = (await client.set(lockKey, token, 'PX', lockTtlMs, 'NX')) === 'OK';
      } catch (error) {
        logger?.warn(
          { err: describeRedisError(error) },
          'redis unreachable for the refresh lock; refreshing with in-process single-flight only',
        );
        return runUnlocked(task);
      }
      if (acquired) return runLocked(lockKey, token, task);
      const left = deadline - now();
      if (left <= 0 || attempt >= maxAttempts) {
        logger?.warn({ waitedMs: waitTimeoutMs }, 'gave up waiting for the refresh lock; refreshing without it');
        return runUnlocked(task);
      }
      // Jitter spreads the polls of several waiting instances.
      await sleep(Math.max(1, Math.min(left, Math.round(delay * (0.75 + Math.random() * 0.5)))));
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  return {
    lockKeyFor,
    waitTimeoutMs,
    run<T>(key: string, task: (lease: RefreshLease) => Promise<T>): Promise<T> {
      const existing = running.get(key);
      if (existing) return existing as Promise<T>;
      const promise = (async () => {
        try {
          return await flight(key, task);
        } finally {
          running.delete(key);
        }
      })();
      running.set(key, promise);
      return promise;
    },
  };
}
