/**
 * @module redis/session-store
 * A `SessionStore` in Redis, shared by every app instance that uses the same Redis and key prefix.
 *
 * Keyspace: one hash per session, `<prefix>s:<id>` → `c` createdAt, `l` lastSeenAt, `e` expiresAt, `v` version,
 * `p` the sealed payload as a JSON string literal (JSON keeps lone surrogates intact; raw UTF-8 would not). The key
 * carries a Redis expiry of `expiresAt - now()` ms, so Redis removes idle and absolute-expired sessions itself; reads
 * also check `expiresAt` against the injected clock (the two clocks can differ by the write latency). The payload
 * is sealed by the session manager before it gets here: Redis never sees a plaintext token.
 *
 * Ordering: each method sends exactly one command synchronously when called, on one connection, so Redis applies
 * the operations on an id in call order. Conditional writes are Lua scripts sent with `EVAL`, not `EVALSHA`: after
 * a Redis restart `EVALSHA` fails with `NOSCRIPT` and ioredis re-sends it later, which could reorder it behind a
 * newer write; the scripts are a few hundred bytes, and Redis caches their compiled form anyway.
 *
 * Write safety: with `durableWrites` (`REDIS_WAIT_REPLICAS`), every write that creates, replaces or removes a
 * record (`set`, `setIfVersion`, `destroy`: logins, refreshes, logouts) is followed by `WAIT <replicas> <ms>` in the
 * same round trip (a pipeline on the record's connection), so it resolves only once that many replicas have it, or
 * once the timeout has passed (then `onUnreplicatedWrite` is told: the write stands on the primary alone, and a
 * failover before the replicas catch up would lose it). Touches are not waited for: a lost touch only moves the
 * idle deadline back a minute. On a Cluster the count is capped by the replicas the record's shard has in the slot
 * map, so a cluster without replicas never waits.
 *
 * Cluster: a session is one key, so every command and script touches one slot; no hash tag is needed (and key
 * names stay what they were, so an upgrade keeps every session).
 *
 * Failures: a command that fails because Redis is down, slow or refusing writes rejects with
 * {@link StoreUnavailableError} (the web layer answers 503). The client from `redis/client.ts` fails fast while
 * disconnected and reconnects by itself, so the store serves again as soon as Redis is back, without a new client.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://redis.io/docs/latest/commands/pexpire/
 */
import { Cluster, type Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { describeRedisError } from './client.js';
import type { SessionTracking } from './session-tracking.js';
import type { SessionStore, StoredSession } from '../session/store.js';
import {
  assertExpectedVersion,
  assertStoredSession,
  assertTouchTimes,
  StoreClosedError,
  StoreUnavailableError,
} from '../session/stored-session.js';

/** Default key prefix: every key the app writes starts with it. */
export const DEFAULT_REDIS_KEY_PREFIX = 'rcaf:';
const DEFAULT_PING_TIMEOUT_MS = 1_000;
const MAX_PREFIX_LENGTH = 128;
const END_TIMEOUT_MS = 1_000;

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** The connection (see `createRedisConnection`); shared with the refresh coordinator is fine. */
  readonly client: Redis | Cluster;
  /** Prepended to every key, so several apps or environments can share one Redis database. Default `rcaf:`. */
  readonly keyPrefix?: string;
  /** Clock in ms since epoch: record expiry is checked against it, and TTLs are `expiresAt - now()`. */
  readonly now: () => number;
  /** `ping` rejects when Redis has not answered within this many ms. Default 1000. */
  readonly pingTimeoutMs?: number;
  /**
   * When true, `close()` also ends the client (`QUIT`). Default false: the code that created the client ends it,
   * since the store usually shares it with the refresh coordinator.
   */
  readonly ownsClient?: boolean;
  /** Wait for replicas after each write that creates, replaces or removes a record (see the module notes). */
  readonly durableWrites?: DurableWrites;
  /**
   * Redis's reports of every change to a session key (`redis/session-tracking.ts`), exposed as the store's
   * `changes` so that the session manager may cache; `close()` closes it.
   */
  readonly changes?: SessionTracking;
}

/** `WAIT <replicas> <timeoutMs>` after writes. */
export interface DurableWrites {
  /** Replicas that must confirm a write (`REDIS_WAIT_REPLICAS`); 0 = do not wait. */
  readonly replicas: number;
  /** The longest a write waits for them (`REDIS_WAIT_TIMEOUT_MS`); keep it below the command timeout. */
  readonly timeoutMs: number;
  /** Told when fewer replicas than asked confirmed a write in time (the write stands on the primary). */
  readonly onUnreplicatedWrite?: (confirmed: number, wanted: number) => void;
}

/** The Redis store. */
export interface RedisStore extends SessionStore {
  readonly kind: 'redis';
  /** The Redis key of session `id` (for tools and tests). */
  keyFor(id: string): string;
  /** The prefix of every session key (`keyFor(id)` is it followed by `id`). */
  readonly sessionKeyPrefix: string;
}

// KEYS[1] record; ARGV c l e v p ttlMs
const SET_SCRIPT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'c', ARGV[1], 'l', ARGV[2], 'e', ARGV[3], 'v', ARGV[4], 'p', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1`;

// KEYS[1] record; ARGV lastSeenAt expiresAt now ttlMs. Only an existing, unexpired record is touched.
const TOUCH_SCRIPT = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local e = tonumber(redis.call('HGET', KEYS[1], 'e'))
if e == nil then return 0 end
if e <= tonumber(ARGV[3]) or tonumber(ARGV[4]) <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// KEYS[1] record; ARGV c l e v p ttlMs now expectedVersion. Only a live record of that version is replaced; an
// absent, expired or foreign key is left alone (a destroyed session is never recreated).
const SET_IF_VERSION_SCRIPT = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local cur = redis.call('HMGET', KEYS[1], 'e', 'v')
local e = tonumber(cur[1])
if e == nil or e <= tonumber(ARGV[7]) or tonumber(cur[2]) ~= tonumber(ARGV[8]) then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(ARGV[6]) > 0 then
  redis.call('HSET', KEYS[1], 'c', ARGV[1], 'l', ARGV[2], 'e', ARGV[3], 'v', ARGV[4], 'p', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
return 1`;

const FIELDS = ['c', 'l', 'e', 'v', 'p'] as const;

/** The prefix of every session key under the key prefix `keyPrefix`. */
export function sessionKeyPrefixFor(keyPrefix: string): string {
  return `${keyPrefix}s:`;
}

/** Lone UTF-16 surrogates: such an id has no faithful UTF-8 key (two ids could map to one key). */
const LONE_SURROGATE = /\p{Cs}/u;

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new TypeError('session id must be a string');
  if (LONE_SURROGATE.test(id)) throw new TypeError('session id must be well-formed Unicode');
}

function isUsableId(id: unknown): id is string {
  return typeof id === 'string' && !LONE_SURROGATE.test(id);
}

function decode(values: readonly (string | null)[]): StoredSession | undefined {
  const [c, l, e, v, p] = values;
  if (c == null || l == null || e == null || v == null || p == null) return undefined;
  try {
    const payload: unknown = JSON.parse(p);
    const record = { createdAt: Number(c), lastSeenAt: Number(l), expiresAt: Number(e), version: Number(v), payload };
    assertStoredSession(record);
    return record;
  } catch {
    return undefined;
  }
}

function encodeArgs(session: StoredSession): string[] {
  return [
    String(session.createdAt),
    String(session.lastSeenAt),
    String(session.expiresAt),
    String(session.version),
    JSON.stringify(session.payload),
  ];
}

/** A copy of a driver error without the command arguments ioredis attaches (they hold ids and payloads). */
function sanitized(error: unknown): Error {
  const { name, message, code } = describeRedisError(error);
  const copy = new Error(message);
  copy.name = name;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

/** `PING` to every primary of the cluster's slot map (there is at least one). */
async function pingPrimaries(cluster: Cluster): Promise<void> {
  const primaries = cluster.nodes('master');
  if (primaries.length === 0) throw new Error('the redis cluster has no known primary');
  await Promise.all(primaries.map((node) => node.ping()));
}

/** `QUIT`, then wait (bounded) until the socket is closed; a client that cannot quit is disconnected. */
async function endClient(client: Redis | Cluster): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
    return;
  }
  if (client.status === 'end') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.disconnect();
      resolve();
    }, END_TIMEOUT_MS);
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Creates a store on an existing ioredis client. The store sends nothing until the first call.
 * @see https://github.com/expressjs/session#session-store-implementation
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { client, now } = options;
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || LONE_SURROGATE.test(prefix)) {
    throw new TypeError(`redis store "keyPrefix" must be a string of at most ${MAX_PREFIX_LENGTH} characters`);
  }
  const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  if (!Number.isSafeInteger(pingTimeoutMs) || pingTimeoutMs <= 0) {
    throw new RangeError('redis store option "pingTimeoutMs" must be a positive integer number of ms');
  }
  const durable = options.durableWrites;
  if (
    durable !== undefined &&
    (!Number.isSafeInteger(durable.replicas) ||
      durable.replicas < 0 ||
      !Number.isSafeInteger(durable.timeoutMs) ||
      durable.timeoutMs <= 0)
  ) {
    throw new RangeError('redis store option "durableWrites" needs whole replicas ≥ 0 and a timeoutMs > 0');
  }
  let closed = false;
  let closing: Promise<void> | undefined;

  const sessionKeyPrefix = sessionKeyPrefixFor(prefix);
  const keyFor = (id: string): string => `${sessionKeyPrefix}${id}`;

  /** Replicas to wait for after a write of `key`: on a Cluster, at most what its shard has (slot map). */
  function replicasFor(key: string): number {
    const wanted = durable?.replicas ?? 0;
    if (wanted === 0 || !(client instanceof Cluster)) return wanted;
    const shard = client.slots[calculateSlot(key)];
    return shard === undefined ? wanted : Math.min(wanted, shard.length - 1);
  }

  /**
   * Sends a write of `key` (one command, now) and, when replicas must confirm it, `WAIT` behind it in the same
   * pipeline: on one connection, so it waits for exactly this write (on a Cluster, the node of `key`'s slot).
   */
  function sendWrite<T>(
    key: string,
    send: (target: Redis | Cluster | ReturnType<Redis['pipeline']>) => unknown,
  ): Promise<T> {
    const replicas = replicasFor(key);
    if (replicas === 0) return send(client) as Promise<T>;
    const pipeline = client.pipeline();
    send(pipeline);
    pipeline.wait(replicas, durable?.timeoutMs ?? 1);
    return pipeline.exec().then((results) => {
      const [written, waited] = results ?? [];
      if (written === undefined || waited === undefined) throw new Error('redis pipeline returned no reply');
      if (written[0]) throw written[0];
      // The write stands; a failed WAIT (connection lost meanwhile) leaves its safety unknown: report it failed.
      if (waited[0]) throw waited[0];
      const confirmed = Number(waited[1]);
      if (confirmed < replicas) durable?.onUnreplicatedWrite?.(confirmed, replicas);
      return written[1] as T;
    });
  }

  /** Runs `send` now (so commands leave in call order) unless the store is closed; maps driver failures. */
  function command<T>(send: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new StoreClosedError('redis'));
    let pending: Promise<T>;
    try {
      pending = send();
    } catch (error) {
      return Promise.reject(error instanceof TypeError ? error : unavailable(error));
    }
    return pending.catch((error: unknown) => {
      throw unavailable(error);
    });
  }

  function unavailable(error: unknown): StoreUnavailableError {
    return new StoreUnavailableError('redis', { cause: sanitized(error) });
  }

  function writeArgs(id: string, session: StoredSession): { key: string; args: string[]; ttl: number } {
    checkId(id);
    assertStoredSession(session);
    return { key: keyFor(id), args: encodeArgs(session), ttl: session.expiresAt - now() };
  }

  return {
    kind: 'redis',
    keyFor,
    sessionKeyPrefix,
    ...(options.changes === undefined ? {} : { changes: options.changes }),

    get(id) {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      if (!isUsableId(id)) return Promise.resolve(undefined);
      let pending: Promise<(string | null)[]>;
      try {
        pending = client.hmget(keyFor(id), ...FIELDS);
      } catch (error) {
        return Promise.reject(unavailable(error));
      }
      return pending.then(
        (values) => {
          const record = decode(values);
          return record !== undefined && record.expiresAt > now() ? record : undefined;
        },
        (error: unknown) => {
          // Something else lives under our key (an operator's write): not a session of ours.
          if (isWrongType(error)) return undefined;
          throw unavailable(error);
        },
      );
    },

    set(id, session) {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      let write: ReturnType<typeof writeArgs>;
      try {
        write = writeArgs(id, session);
      } catch (error) {
        return Promise.reject(asError(error));
      }
      const { key, args, ttl } = write;
      // Already expired: the record is simply gone (a set replaces, so the old one goes too).
      if (ttl <= 0) return command(() => sendWrite(key, (c) => c.del(key))).then(() => undefined);
      return command(() => sendWrite(key, (c) => c.eval(SET_SCRIPT, 1, key, ...args, String(ttl)))).then(
        () => undefined,
      );
    },

    setIfVersion(id, session, expectedVersion) {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      let write: ReturnType<typeof writeArgs>;
      try {
        assertExpectedVersion(expectedVersion);
        write = writeArgs(id, session);
      } catch (error) {
        return Promise.reject(asError(error));
      }
      const { key, args, ttl } = write;
      return command(() =>
        sendWrite(key, (c) =>
          c.eval(SET_IF_VERSION_SCRIPT, 1, key, ...args, String(ttl), String(now()), String(expectedVersion)),
        ),
      ).then((written) => written === 1);
    },

    destroy(id) {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      if (!isUsableId(id)) return Promise.resolve();
      const key = keyFor(id);
      return command(() => sendWrite(key, (c) => c.del(key))).then(() => undefined);
    },

    touch(id, lastSeenAt, expiresAt) {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      try {
        checkId(id);
        assertTouchTimes(lastSeenAt, expiresAt);
      } catch (error) {
        return Promise.reject(asError(error));
      }
      const t = now();
      return command(() =>
        client.eval(
          TOUCH_SCRIPT,
          1,
          keyFor(id),
          String(lastSeenAt),
          String(expiresAt),
          String(t),
          String(expiresAt - t),
        ),
      ).then(() => undefined);
    },

    ping() {
      if (closed) return Promise.reject(new StoreClosedError('redis'));
      if (client.status !== 'ready') {
        return Promise.reject(unavailable(new Error(`redis connection is "${client.status}"`)));
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${pingTimeoutMs} ms`)), pingTimeoutMs);
      });
      // A Cluster is usable when every primary answers (a primary that is down takes its slots with it).
      const pong = (): Promise<unknown> => (client instanceof Cluster ? pingPrimaries(client) : client.ping());
      return command(() => Promise.race([pong(), timeout])).then(
        () => clearTimeout(timer),
        (error: unknown) => {
          clearTimeout(timer);
          throw error;
        },
      );
    },

    close() {
      closed = true;
      void options.changes?.close();
      if (options.ownsClient !== true) return Promise.resolve();
      closing ??= endClient(client);
      return closing;
    },
  };
}
