/**
 * @module web/explorer/ttl-cache
 * A small in-memory cache with a time to live and a size bound (least recently used entries go first), for what
 * the explorer may reuse for a short while: chart counts per user and filters, the user's time zone. Per app
 * instance; losing it only costs a RingCentral call.
 */

/** Options of {@link createTtlCache}. */
export interface TtlCacheOptions {
  readonly now: () => number;
  readonly ttlMs: number;
  readonly maxEntries: number;
}

export interface TtlCache<V> {
  get(key: string): V | undefined;
  /** Stores `value` for `ttlMs` (default: the cache's). */
  set(key: string, value: V, ttlMs?: number): void;
  readonly size: number;
}

/** Creates an empty cache. */
export function createTtlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= options.now()) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, ttlMs = options.ttlMs) {
      entries.delete(key);
      while (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      entries.set(key, { value, expiresAt: options.now() + ttlMs });
    },
    get size() {
      return entries.size;
    },
  };
}
