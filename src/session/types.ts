/**
 * @module session/types
 * The plaintext shape of one browser session, as the web layer sees it after the session manager has
 * decrypted it. Stores only ever see it sealed (see `store.ts`).
 */
import type { TokenSet } from '../oauth/types.js';

export type { TokenSet } from '../oauth/types.js';

/** One login in progress (RFC 6749 §4.1, RFC 7636). Consumed (deleted) before it is used. */
export interface LoginTransaction {
  readonly state: string;
  readonly codeVerifier: string;
  /** ms since epoch; a transaction older than the login timeout is rejected. */
  readonly startedAt: number;
  /** Same-origin path to return to after login (validated before it is stored). */
  readonly returnTo?: string;
  /** True when the login runs in a popup window (the callback page then tells the opener). */
  readonly popup?: boolean;
}

/** The logged-in user as RingCentral described them at login (their own extension). */
export interface SessionUser {
  readonly name?: string;
  readonly extensionNumber?: string;
  /** The IANA time zone of their RingCentral regional settings, for days and times on pages. */
  readonly timeZone?: string;
}

export interface SessionData {
  /** Per-session anti-CSRF token for state-changing forms (logout). */
  csrf: string;
  login?: LoginTransaction;
  tokens?: TokenSet;
  user?: SessionUser;
  /** One-shot message shown on the next page (e.g. "your session ended, please log in again"). */
  flash?: string;
}
