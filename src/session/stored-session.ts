/**
 * @module session/stored-session
 * Checks and errors shared by every `SessionStore` implementation, so all stores reject the same bad input the
 * same way.
 */
import type { SessionStoreKind, StoredSession } from './store.js';

/** Largest timestamp a store accepts (fits the 15-digit expiry keys of the embedded store; year 33658). */
export const MAX_TIMESTAMP = 999_999_999_999_999;

/** A store was used after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  readonly code = 'RCAPP_SESSION_STORE_CLOSED';
  constructor(kind: SessionStoreKind) {
    super(`the ${kind} session store is closed`);
  }
}

/**
 * The store's backing service (e.g. Redis) cannot be reached or did not answer in time. Nothing about the session
 * is known: callers must not treat it as "no session". The web layer answers 503 (`RCAPP_SESSION_STORE_UNAVAILABLE`
 * in the error catalog, the same code as here) and the request can be retried once the service is back.
 * `cause` is a sanitized copy of the driver error (message and code only, never command arguments).
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'RCAPP_SESSION_STORE_UNAVAILABLE';
  constructor(kind: SessionStoreKind, options?: ErrorOptions) {
    super(`the ${kind} session store is not available`, options);
  }
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_TIMESTAMP;
}

/**
 * Throws a `TypeError` unless `value` is a well-formed `StoredSession` (integer timestamps, string payload).
 * Stores call it before writing so a programming error never lands on disk.
 */
export function assertStoredSession(value: unknown): asserts value is StoredSession {
  const v = value as Partial<Record<keyof StoredSession, unknown>> | null;
  if (typeof v !== 'object' || v === null) throw new TypeError('stored session must be an object');
  for (const field of ['createdAt', 'lastSeenAt', 'expiresAt'] as const) {
    if (!isTimestamp(v[field])) throw new TypeError(`stored session "${field}" must be an integer timestamp in ms`);
  }
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 0) {
    throw new TypeError('stored session "version" must be a non-negative integer');
  }
  if (typeof v.payload !== 'string') throw new TypeError('stored session "payload" must be a string');
}

/** Throws a `TypeError` unless both are integer timestamps (the arguments of `SessionStore.touch`). */
export function assertTouchTimes(lastSeenAt: unknown, expiresAt: unknown): void {
  if (!isTimestamp(lastSeenAt)) throw new TypeError('"lastSeenAt" must be an integer timestamp in ms');
  if (!isTimestamp(expiresAt)) throw new TypeError('"expiresAt" must be an integer timestamp in ms');
}

/** Throws a `TypeError` unless `value` is a valid `expectedVersion` of `SessionStore.setIfVersion`. */
export function assertExpectedVersion(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError('"expectedVersion" must be a non-negative integer');
  }
}
