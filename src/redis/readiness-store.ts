/**
 * @module redis/readiness-store
 * The readiness counters in Redis, shared by every app instance: per UTC day one hash of counters
 * (`<prefix>ready:<YYYY-MM-DD>`, fields as in `readiness-store.ts`) and one set of granted scopes
 * (`…:scopes`), each expiring about three days after its last write. Writes are fire-and-forget on the app's
 * connection (sent before the request they belong to is answered); a failed write is logged once a minute and the
 * count lost. A count is one plain `HINCRBY` (it runs on every RingCentral call); each instance renews the hash's
 * expiry with `PEXPIRE` at most once per {@link EXPIRY_RENEW_MS}, so a day's hash lives between three days minus
 * that and three days after its last write.
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
  const increment = (field: string): void => {
    const t = now();
    const key = keyOf(utcDay(t));
    client.hincrby(key, field, 1).catch(lost);
    if (key !== renewedKey || t - renewedAt >= EXPIRY_RENEW_MS) {
      renewedKey = key;
      renewedAt = t;
      client.pexpire(key, KEEP_MS).catch(lost);
    }
  };

  return {
    kind: 'redis',
    recordCall: (operationId, outcome) => increment(fieldOfCall(operationId, outcome)),
    recordRefresh: (ok) => increment(ok ? 'r|ok' : 'r|failed'),
    recordScope(scope) {
      client.eval(ADD_SCRIPT, 1, `${keyOf(utcDay(now()))}:scopes`, scope.slice(0, 2048), String(KEEP_MS)).catch(lost);
    },
    async read(): Promise<ReadinessCounts> {
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
