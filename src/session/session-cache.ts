/**
 * @module session/session-cache
 * A bounded, least-recently-used cache of opened session records. A busy session is then neither read from the
 * store nor decrypted on every request. Two cases:
 * - a store that this process alone writes (the embedded store: LevelDB locks its directory to one process): the
 *   cache is write-through (the session manager updates it after each store write);
 * - a store that other processes write too (Redis): only with the store's change feed, which drops a session from
 *   the cache as soon as anyone changes or ends it, and empties the cache whenever it was interrupted. While the
 *   feed is not live the cache neither answers nor fills, and a write of this process is not copied in (the feed
 *   reports it; the next read fetches it).
 * Either way every change is guarded by an epoch, so a slow read that started before a write, an invalidation or
 * an interruption can never put the older record back. It holds the session data frozen (see {@link freezeData}):
 * every load gets its own copy of the top level, where callers make their changes (they replace `tokens`, `user`,
 * `login`, whose types are read-only), and shares the values below it, which nobody can change (a write to one
 * throws). Parsing a copy of the data on every request was the largest single cost of a cached load.
 */
import { RecencyMap } from '../recency-map.js';
import type { SessionChangeFeed } from './store.js';
import type { SessionData } from './types.js';

/** One cached session: the store record's times and version, and the session data. */
export interface CachedSession {
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly version: number;
  /** The session data, frozen through and through (plaintext: the cache lives in this process's memory only). */
  readonly data: Readonly<SessionData>;
}

/**
 * Freezes a session's data for the cache: the top level is copied (the caller keeps changing its own), every
 * object below it is frozen where it is. Session data is plain JSON values.
 */
export function freezeData(data: SessionData): Readonly<SessionData> {
  const freeze = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
    Object.freeze(value);
    for (const inner of Object.values(value)) freeze(inner);
  };
  const copy = { ...data };
  freeze(copy);
  return copy;
}

/** The cache of one session manager (no module-level state). */
export class SessionCache {
  readonly #entries: RecencyMap<CachedSession>;
  readonly #feed: SessionChangeFeed | undefined;
  #epoch = 0;

  /**
   * @param maxEntries the most sessions kept; the least recently used goes first.
   * @param feed the changes other processes make, for a store they write too (required then).
   */
  constructor(maxEntries: number, feed?: SessionChangeFeed) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      throw new RangeError('session cache size must be a positive integer');
    }
    this.#entries = new RecencyMap(maxEntries);
    this.#feed = feed;
    feed?.listen((id) => {
      if (id === undefined) this.clear();
      else this.drop(id);
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The write epoch now; pass it to {@link SessionCache.fill} after a store read that started at this point. */
  epoch(): number {
    return this.#epoch;
  }

  /** The cached session (marked as recently used), or `undefined`. */
  get(id: string): CachedSession | undefined {
    if (this.#feed?.live === false) return undefined;
    return this.#entries.get(id);
  }

  /**
   * Caches what a store read returned, unless any write happened since `epoch` (the read may predate it) or the
   * id is cached already (by a write, which is newer).
   */
  fill(id: string, entry: CachedSession, epoch: number): void {
    if (epoch !== this.#epoch || this.#entries.has(id) || this.#feed?.live === false) return;
    this.#entries.set(id, entry);
  }

  /** Call before writing `id` to the store: drops it and invalidates reads in flight. */
  beginWrite(id: string): void {
    this.#epoch++;
    this.#entries.delete(id);
  }

  /** Call after the store accepted a write of `id` with this content. */
  wrote(id: string, entry: CachedSession): void {
    this.#epoch++;
    // With other writers, the write may have been overtaken by one of theirs that an interrupted feed missed.
    if (this.#feed === undefined) this.#entries.set(id, entry);
    else this.#entries.delete(id);
  }

  /** Call after the store accepted a touch of `id`: moves the cached times, if `id` is cached. */
  touched(id: string, lastSeenAt: number, expiresAt: number): void {
    this.#epoch++;
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    if (this.#feed === undefined) this.#entries.set(id, { ...entry, lastSeenAt, expiresAt });
    else this.#entries.delete(id);
  }

  /** Drops `id` (destroyed, expired, or a write that failed). */
  drop(id: string): void {
    this.#epoch++;
    this.#entries.delete(id);
  }

  /** Drops everything (the change feed was interrupted or resumed). */
  clear(): void {
    this.#epoch++;
    this.#entries.clear();
  }
}
