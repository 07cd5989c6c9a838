/**
 * @module redis/session-tracking
 * Redis tells this instance about every change to a session key, so that the session manager may keep the
 * sessions it read opened in memory (see `session/session-cache.ts`) and stop reading Redis on every request,
 * while a logout or a refresh on any other instance still ends or replaces the cached copy at once.
 *
 * How: server-assisted client-side caching in broadcasting mode. A second connection of its own runs
 * `CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>s:` and then `SUBSCRIBE __redis__:invalidate`
 * (ioredis speaks RESP2, where invalidations arrive as Pub/Sub messages on a subscribed connection). From then on
 * Redis sends the name of every session key that any client writes, deletes or lets expire, and a null message when
 * the whole database is flushed. Each is handed to the listeners (`undefined` for "all").
 *
 * When the feed is live (the rule the cache relies on; every case is tested in
 * `test/integration/scale-out/session-tracking.test.ts`):
 * - only once both connections are ready, on the same Redis server (the same `run_id`: after a Sentinel failover
 *   both must have found the new primary), with tracking on and the subscription confirmed; the listeners are told
 *   "all" first, which empties the cache, so nothing read before can stay;
 * - not from the moment either connection closes (Redis down, failover, `CLIENT KILL`): "all" is reported and the
 *   feed waits for both to be ready again, then starts over (a new tracking connection, so it follows the primary);
 * - not while the tracking connection has not answered a `PING` for three heartbeats (a connection that died
 *   without closing): TCP delivers in order, so a late answer means every invalidation sent before it has arrived.
 * A Redis that refuses tracking (before 6.0, or an ACL without `CLIENT`) leaves the feed off: the app then reads
 * every session from Redis, as it would without this module. Not for Redis Cluster: a broadcast subscription is per
 * node, so the app does not cache on a Cluster (`redis-backend.ts`).
 * @see https://redis.io/docs/latest/develop/reference/client-side-caching/
 * @see https://redis.io/docs/latest/commands/client-tracking/
 */
import type { Redis } from 'ioredis';
import type { SessionChangeFeed, SessionChangeListener } from '../session/store.js';
import { describeRedisError, type RedisLogger } from './client.js';

/** The channel Redis publishes invalidations on for RESP2 clients that asked for a redirect. */
export const INVALIDATION_CHANNEL = '__redis__:invalidate';
/** The `CLIENT SETNAME` of the tracking connection (shows in `CLIENT LIST`). */
export const TRACKING_CONNECTION_NAME = 'rc-authflow-session-tracking';
const DEFAULT_HEARTBEAT_MS = 1_000;
/** The feed is live while the last PONG is at most this many heartbeats old. */
const HEARTBEATS_TO_STALE = 3;
/** Pause before starting over when the two connections reached different servers. */
const RESTART_DELAY_MS = 500;

/** Options of {@link trackSessionChanges}. */
export interface SessionTrackingOptions {
  /** The connection the session store reads through (one server or Sentinel; not a Cluster). */
  readonly client: Redis;
  /** The prefix of every session key (`<REDIS_KEY_PREFIX>s:`); a key's id is what follows it. */
  readonly sessionKeyPrefix: string;
  readonly logger?: RedisLogger;
  /** How often the tracking connection is pinged. Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  readonly now?: () => number;
}

/** A change feed that can be stopped. */
export interface SessionTracking extends SessionChangeFeed {
  /** Stops the heartbeat and closes the tracking connection (the feed stays off). */
  close(): Promise<void>;
}

/** The `run_id` of the server a connection is on. */
async function runIdOf(connection: Redis): Promise<string> {
  const info = await connection.info('server');
  const match = /^run_id:([0-9a-f]+)\s*$/m.exec(info);
  if (match?.[1] === undefined) throw new Error('INFO server has no run_id');
  return match[1];
}

/** True for an error Redis answered with (not a connection problem): asking again will get the same answer. */
function isRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * Starts following the session keys on a connection of its own (opened now). The feed is off until Redis has
 * confirmed the subscription.
 */
export function trackSessionChanges(options: SessionTrackingOptions): SessionTracking {
  const { client, sessionKeyPrefix, logger } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  if (!Number.isSafeInteger(heartbeatMs) || heartbeatMs <= 0) {
    throw new RangeError('session tracking option "heartbeatMs" must be a positive integer number of ms');
  }
  const now = options.now ?? (() => performance.now());
  const listeners: SessionChangeListener[] = [];
  /** Tracking on and subscribed, with no interruption since. */
  let subscribed = false;
  let lastPongAt = -Infinity;
  /** Bumped by every interruption and start: a step that finds it changed was overtaken and stops. */
  let generation = 0;
  let closed = false;
  /** Redis refused tracking: stay off (reported once). */
  let refused = false;
  let restartTimer: NodeJS.Timeout | undefined;
  /** The tracking connection has subscribed since it last connected (it then accepts no other command). */
  let inSubscriberMode = false;

  const tracker = client.duplicate({
    connectionName: TRACKING_CONNECTION_NAME,
    autoResubscribe: false,
    lazyConnect: true,
  });
  // The main connection reports outages; the tracking connection only reacts to them.
  tracker.on('error', () => undefined);

  function report(id: string | undefined): void {
    for (const listener of listeners) listener(id);
  }

  function interrupt(reason: string): void {
    generation++;
    const wasLive = subscribed;
    subscribed = false;
    report(undefined);
    if (wasLive) logger?.warn({ reason }, 'session cache paused: sessions are read from redis until tracking resumes');
  }

  /** Reconnects the tracking connection: its next `ready` starts over (on whatever server it then finds). */
  function restart(delayMs: number): void {
    if (closed || restartTimer !== undefined) return;
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (closed) return;
      if (tracker.status === 'wait') void tracker.connect().catch(() => undefined);
      else if (tracker.status === 'ready' || tracker.status === 'connect') tracker.disconnect(true);
      // Otherwise it is reconnecting already, and its next `ready` starts over.
    }, delayMs);
    restartTimer.unref();
  }

  async function start(): Promise<void> {
    const step = ++generation;
    if (closed || refused || client.status !== 'ready' || tracker.status !== 'ready') return;
    try {
      const [main, own] = await Promise.all([runIdOf(client), runIdOf(tracker)]);
      if (step !== generation) return;
      if (main !== own) {
        logger?.debug({}, 'session tracking reached another redis server than the store; starting over');
        restart(RESTART_DELAY_MS);
        return;
      }
      const id = await tracker.client('ID');
      // An earlier start on this connection may have got as far as turning tracking on (a prefix cannot be added twice).
      await tracker.call('CLIENT', 'TRACKING', 'OFF');
      await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', sessionKeyPrefix);
      inSubscriberMode = true;
      await tracker.subscribe(INVALIDATION_CHANNEL);
      if (step !== generation || client.status !== 'ready' || tracker.status !== 'ready') return;
      // Whatever was cached before was not covered by this subscription.
      report(undefined);
      lastPongAt = now();
      subscribed = true;
      logger?.info({}, 'session cache on: redis reports every session change to this instance');
    } catch (error) {
      if (step !== generation || closed) return;
      if (isRefusal(error)) {
        refused = true;
        logger?.warn(
          { err: describeRedisError(error) },
          'session cache off: redis refused client tracking (needs redis 6+ and the CLIENT command); every request reads its session from redis',
        );
        tracker.disconnect();
        return;
      }
      // A connection problem: the close and ready events start over.
    }
  }

  tracker.on('ready', () => void start());
  tracker.on('close', () => {
    inSubscriberMode = false;
    interrupt('the tracking connection closed');
  });
  tracker.on('messageBuffer', (channel: Buffer, message: Buffer | Buffer[] | null) => {
    if (channel.toString() !== INVALIDATION_CHANNEL) return;
    // null: the database was flushed (or Redis dropped its tracking state): anything may have changed.
    if (message === null) {
      report(undefined);
      return;
    }
    for (const key of Array.isArray(message) ? message : [message]) {
      const name = key.toString();
      if (name.startsWith(sessionKeyPrefix)) report(name.slice(sessionKeyPrefix.length));
    }
  });

  const onClientClose = (): void => interrupt('the redis connection closed');
  const onClientReady = (): void => {
    // The store may now be on another server (failover): the tracking connection must be on the same one, which
    // start() checks; a connection already subscribed cannot run the check, so it reconnects first.
    if (tracker.status === 'wait') void tracker.connect().catch(() => undefined);
    else if (tracker.status === 'ready') {
      if (inSubscriberMode) restart(0);
      else void start();
    }
  };
  client.on('close', onClientClose);
  client.on('ready', onClientReady);

  const heartbeat = setInterval(() => {
    if (!subscribed) return;
    const step = generation;
    tracker.ping().then(
      () => {
        if (step === generation) lastPongAt = now();
      },
      () => {
        if (step !== generation) return;
        interrupt('the tracking connection stopped answering');
        restart(0);
      },
    );
  }, heartbeatMs);
  heartbeat.unref();

  if (client.status === 'ready') void tracker.connect().catch(() => undefined);

  return {
    get live() {
      return subscribed && now() - lastPongAt <= HEARTBEATS_TO_STALE * heartbeatMs;
    },
    listen(listener) {
      listeners.push(listener);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(heartbeat);
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      client.off('close', onClientClose);
      client.off('ready', onClientReady);
      interrupt('closed');
      tracker.disconnect();
      return Promise.resolve();
    },
  };
}
