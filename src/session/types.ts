/**
 * @module session/types
 * The plaintext shape of one browser session, as the web layer sees it after the session manager has
 * decrypted it. Stores only ever see it sealed (see `store.ts`).
 */

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

/** RingCentral tokens of a logged-in user, with absolute expiry times (ms since epoch). */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly tokenType: string;
  readonly scope: string;
  /** RingCentral extension id of the user (`owner_id`, a string on the wire). */
  readonly ownerId: string;
  readonly endpointId?: string;
  /** RingCentral's OAuth session id (`session_id`). */
  readonly rcSessionId?: string;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt?: number;
}

export interface SessionUser {
  readonly name?: string;
  readonly extensionNumber?: string;
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
