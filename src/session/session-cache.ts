/**
 * @module session/session-cache
 * A bounded, least-recently-used cache of opened session records for a store that this process alone writes
 * (the embedded store: LevelDB locks its directory to one process). A busy session is then neither read from
 * disk nor decrypted on every request. It is write-through (the session manager updates it after each store
 * write) and guarded by a write epoch, so a slow read that started before a write can never put the older record
 * back. It holds the session data as its JSON text: every load parses its own copy, so callers never share
 * objects.
 */

/** One cached session: the store record's times and version, and the session data as JSON. */
export interface CachedSession {
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly version: number;
  /** `JSON.stringify(data)` of the session data (plaintext: the cache lives in this process's memory only). */
  readonly json: string;
}

/** The cache of one session manager (no module-level state). */
export class SessionCache {
  readonly #max: number;
  readonly #entries = new Map<string, CachedSession>();
  #epoch = 0;

  /** @param maxEntries the most sessions kept; the least recently used goes first. */
  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      throw new RangeError('session cache size must be a positive integer');
    }
    this.#max = maxEntries;
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
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      // Map order is insertion order: re-inserting makes this the most recently used entry.
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    }
    return entry;
  }

  /**
   * Caches what a store read returned, unless any write happened since `epoch` (the read may predate it) or the
   * id is cached already (by a write, which is newer).
   */
  fill(id: string, entry: CachedSession, epoch: number): void {
    if (epoch !== this.#epoch || this.#entries.has(id)) return;
    this.#put(id, entry);
  }

  /** Call before writing `id` to the store: drops it and invalidates reads in flight. */
  beginWrite(id: string): void {
    this.#epoch++;
    this.#entries.delete(id);
  }

  /** Call after the store accepted a write of `id` with this content. */
  wrote(id: string, entry: CachedSession): void {
    this.#epoch++;
    this.#put(id, entry);
  }

  /** Call after the store accepted a touch of `id`: moves the cached times, if `id` is cached. */
  touched(id: string, lastSeenAt: number, expiresAt: number): void {
    this.#epoch++;
    const entry = this.#entries.get(id);
    if (entry !== undefined) this.#entries.set(id, { ...entry, lastSeenAt, expiresAt });
  }

  /** Drops `id` (destroyed, expired, or a write that failed). */
  drop(id: string): void {
    this.#epoch++;
    this.#entries.delete(id);
  }

  #put(id: string, entry: CachedSession): void {
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
