/**
 * @module session/memory-store
 * A `SessionStore` in process memory. **Dev/test only**: sessions vanish on restart, are not shared between
 * instances, and memory grows with the number of live sessions (express-session `MemoryStore` carries the same
 * warning).
 */
import type { SessionStore, StoredSession } from './store.js';
import { assertExpectedVersion, assertStoredSession, assertTouchTimes, StoreClosedError } from './stored-session.js';

export interface MemoryStoreOptions {
  /** Clock in ms since epoch; expiry is checked against it on every read. */
  now: () => number;
  /** Backing map of id → JSON record; injectable so tests can look at raw records. */
  map?: Map<string, string>;
  /** When set, expired records are removed every this many ms by an unref'd timer (reads never return them anyway). */
  sweepIntervalMs?: number;
}

/** The memory store, plus an explicit sweep for tests. */
export interface MemoryStore extends SessionStore {
  readonly kind: 'memory';
  /** Removes every expired record now; resolves to how many were removed. */
  sweep(): Promise<number>;
}

/**
 * Creates a Map-backed store. Records are kept as JSON strings, so callers never share objects with the store.
 * @see https://github.com/expressjs/session#session-store-implementation
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { now } = options;
  const map = options.map ?? new Map<string, string>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  function ensureOpen(): void {
    if (closed) throw new StoreClosedError('memory');
  }

  function read(id: string): StoredSession | undefined {
    const raw = map.get(id);
    if (raw === undefined) return undefined;
    const record = JSON.parse(raw) as StoredSession;
    if (record.expiresAt <= now()) {
      map.delete(id);
      return undefined;
    }
    return record;
  }

  function sweepNow(): number {
    const t = now();
    let removed = 0;
    for (const [id, raw] of map) {
      if ((JSON.parse(raw) as StoredSession).expiresAt <= t) {
        map.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  if (options.sweepIntervalMs !== undefined) {
    timer = setInterval(sweepNow, options.sweepIntervalMs);
    timer.unref();
  }

  return {
    kind: 'memory',

    get(id) {
      return Promise.resolve().then(() => {
        ensureOpen();
        return read(id);
      });
    },

    set(id, session) {
      return Promise.resolve().then(() => {
        ensureOpen();
        assertStoredSession(session);
        const { createdAt, lastSeenAt, expiresAt, version, payload } = session;
        map.set(id, JSON.stringify({ createdAt, lastSeenAt, expiresAt, version, payload }));
      });
    },

    setIfVersion(id, session, expectedVersion) {
      return Promise.resolve().then(() => {
        ensureOpen();
        assertStoredSession(session);
        assertExpectedVersion(expectedVersion);
        const current = read(id);
        if (current === undefined || current.version !== expectedVersion) return false;
        const { createdAt, lastSeenAt, expiresAt, version, payload } = session;
        map.set(id, JSON.stringify({ createdAt, lastSeenAt, expiresAt, version, payload }));
        return true;
      });
    },

    destroy(id) {
      return Promise.resolve().then(() => {
        ensureOpen();
        map.delete(id);
      });
    },

    touch(id, lastSeenAt, expiresAt) {
      return Promise.resolve().then(() => {
        ensureOpen();
        assertTouchTimes(lastSeenAt, expiresAt);
        const record = read(id);
        if (record === undefined) return;
        map.set(id, JSON.stringify({ ...record, lastSeenAt, expiresAt }));
      });
    },

    ping() {
      return Promise.resolve().then(ensureOpen);
    },

    sweep() {
      return Promise.resolve().then(() => {
        ensureOpen();
        return sweepNow();
      });
    },

    close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      return Promise.resolve();
    },
  };
}
