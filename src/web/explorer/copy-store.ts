/**
 * @module web/explorer/copy-store
 * Where users' call-log copies live (see `call-log-copy.ts`), per RingCentral user, log scope and slot: `recent`
 * (the last 30 days, which every range inside them is served from) or `range` (the last range read beyond them).
 * In this process for one instance (memory and embedded session stores); in Redis with `SESSION_STORE=redis`, so
 * every instance shares them, sealed like the session (`redis/call-log-copy-store.ts`). Bounded per copy (the
 * caller reads at most {@link MAX_COPY_RECORDS} records) and in total; a copy unused for {@link COPY_TTL_MS} is
 * gone; a user's copies are dropped at logout.
 */
import type { CallLogCopy, CallLogScope } from './call-log-copy.js';

/** Which copy of a user's log. */
export type CopySlot = 'recent' | 'range';

/** Most records one copy holds; a range with more is not copied (its pages are read from RingCentral). */
export const MAX_COPY_RECORDS = 20_000;

/** A copy not written for this long is gone. */
export const COPY_TTL_MS = 60 * 60_000;

/** The copies of every user. Failures reject; callers then serve the page from RingCentral instead. */
export interface CallLogCopyStore {
  readonly kind: 'memory' | 'redis';
  get(owner: string, scope: CallLogScope, slot: CopySlot): Promise<CallLogCopy | undefined>;
  set(owner: string, scope: CallLogScope, slot: CopySlot, copy: CallLogCopy): Promise<void>;
  /** Drops every copy of the user (at logout). */
  drop(owner: string): Promise<void>;
}

/** Options of {@link createMemoryCopyStore}. */
export interface MemoryCopyStoreOptions {
  readonly now: () => number;
  /**
   * Records held in all copies together; the least recently used copies go first. Default 50,000: two and a half
   * of the largest copies ({@link MAX_COPY_RECORDS}), a bound the process's memory can afford.
   */
  readonly maxRecords?: number;
}

interface Entry {
  readonly copy: CallLogCopy;
  readonly expiresAt: number;
}

/** The in-process store: a map in least-recently-used order, bounded in records. */
export function createMemoryCopyStore(options: MemoryCopyStoreOptions): CallLogCopyStore {
  const { now } = options;
  const maxRecords = options.maxRecords ?? 50_000;
  const entries = new Map<string, Entry>();
  let held = 0;
  const keyOf = (owner: string, scope: CallLogScope, slot: CopySlot): string => `${owner}|${scope}|${slot}`;
  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    held -= entry.copy.records.length;
    entries.delete(key);
  };
  return {
    kind: 'memory',
    get(owner, scope, slot) {
      const key = keyOf(owner, scope, slot);
      const entry = entries.get(key);
      if (entry === undefined) return Promise.resolve(undefined);
      if (entry.expiresAt <= now()) {
        remove(key);
        return Promise.resolve(undefined);
      }
      entries.delete(key);
      entries.set(key, entry);
      return Promise.resolve(entry.copy);
    },
    set(owner, scope, slot, copy) {
      const key = keyOf(owner, scope, slot);
      remove(key);
      if (copy.records.length > maxRecords) return Promise.resolve();
      entries.set(key, { copy: Object.freeze({ ...copy }), expiresAt: now() + COPY_TTL_MS });
      held += copy.records.length;
      for (const oldest of entries.keys()) {
        if (held <= maxRecords) break;
        remove(oldest);
      }
      return Promise.resolve();
    },
    drop(owner) {
      for (const key of [...entries.keys()]) if (key.startsWith(`${owner}|`)) remove(key);
      return Promise.resolve();
    },
  };
}
