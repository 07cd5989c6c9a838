/**
 * @module redis/readiness-store
 * The readiness counters in Redis, shared by every app instance: per UTC day one hash of counters
 * (`<prefix>ready:<YYYY-MM-DD>`, fields as in `readiness-store.ts`) and one set of granted scopes
 * (`…:scopes`), each expiring about three days after its last write. Counts run on every RingCentral call, so they
 * are added up in the instance and written once per {@link FLUSH_MS} (one `HINCRBY` per field counted since, in
 * one pipeline: a few commands a second, whatever the traffic), when the report is read, and at shutdown; a
 * failed write is logged once a minute and its counts lost. Each instance renews the hash's expiry with `PEXPIRE`
 * at most once per {@link EXPIRY_RENEW_MS}, so a day's hash lives between three days minus that and three days
 * after its last write. Another instance's report sees this instance's counts at most {@link FLUSH_MS} late.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  countsFromFields,
  fieldOfCall,
  reportDays,
  utcDay,
  type ReadinessCounts,
  type ReadinessStore,
} from '../readiness/readiness-store.js';

const KEEP_MS = 3 * 86_400_000;
const WARN_EVERY_MS = 60_000;

/** How often one instance renews a counter hash's expiry. */
const EXPIRY_RENEW_MS = 3_600_000;

/** How often an instance writes the counts it added up. */
export const FLUSH_MS = 1_000;

// KEYS[1] set; ARGV member, ttl
const ADD_SCRIPT = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Options of {@link createRedisReadinessStore}. */
export interface RedisReadinessStoreOptions {
  readonly client: Redis | Cluster;
  readonly keyPrefix: string;
  readonly now: () => number;
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Creates the shared counters. */
export function createRedisReadinessStore(options: RedisReadinessStoreOptions): ReadinessStore {
  const { client, keyPrefix, now, logger } = options;
  let warnedAt = -Infinity;
  const keyOf = (day: string): string => `${keyPrefix}ready:${day}`;

  function lost(err: unknown): void {
    const t = now();
    if (t - warnedAt < WARN_EVERY_MS) return;
    warnedAt = t;
    logger?.warn({ err }, 'readiness counters could not be written to redis; counts are lost until it is back');
  }

  // The hash whose expiry this instance renewed last, and when.
  let renewedKey = '';
  let renewedAt = -Infinity;
  // Counts not written yet: hash key → field → count.
  let pending = new Map<string, Map<string, number>>();
  let timer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const t = now();
    const writes: Promise<unknown>[] = [];
    for (const [key, fields] of batch) {
      // One key per pipeline: its commands share a hash slot, so this holds on a cluster too.
      const pipeline = client.pipeline();
      for (const [field, count] of fields) pipeline.hincrby(key, field, count);
      if (key !== renewedKey || t - renewedAt >= EXPIRY_RENEW_MS) {
        renewedKey = key;
        renewedAt = t;
        pipeline.pexpire(key, KEEP_MS);
      }
      writes.push(
        pipeline.exec().then((results) => {
          const failed = results?.find(([err]) => err !== null)?.[0];
          if (failed) lost(failed);
        }, lost),
      );
    }
    await Promise.all(writes);
  }

  // Today's key, made once a day (utcDay returns the same string all day).
  let today = { day: '', key: '' };
  const increment = (field: string): void => {
    const day = utcDay(now());
    if (day !== today.day) today = { day, key: keyOf(day) };
    const key = today.key;
    let fields = pending.get(key);
    if (fields === undefined) {
      fields = new Map();
      pending.set(key, fields);
    }
    fields.set(field, (fields.get(field) ?? 0) + 1);
    if (timer === undefined) {
      timer = setTimeout(() => void flush(), FLUSH_MS);
      timer.unref();
    }
  };

  return {
    kind: 'redis',
    recordCall: (operationId, outcome) => increment(fieldOfCall(operationId, outcome)),
    recordRefresh: (ok) => increment(ok ? 'r|ok' : 'r|failed'),
    recordScope(scope) {
      client.eval(ADD_SCRIPT, 1, `${keyOf(utcDay(now()))}:scopes`, scope.slice(0, 2048), String(KEEP_MS)).catch(lost);
    },
    flush,
    async read(): Promise<ReadinessCounts> {
      await flush();
      const { days, start } = reportDays(now());
      const fields = new Map<string, number>();
      const scopes: string[] = [];
      for (const day of days) {
        const [hash, members] = await Promise.all([
          client.hgetall(keyOf(day)),
          client.smembers(`${keyOf(day)}:scopes`),
        ]);
        for (const [field, value] of Object.entries(hash)) {
          const count = Number(value);
          if (Number.isFinite(count)) fields.set(field, (fields.get(field) ?? 0) + count);
        }
        scopes.push(...members);
      }
      return countsFromFields(fields, scopes, start);
    },
  };
}
