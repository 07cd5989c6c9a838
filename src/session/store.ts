/**
 * @module session/store
 * The session-store port. A store keeps opaque, already-encrypted session records by id; it knows nothing of
 * OAuth, HTTP or cookies (express-session `Store`, fastify/session). Every store implementation passes the
 * shared contract suite in `test/unit/session/store-contract.ts`.
 */

/** What a store persists for one session. `payload` is sealed (AES-256-GCM); the store never sees plaintext. */
export interface StoredSession {
  /** ms since epoch when the session was created (start of the absolute timeout). */
  readonly createdAt: number;
  /** ms since epoch of the last request that used the session (start of the idle timeout). */
  readonly lastSeenAt: number;
  /** ms since epoch after which the record is gone: min(lastSeenAt + idle, createdAt + absolute). */
  readonly expiresAt: number;
  /** Incremented on every write of the payload; used as a fencing token by concurrent writers. */
  readonly version: number;
  /** The sealed session data (see `session/cipher.ts`). */
  readonly payload: string;
}

export type SessionStoreKind = 'memory' | 'embedded' | 'redis';

/** Told that session `id` changed or ended; `undefined`: any session may have. Runs synchronously. */
export type SessionChangeListener = (id: string | undefined) => void;

/**
 * What a store shared with other processes reports of the changes they make (Redis: `redis/session-tracking.ts`),
 * so that a process may keep the sessions it read in memory (`SessionManager`, `session/session-cache.ts`).
 */
export interface SessionChangeFeed {
  /**
   * True while every change to any session is being reported. Whenever it was false, the listeners were told
   * `undefined` before it turned true again: a copy made while it is false must not be kept.
   */
  readonly live: boolean;
  /** Adds a listener for every change from now on. */
  listen(listener: SessionChangeListener): void;
}

/**
 * A session store. Every method rejects once `close()` was called. Operations on one id take effect in the order
 * they were called, even when not awaited one by one (a `touch` never resurrects the payload a concurrent `set`
 * replaced). Records are copied in and out (JSON round trip): callers never share objects with the store.
 */
export interface SessionStore {
  readonly kind: SessionStoreKind;
  /** Present on a store other processes write too, when it can report their changes (see {@link SessionChangeFeed}). */
  readonly changes?: SessionChangeFeed;
  /** The record, or `undefined` when absent or expired (`expiresAt <= now`). */
  get(id: string): Promise<StoredSession | undefined>;
  /** Creates or replaces the record; it expires at `session.expiresAt`. Used for new sessions only. */
  set(id: string, session: StoredSession): Promise<void>;
  /**
   * Replaces the record only if a live (unexpired) record is stored under `id` and its `version` is
   * `expectedVersion`; check and write are one atomic step. Resolves to whether it wrote. Never creates a record:
   * a session destroyed (logout) or expired meanwhile stays gone. This is the fencing of every write that follows a
   * slow step (a refresh, the OAuth callback): the writer saves over the version it loaded, and on `false` reloads.
   */
  setIfVersion(id: string, session: StoredSession, expectedVersion: number): Promise<boolean>;
  /** Removes the record; removing an absent id is not an error. */
  destroy(id: string): Promise<void>;
  /** Moves the idle deadline without rewriting the payload; a no-op when the record is gone. */
  touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  /** Resolves when the store can serve requests; rejects otherwise (used by `/readyz`). */
  ping(): Promise<void>;
  /** Releases files, connections and timers. */
  close(): Promise<void>;
}
