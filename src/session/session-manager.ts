/**
 * @module session/session-manager
 * The glue between the web layer and a `SessionStore`: random ids, sealing/opening of the session data, idle and
 * absolute timeouts, throttled touches and id regeneration. Knows nothing of HTTP or cookies (the web layer maps
 * a signed cookie to an id and back).
 */
import { randomBytes } from 'node:crypto';
import type { SessionCipher } from './cipher.js';
import { freezeData, SessionCache, type CachedSession } from './session-cache.js';
import type { SessionChangeFeed, SessionStore } from './store.js';
import type { SessionData } from './types.js';

const ID_BYTES = 32;
const CSRF_BYTES = 32;
/** base64url of 32 bytes: 43 characters, no padding. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_TOUCH_INTERVAL_MS = 60_000;
/** Compare-and-set attempts of {@link SessionManager.update} before it gives up. */
const UPDATE_ATTEMPTS = 5;

/** Every attempt to update a session met a newer write by another request; the caller may try again shortly. */
export class SessionBusyError extends Error {
  override readonly name = 'SessionBusyError';
  readonly code = 'RCAPP_SESSION_BUSY';
  constructor() {
    super('the session kept changing while it was being saved');
  }
}

export interface SessionManagerOptions {
  store: SessionStore;
  cipher: SessionCipher;
  /** A session unused for this long ends. */
  idleTimeoutMs: number;
  /** A session ends this long after it was created, however active (a login starts a new one). */
  absoluteTimeoutMs: number;
  /** Shorter idle timeout for sessions that hold only a login in progress (no tokens yet). Default: `idleTimeoutMs`. */
  anonymousIdleTimeoutMs?: number;
  /** Clock in ms since epoch. Default `Date.now`. */
  now?: () => number;
  /** `touch` writes at most once per this many ms per session. Default: min(60 s, idle timeout / 10). */
  touchIntervalMs?: number;
  /**
   * Keep up to this many recently used sessions opened in memory (see `session-cache.ts`), so that a busy session
   * is not read from the store and decrypted on every request. For a store that this process alone writes (the
   * embedded store), or with `changes`: with a shared store (Redis) another instance can change or end a session
   * behind this one's back. Default 0: no cache.
   */
  cacheSize?: number;
  /** The changes other processes make to a shared store (`SessionStore.changes`): required to cache one. */
  changes?: SessionChangeFeed;
}

/** One session as the web layer sees it: plaintext data plus the bookkeeping the manager needs. */
export interface Session {
  readonly id: string;
  data: SessionData;
  /** ms since epoch; start of the absolute timeout. */
  readonly createdAt: number;
  /** ms since epoch of the last save or (throttled) touch; start of the idle timeout. */
  lastSeenAt: number;
  /** Number of saves so far (0 for a session never saved). */
  version: number;
}

/** True when `id` has the shape of an id made by {@link SessionManager.newId} (43 base64url characters). */
export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

function isSessionData(value: unknown): value is SessionData {
  return typeof value === 'object' && value !== null && typeof (value as { csrf?: unknown }).csrf === 'string';
}

function checkDuration(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new RangeError(`session manager option "${name}" must be a positive integer number of ms`);
  }
}

/**
 * Creates, loads, saves and ends sessions. Sessions are persisted only by `save`, `touch` and `regenerate`;
 * `load` never writes.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html (id entropy, timeouts, renewal)
 */
export class SessionManager {
  readonly #store: SessionStore;
  readonly #cipher: SessionCipher;
  readonly #idleMs: number;
  readonly #anonymousIdleMs: number;
  readonly #absoluteMs: number;
  readonly #touchIntervalMs: number;
  readonly #now: () => number;
  readonly #cache: SessionCache | undefined;

  constructor(options: SessionManagerOptions) {
    checkDuration('idleTimeoutMs', options.idleTimeoutMs);
    checkDuration('absoluteTimeoutMs', options.absoluteTimeoutMs);
    checkDuration('anonymousIdleTimeoutMs', options.anonymousIdleTimeoutMs);
    if (
      options.touchIntervalMs !== undefined &&
      !(Number.isSafeInteger(options.touchIntervalMs) && options.touchIntervalMs >= 0)
    ) {
      throw new RangeError('session manager option "touchIntervalMs" must be a non-negative integer number of ms');
    }
    this.#store = options.store;
    this.#cipher = options.cipher;
    this.#idleMs = options.idleTimeoutMs;
    this.#anonymousIdleMs = options.anonymousIdleTimeoutMs ?? options.idleTimeoutMs;
    this.#absoluteMs = options.absoluteTimeoutMs;
    this.#touchIntervalMs =
      options.touchIntervalMs ?? Math.min(DEFAULT_TOUCH_INTERVAL_MS, Math.floor(options.idleTimeoutMs / 10));
    this.#now = options.now ?? Date.now;
    const cacheSize = options.cacheSize ?? 0;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new RangeError('session manager option "cacheSize" must be a non-negative integer');
    }
    this.#cache = cacheSize > 0 ? new SessionCache(cacheSize, options.changes) : undefined;
  }

  /** A new session id: 32 random bytes (256 bits), base64url. */
  newId(): string {
    return randomBytes(ID_BYTES).toString('base64url');
  }

  /** A new session with a fresh id and a random CSRF token (unless `data.csrf` is given). Not stored until `save`. */
  create(data: Partial<SessionData> = {}): Session {
    const t = this.#now();
    const csrf = data.csrf ?? randomBytes(CSRF_BYTES).toString('base64url');
    return { id: this.newId(), data: { ...data, csrf }, createdAt: t, lastSeenAt: t, version: 0 };
  }

  /**
   * The session with this id, or `undefined` when the id is malformed (no store call), absent, expired (idle or
   * absolute), or its data cannot be opened (tampered, sealed for another id, unknown key). Never writes.
   * Rejects only when the store itself fails (e.g. unreachable), so callers can answer 503 rather than "logged out".
   */
  async load(id: string): Promise<Session | undefined> {
    if (!isSessionId(id)) return undefined;
    const cache = this.#cache;
    const cached = cache?.get(id);
    if (cached !== undefined) return this.#fromCache(id, cached);
    const epoch = cache?.epoch() ?? 0;
    const record = await this.#store.get(id);
    if (record === undefined) return undefined;
    const t = this.#now();
    // The record's expiresAt was computed with the timeouts in force when it was written; apply today's too.
    if (record.expiresAt <= t || record.createdAt + this.#absoluteMs <= t) return undefined;
    const data = this.#cipher.open(record.payload, id);
    if (!isSessionData(data)) return undefined;
    if (record.lastSeenAt + this.#idleTimeoutFor(data) <= t) return undefined;
    cache?.fill(
      id,
      {
        createdAt: record.createdAt,
        lastSeenAt: record.lastSeenAt,
        expiresAt: record.expiresAt,
        version: record.version,
        data: freezeData(data),
      },
      epoch,
    );
    return { id, data, createdAt: record.createdAt, lastSeenAt: record.lastSeenAt, version: record.version };
  }

  /**
   * Seals and stores the session's data; increments `version` and restarts the idle timeout. A session never saved
   * (`version` 0) is created. A stored one is written with compare-and-set on the version it was loaded (or last
   * saved) with: resolves `false`, and changes nothing, when the stored record was destroyed, expired or saved by
   * someone else meanwhile (reload it, or use {@link SessionManager.update}). A destroyed session is never recreated.
   */
  async save(session: Session): Promise<boolean> {
    const t = this.#now();
    const version = session.version + 1;
    // The id is bound into the ciphertext, so a record copied under another id does not open.
    const payload = this.#cipher.seal(session.data, session.id);
    const expiresAt = this.#expiresAt(session.createdAt, t, session.data);
    const record = { createdAt: session.createdAt, lastSeenAt: t, expiresAt, version, payload };
    const cache = this.#cache;
    cache?.beginWrite(session.id);
    if (session.version === 0) {
      await this.#store.set(session.id, record);
    } else if (!(await this.#store.setIfVersion(session.id, record, session.version))) {
      return false;
    }
    cache?.wrote(session.id, {
      createdAt: session.createdAt,
      lastSeenAt: t,
      expiresAt,
      version,
      data: freezeData(session.data),
    });
    session.version = version;
    session.lastSeenAt = t;
    return true;
  }

  /**
   * Applies `change` to the session and saves it with compare-and-set; when the stored record changed meanwhile
   * (another request saved it), reloads it and applies `change` to the fresh copy, up to a few times. `change`
   * mutates `session.data` and returns whether there is anything to write (`false`: leave the record as it is).
   * Resolves to the session as stored (`session` itself when the first attempt wrote), or `undefined` when the
   * session is gone (destroyed, expired): it is never recreated.
   * @throws {SessionBusyError} when every attempt met a newer write
   */
  async update(session: Session, change: (session: Session) => boolean): Promise<Session | undefined> {
    let current: Session | undefined = session;
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      if (!change(current)) return current;
      if (await this.save(current)) return current;
      current = await this.load(current.id);
      if (current === undefined) return undefined;
    }
    throw new SessionBusyError();
  }
  /**
   * Restarts the idle timeout without rewriting the data. Skipped (no store call) when the session was saved or
   * touched less than `touchIntervalMs` ago, so busy sessions do not write on every request.
   */
  async touch(session: Session): Promise<void> {
    const t = this.#now();
    if (t - session.lastSeenAt < this.#touchIntervalMs) return;
    const expiresAt = this.#expiresAt(session.createdAt, t, session.data);
    try {
      await this.#store.touch(session.id, t, expiresAt);
    } catch (err) {
      this.#cache?.drop(session.id);
      throw err;
    }
    this.#cache?.touched(session.id, t, expiresAt);
    session.lastSeenAt = t;
  }

  /**
   * Moves the data to a new id with a fresh absolute timeout and a new anti-CSRF token, stores it, and destroys
   * the old id (do this at login, against session fixation). The old `session` object must not be used afterwards. The new record is
   * written before the old one is destroyed; if either write fails the promise rejects and the caller must not
   * hand out the new id (the old one may still be valid).
   * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change
   */
  async regenerate(session: Session): Promise<Session> {
    const t = this.#now();
    const fresh: Session = {
      id: this.newId(),
      // A new anti-CSRF token too: nothing issued to the anonymous session stays valid in the logged-in one.
      data: { ...structuredClone(session.data), csrf: randomBytes(CSRF_BYTES).toString('base64url') },
      createdAt: t,
      lastSeenAt: t,
      version: 0,
    };
    await this.save(fresh); // version 0: a create, never refused
    this.#cache?.drop(session.id);
    await this.#store.destroy(session.id);
    return fresh;
  }

  /** Removes the session from the store; a malformed or absent id is not an error. */
  async destroy(id: string): Promise<void> {
    if (!isSessionId(id)) return;
    this.#cache?.drop(id);
    await this.#store.destroy(id);
  }

  /** When the session ends if left unused from now on: min(lastSeenAt + idle timeout, createdAt + absolute timeout). */
  expiresAt(session: Session): number {
    return this.#expiresAt(session.createdAt, session.lastSeenAt, session.data);
  }

  /** A session from its cached JSON, with the same checks as a store read (the store filters `expiresAt`). */
  #fromCache(id: string, cached: CachedSession): Session | undefined {
    const t = this.#now();
    if (cached.expiresAt <= t || cached.createdAt + this.#absoluteMs <= t) {
      this.#cache?.drop(id);
      return undefined;
    }
    if (cached.lastSeenAt + this.#idleTimeoutFor(cached.data) <= t) return undefined;
    // The caller's own top level; the values below it are frozen and shared (see `session-cache.ts`).
    const data: SessionData = { ...cached.data };
    return { id, data, createdAt: cached.createdAt, lastSeenAt: cached.lastSeenAt, version: cached.version };
  }

  #idleTimeoutFor(data: SessionData): number {
    return data.tokens === undefined ? this.#anonymousIdleMs : this.#idleMs;
  }

  #expiresAt(createdAt: number, lastSeenAt: number, data: SessionData): number {
    return Math.min(lastSeenAt + this.#idleTimeoutFor(data), createdAt + this.#absoluteMs);
  }
}
