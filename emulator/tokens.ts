/**
 * @module emulator/tokens
 * Authorization codes, OAuth sessions and their rotating token pairs, with RingCentral's invalidation rules:
 * - codes are single-use, live 60 s and are bound to client, redirect URI and PKCE challenge;
 * - a refresh rotates both tokens; the old access token answers `OAU-129` for ~10 s, then `OAU-213`;
 * - the old refresh token keeps returning the *same* new pair until the new access token has been used + ~10 s
 *   (or for up to 60 min while it stays unused), then `OAU-213`;
 * - at most 5 sessions per user per app (the oldest is dropped); revoking any token of a session ends all of it.
 * Lookups are O(1) `Map`s keyed by the opaque token strings. `exportState()`/`importState()` turn the whole store
 * into plain data and back (the emulator's snapshot, `persistence.ts`); `onChange` is called after every change
 * that such a snapshot must see.
 *
 * @see https://developers.ringcentral.com/guide/authentication/refresh-tokens
 * @see ringcentral-contract.md §2.4, §2.5, §3
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { OAU } from './errors.js';

/** Authorization-code lifetime (the `expires_in=60` RingCentral puts on the redirect). */
export const CODE_TTL_SECONDS = 60;
/** `access_token_ttl` bounds (SPEC: min 600, max 3600, default 3600). */
export const ACCESS_TTL = { min: 600, max: 3600, default: 3600 } as const;
/** `refresh_token_ttl`: default 7 days; larger values are cut to the default (DOCS `auth-token-params.inc`). */
export const REFRESH_TTL = { default: 604_800 } as const;
/** How long a replaced access token answers "corrupted" (OAU-129) before "not found" (OAU-213). */
export const REPLACED_ACCESS_TOKEN_CORRUPTED_MS = 10_000;
/** Old refresh token still valid this long after the new access token is first used. */
export const REFRESH_GRACE_AFTER_USE_MS = 10_000;
/** Old refresh token still valid this long while the new access token stays unused. */
export const REFRESH_GRACE_UNUSED_MS = 60 * 60_000;
/** Parallel OAuth sessions per user per app. */
export const MAX_SESSIONS_PER_USER_APP = 5;

/** Opaque tokens and codes: 36 random bytes, base64url (48 characters). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{48}$/;
const MAX_STORED_CODES = 10_000;
const CODE_RETENTION_MS = 10 * 60_000;

/** A PKCE challenge stored with a code. */
export interface PkceChallenge {
  readonly value: string;
  readonly method: 'plain' | 'S256';
}

/** An issued authorization code. */
export interface AuthorizationCode {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** Whether the authorization request carried `redirect_uri` (then the token request must repeat it). */
  readonly redirectUriInRequest: boolean;
  readonly challenge?: PkceChallenge;
  readonly extensionId: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Set through {@link TokenStore.useCode}. */
  used: boolean;
  /** The session created from this code (revoked if the code is replayed, RFC 6749 §4.1.2). */
  session?: OAuthSession;
}

/** One access/refresh token pair of a session. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly issuedAt: number;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt: number;
  firstUsedAt?: number;
  replacedAt?: number;
}

/** An OAuth session: one login of one user in one app. */
export interface OAuthSession {
  readonly id: string;
  readonly clientId: string;
  readonly extensionId: number;
  readonly scope: readonly string[];
  readonly endpointId: string;
  readonly createdAt: number;
  current: TokenPair;
  previous?: TokenPair;
  revoked: boolean;
}

/** Why a token was refused: an OAU code and message. */
export interface TokenRefusal {
  readonly ok: false;
  readonly errorCode: string;
  readonly message: string;
}

export type AccessCheck = { readonly ok: true; readonly session: OAuthSession } | TokenRefusal;
export type RefreshResult =
  | { readonly ok: true; readonly session: OAuthSession; readonly pair: TokenPair; readonly repeated: boolean }
  | TokenRefusal;

/** Requested token lifetimes after clamping. */
export interface TokenTtls {
  readonly accessTtl: number;
  readonly refreshTtl: number;
}

/** A token pair as plain data (see {@link TokenStoreState}). */
export interface TokenPairState {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly issuedAt: number;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt: number;
  readonly firstUsedAt?: number;
  readonly replacedAt?: number;
}

/** An OAuth session as plain data: its current and previous pair, with their rotation state. */
export interface OAuthSessionState {
  readonly id: string;
  readonly clientId: string;
  readonly extensionId: number;
  readonly scope: readonly string[];
  readonly endpointId: string;
  readonly createdAt: number;
  readonly current: TokenPairState;
  readonly previous?: TokenPairState;
  readonly revoked: boolean;
}

/** An authorization code as plain data; `session` is an index into {@link TokenStoreState.sessions}. */
export interface AuthorizationCodeState {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriInRequest: boolean;
  readonly challenge?: PkceChallenge;
  readonly extensionId: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly used: boolean;
  readonly session?: number;
}

/**
 * Everything the store holds, as plain JSON-safe data: the live sessions in the order they were created per user
 * and app (the oldest is dropped first), then revoked ones that a code still points at (a replayed code must still
 * find its session), and the codes in issue order.
 */
export interface TokenStoreState {
  readonly sessions: readonly OAuthSessionState[];
  readonly codes: readonly AuthorizationCodeState[];
}

/** The code/session/token store. */
export interface TokenStore {
  issueCode(input: Omit<AuthorizationCode, 'code' | 'issuedAt' | 'expiresAt' | 'used' | 'session'>): AuthorizationCode;
  findCode(code: string): AuthorizationCode | undefined;
  /** Marks a code used (for good), optionally with the session it created. */
  useCode(entry: AuthorizationCode, session?: OAuthSession): void;
  createSession(input: {
    clientId: string;
    extensionId: number;
    scope: readonly string[];
    endpointId?: string;
    ttls: TokenTtls;
  }): OAuthSession;
  /** Validates a bearer token; on success marks the pair as used (starts the old refresh token's 10 s grace). */
  checkAccessToken(token: string): AccessCheck;
  /** The session a refresh token belongs to (current or previous pair), without changing anything. */
  sessionOfRefreshToken(token: string): OAuthSession | undefined;
  refresh(refreshToken: string, ttls: TokenTtls): RefreshResult;
  /** The live session an access or refresh token belongs to. */
  sessionOfToken(token: string): OAuthSession | undefined;
  revokeSession(session: OAuthSession): void;
  activeSessions(): number;
  reset(): void;
  /** The whole store as plain data (a snapshot: later changes do not show in it). */
  exportState(): TokenStoreState;
  /** Replaces the whole store with `state` (validated by the caller, e.g. the snapshot schema). */
  importState(state: TokenStoreState): void;
}

/** Options of {@link createTokenStore}. */
export interface TokenStoreOptions {
  /** Called after every change a snapshot must see (codes, sessions, rotations, first uses, revocations). */
  readonly onChange?: () => void;
}

/** A new opaque token or code. */
export function generateToken(): string {
  return randomBytes(36).toString('base64url');
}

/** Whether `token` has the shape of an emulator token (else RingCentral says "Unparsable access token"). */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** RFC 7636 §4.1: 43..128 characters from the unreserved set. Also used for challenges. */
const PKCE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether `value` is a syntactically valid PKCE verifier or challenge. */
export function isValidPkceValue(value: string): boolean {
  return PKCE_PATTERN.test(value);
}

/**
 * Checks a `code_verifier` against a stored challenge (`S256`: base64url(SHA-256(verifier)); `plain`: equality),
 * in constant time.
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.6
 */
export function verifyPkce(challenge: PkceChallenge, verifier: string): boolean {
  if (!isValidPkceValue(verifier)) return false;
  const expected = Buffer.from(challenge.value);
  const actual = Buffer.from(
    challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier,
  );
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Clamps a requested `access_token_ttl`: garbage/`NaN` (the SDK may echo `NaN`) ⇒ default; < 600 ⇒ 600;
 * > 3600 ⇒ 3600.
 */
export function clampAccessTtl(raw: string | undefined): number {
  const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) return ACCESS_TTL.default;
  return Math.min(ACCESS_TTL.max, Math.max(ACCESS_TTL.min, n));
}

/** Clamps a requested `refresh_token_ttl`: garbage ⇒ default; above the default ⇒ default. */
export function clampRefreshTtl(raw: string | undefined): number {
  const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) return REFRESH_TTL.default;
  return Math.min(REFRESH_TTL.default, n);
}

function refusal([errorCode, message]: readonly [string, string]): TokenRefusal {
  return { ok: false, errorCode, message };
}

function pairState(pair: TokenPair): TokenPairState {
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    issuedAt: pair.issuedAt,
    accessExpiresAt: pair.accessExpiresAt,
    refreshExpiresAt: pair.refreshExpiresAt,
    ...(pair.firstUsedAt !== undefined ? { firstUsedAt: pair.firstUsedAt } : {}),
    ...(pair.replacedAt !== undefined ? { replacedAt: pair.replacedAt } : {}),
  };
}

function pairFrom(state: TokenPairState): TokenPair {
  return { ...state };
}

/** Creates an empty store over the emulator clock. */
export function createTokenStore(now: () => number, options: TokenStoreOptions = {}): TokenStore {
  const changed = options.onChange ?? (() => undefined);
  const codes = new Map<string, AuthorizationCode>();
  const accessTokens = new Map<string, { session: OAuthSession; pair: TokenPair }>();
  const refreshTokens = new Map<string, { session: OAuthSession; pair: TokenPair }>();
  const sessionsByUserApp = new Map<string, OAuthSession[]>();

  const newPair = (t: number, ttls: TokenTtls): TokenPair => ({
    accessToken: generateToken(),
    refreshToken: generateToken(),
    issuedAt: t,
    accessExpiresAt: t + ttls.accessTtl * 1000,
    refreshExpiresAt: t + ttls.refreshTtl * 1000,
  });
  const index = (session: OAuthSession, pair: TokenPair): void => {
    accessTokens.set(pair.accessToken, { session, pair });
    refreshTokens.set(pair.refreshToken, { session, pair });
  };
  const unindex = (pair: TokenPair | undefined): void => {
    if (pair === undefined) return;
    accessTokens.delete(pair.accessToken);
    refreshTokens.delete(pair.refreshToken);
  };
  const revokeSession = (session: OAuthSession): void => {
    if (session.revoked) return;
    session.revoked = true;
    changed();
    unindex(session.current);
    unindex(session.previous);
    const key = `${session.clientId}|${session.extensionId}`;
    const list = sessionsByUserApp.get(key);
    if (list !== undefined) {
      const rest = list.filter((s) => s !== session);
      if (rest.length === 0) sessionsByUserApp.delete(key);
      else sessionsByUserApp.set(key, rest);
    }
  };
  const pruneCodes = (t: number): void => {
    for (const [code, entry] of codes) {
      if (entry.expiresAt + CODE_RETENTION_MS > t && codes.size <= MAX_STORED_CODES) break;
      codes.delete(code);
    }
  };

  return {
    issueCode(input) {
      const t = now();
      pruneCodes(t);
      const entry: AuthorizationCode = {
        ...input,
        code: generateToken(),
        issuedAt: t,
        expiresAt: t + CODE_TTL_SECONDS * 1000,
        used: false,
      };
      codes.set(entry.code, entry);
      changed();
      return entry;
    },
    findCode: (code) => codes.get(code),
    useCode(entry, session) {
      entry.used = true;
      if (session !== undefined) entry.session = session;
      changed();
    },
    createSession({ clientId, extensionId, scope, endpointId, ttls }) {
      const t = now();
      const key = `${clientId}|${extensionId}`;
      const list = sessionsByUserApp.get(key) ?? [];
      // RingCentral keeps up to five parallel sessions per user per app; a new one ends the oldest.
      while (list.length >= MAX_SESSIONS_PER_USER_APP) {
        const oldest = list[0]!;
        revokeSession(oldest);
        list.shift();
      }
      const session: OAuthSession = {
        id: String(4_000_000_000 + Math.floor(Math.random() * 900_000_000)),
        clientId,
        extensionId,
        scope,
        endpointId: endpointId ?? randomBytes(16).toString('base64url').slice(0, 22),
        createdAt: t,
        current: newPair(t, ttls),
        revoked: false,
      };
      index(session, session.current);
      list.push(session);
      sessionsByUserApp.set(key, list);
      changed();
      return session;
    },
    checkAccessToken(token: string): AccessCheck {
      const entry = accessTokens.get(token);
      if (entry === undefined) {
        return refusal(isWellFormedToken(token) ? OAU.tokenNotFound : OAU.unparsableToken);
      }
      const t = now();
      const { session, pair } = entry;
      if (pair !== session.current) {
        if (t - (pair.replacedAt ?? 0) < REPLACED_ACCESS_TOKEN_CORRUPTED_MS) return refusal(OAU.accessTokenCorrupted);
        accessTokens.delete(token);
        return refusal(OAU.tokenNotFound);
      }
      if (t >= pair.accessExpiresAt) return refusal(OAU.accessTokenExpired);
      if (pair.firstUsedAt === undefined) {
        // The first use starts the old refresh token's 10 s grace: a snapshot must know it.
        pair.firstUsedAt = t;
        changed();
      }
      return { ok: true, session };
    },
    sessionOfRefreshToken: (token) => refreshTokens.get(token)?.session,
    refresh(refreshToken: string, ttls: TokenTtls): RefreshResult {
      const entry = refreshTokens.get(refreshToken);
      if (entry === undefined) return refusal(OAU.tokenNotFound);
      const t = now();
      const { session, pair } = entry;
      if (pair === session.current) {
        if (t >= pair.refreshExpiresAt) {
          revokeSession(session);
          return refusal(OAU.tokenExpired);
        }
        // Rotate: the pair before the previous one is gone for good; the previous one enters its grace period.
        unindex(session.previous);
        pair.replacedAt = t;
        session.previous = pair;
        session.current = newPair(t, ttls);
        index(session, session.current);
        changed();
        return { ok: true, session, pair: session.current, repeated: false };
      }
      if (pair === session.previous) {
        const cur = session.current;
        const graceEnd = Math.min(
          cur.firstUsedAt !== undefined
            ? cur.firstUsedAt + REFRESH_GRACE_AFTER_USE_MS
            : (pair.replacedAt ?? 0) + REFRESH_GRACE_UNUSED_MS,
          cur.accessExpiresAt,
        );
        if (t < graceEnd) return { ok: true, session, pair: cur, repeated: true };
        refreshTokens.delete(refreshToken);
        return refusal(OAU.tokenNotFound);
      }
      refreshTokens.delete(refreshToken);
      return refusal(OAU.tokenNotFound);
    },
    sessionOfToken: (token) => accessTokens.get(token)?.session ?? refreshTokens.get(token)?.session,
    revokeSession,
    activeSessions(): number {
      let n = 0;
      for (const list of sessionsByUserApp.values()) n += list.length;
      return n;
    },
    reset(): void {
      codes.clear();
      accessTokens.clear();
      refreshTokens.clear();
      sessionsByUserApp.clear();
    },
    exportState(): TokenStoreState {
      const order = new Map<OAuthSession, number>();
      const sessions: OAuthSessionState[] = [];
      const add = (session: OAuthSession): number => {
        let at = order.get(session);
        if (at === undefined) {
          at = sessions.length;
          order.set(session, at);
          sessions.push({
            id: session.id,
            clientId: session.clientId,
            extensionId: session.extensionId,
            scope: [...session.scope],
            endpointId: session.endpointId,
            createdAt: session.createdAt,
            current: pairState(session.current),
            ...(session.previous !== undefined ? { previous: pairState(session.previous) } : {}),
            revoked: session.revoked,
          });
        }
        return at;
      };
      for (const list of sessionsByUserApp.values()) for (const session of list) add(session);
      const codeStates: AuthorizationCodeState[] = [];
      for (const entry of codes.values()) {
        codeStates.push({
          code: entry.code,
          clientId: entry.clientId,
          redirectUri: entry.redirectUri,
          redirectUriInRequest: entry.redirectUriInRequest,
          ...(entry.challenge !== undefined
            ? { challenge: { value: entry.challenge.value, method: entry.challenge.method } }
            : {}),
          extensionId: entry.extensionId,
          issuedAt: entry.issuedAt,
          expiresAt: entry.expiresAt,
          used: entry.used,
          ...(entry.session !== undefined ? { session: add(entry.session) } : {}),
        });
      }
      return { sessions, codes: codeStates };
    },
    importState(state: TokenStoreState): void {
      const sessions = state.sessions.map((s): OAuthSession => ({
        id: s.id,
        clientId: s.clientId,
        extensionId: s.extensionId,
        scope: [...s.scope],
        endpointId: s.endpointId,
        createdAt: s.createdAt,
        current: pairFrom(s.current),
        ...(s.previous !== undefined ? { previous: pairFrom(s.previous) } : {}),
        revoked: s.revoked,
      }));
      for (const c of state.codes) {
        if (c.session !== undefined && sessions[c.session] === undefined) {
          throw new RangeError('a code refers to a session that is not there');
        }
      }
      codes.clear();
      accessTokens.clear();
      refreshTokens.clear();
      sessionsByUserApp.clear();
      for (const session of sessions) {
        if (session.revoked) continue;
        // The same pair objects as the session's: rotation compares pairs by identity.
        index(session, session.current);
        if (session.previous !== undefined) index(session, session.previous);
        const key = `${session.clientId}|${session.extensionId}`;
        sessionsByUserApp.set(key, [...(sessionsByUserApp.get(key) ?? []), session]);
      }
      for (const c of state.codes) {
        const session = c.session === undefined ? undefined : sessions[c.session];
        codes.set(c.code, {
          code: c.code,
          clientId: c.clientId,
          redirectUri: c.redirectUri,
          redirectUriInRequest: c.redirectUriInRequest,
          ...(c.challenge !== undefined ? { challenge: { value: c.challenge.value, method: c.challenge.method } } : {}),
          extensionId: c.extensionId,
          issuedAt: c.issuedAt,
          expiresAt: c.expiresAt,
          used: c.used,
          ...(session !== undefined ? { session } : {}),
        });
      }
    },
  };
}
