/**
 * @module ringcentral/token-keeper
 * Keeps a session's RingCentral access token usable: refreshes ahead of expiry, and on a 401 from RingCentral
 * refreshes once and retries once. Refreshes are single-flight per session (see `refresh-coordinator.ts`) and
 * correct for late arrivals: inside the flight the session is reloaded from the store, and if its access token is
 * no longer the one that failed, someone already refreshed and that token is used. New tokens are written back to
 * the session with compare-and-set on the version loaded: a session destroyed meanwhile (a logout, on any instance)
 * is never brought back; its new tokens are revoked and the request answers as not logged in. A dead refresh token
 * (`invalid_grant`) ends the session, unless the session meanwhile holds tokens of another refresh (an instance
 * that gave up waiting for the lock refreshed with a token the lock holder had rotated): those are used.
 * @see https://developers.ringcentral.com/guide/authentication/refresh-tokens
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
import type { Logger } from 'pino';
import { AppError, RCAPP_NOT_LOGGED_IN, RCAPP_SESSION_ENDED, TokenEndpointError } from '../errors.js';
import type { TokenSet } from '../oauth/types.js';
import type { Session, SessionManager } from '../session/session-manager.js';
import type { RefreshCoordinator } from './refresh-coordinator.js';

/** Refresh when the access token has less than this left (the RingCentral SDK uses the same margin). */
export const DEFAULT_REFRESH_AHEAD_MS = 60_000;

/** Options of {@link createTokenKeeper}. */
export interface TokenKeeperOptions {
  /** Exchanges a refresh token for a new pair at RingCentral (a governed, counted call of the client). */
  readonly refresh: (refreshToken: string, owner: string) => Promise<TokenSet>;
  /** Revokes a token pair at RingCentral; may reject (the keeper logs and goes on). */
  readonly revoke: (tokens: TokenSet) => Promise<void>;
  readonly sessions: SessionManager;
  readonly coordinator: RefreshCoordinator;
  readonly now: () => number;
  readonly logger: Logger;
  readonly refreshAheadMs?: number;
  /**
   * Told the outcome for each request that needed new tokens: `ok`/`failed` when it refreshed at RingCentral,
   * `coalesced` when it got the tokens of a refresh made by another request (in this process or another instance).
   */
  readonly onRefreshOutcome?: (outcome: 'ok' | 'failed' | 'coalesced') => void;
}

/** Runs RingCentral calls with a valid access token. */
export interface TokenKeeper {
  /**
   * Calls `call` with the session's access token, refreshing first when it is about to expire, and once more
   * (one refresh, one retry) when RingCentral answers 401.
   * @throws {AppError} `RCAPP_NOT_LOGGED_IN` (no tokens, or the session ended while refreshing),
   * `RCAPP_SESSION_ENDED` (the refresh token is dead; the session has been destroyed), upstream errors from the
   * refresh (session kept)
   */
  withAccessToken<T extends { readonly status: number }>(
    session: Session,
    call: (accessToken: string) => Promise<T>,
    /** Releases a 401 answer before the retry (a streamed body must be let go). */
    discard?: (answer: T) => void,
  ): Promise<T>;
}

/** The error for a session that ended (a logout, here or on another instance) while a request was using it. */
export function loggedOut(): AppError {
  return new AppError(RCAPP_NOT_LOGGED_IN, 'you are not logged in: the session ended meanwhile');
}

/** The error for a login RingCentral no longer honours. */
export function sessionEnded(): AppError {
  return new AppError(RCAPP_SESSION_ENDED, 'your RingCentral session has ended, please log in again');
}

/** Creates a token keeper for one app instance. */
export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { sessions, coordinator, now, logger } = options;
  const aheadMs = options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
  const report = options.onRefreshOutcome ?? (() => undefined);

  const expiringSoon = (tokens: TokenSet): boolean => tokens.accessExpiresAt - now() < aheadMs;

  /** RingCentral ends the whole login when either token is revoked; used to drop tokens nobody will hold. */
  async function revokeQuietly(tokens: TokenSet): Promise<void> {
    try {
      await options.revoke(tokens);
    } catch (err) {
      logger.warn({ err }, 'could not revoke the tokens of a refresh whose session had ended');
    }
  }

  async function refreshInFlight(sessionId: string, failedAccessToken: string): Promise<TokenSet> {
    const current = await sessions.load(sessionId);
    const stored = current?.data.tokens;
    if (current === undefined || stored === undefined) throw loggedOut();
    // A late arrival: another request already refreshed this session.
    if (stored.accessToken !== failedAccessToken && !expiringSoon(stored)) {
      report('coalesced');
      return stored;
    }
    if (
      stored.refreshToken === undefined ||
      (stored.refreshExpiresAt !== undefined && stored.refreshExpiresAt <= now())
    ) {
      await sessions.destroy(sessionId);
      throw sessionEnded();
    }
    let fresh: TokenSet;
    try {
      fresh = await options.refresh(stored.refreshToken, stored.ownerId);
      report('ok');
    } catch (err) {
      report('failed');
      if (err instanceof TokenEndpointError && err.isInvalidGrant) {
        // Another instance may have rotated the refresh token while this one waited for (or gave up on) the
        // lock: RingCentral then refuses the old one. The session holds the other refresh's tokens: use them.
        const reloaded = await sessions.load(sessionId);
        const latest = reloaded?.data.tokens;
        if (reloaded === undefined || latest === undefined) throw loggedOut();
        if (latest.refreshToken !== stored.refreshToken && !expiringSoon(latest)) {
          logger.info('refresh token already rotated by another request; using its tokens');
          report('coalesced');
          return latest;
        }
        logger.info({ rcErrorCode: err.rcErrorCode }, 'refresh token rejected by RingCentral; session ended');
        await sessions.destroy(sessionId);
        throw sessionEnded();
      }
      throw err;
    }
    // The refresh took a while: save over the version loaded (compare-and-set), never recreating the session.
    const saved = await sessions.update(current, (session) => {
      if (session.data.tokens === undefined) return false;
      session.data.tokens = fresh;
      return true;
    });
    if (saved?.data.tokens !== fresh) {
      // Logged out meanwhile (on this instance or another): the new tokens must not outlive the session.
      logger.info('session ended while its tokens were refreshed; the new tokens are revoked');
      await revokeQuietly(fresh);
      throw loggedOut();
    }
    logger.debug('tokens refreshed');
    return fresh;
  }

  async function refresh(session: Session, failedAccessToken: string): Promise<TokenSet> {
    let ranHere = false;
    const tokens = await coordinator.run(session.id, () => {
      ranHere = true;
      return refreshInFlight(session.id, failedAccessToken);
    });
    // The coordinator handed this request the result of a refresh already in flight in this process.
    if (!ranHere) report('coalesced');
    session.data.tokens = tokens;
    return tokens;
  }

  return {
    async withAccessToken(session, call, discard) {
      let tokens = session.data.tokens;
      if (tokens === undefined) throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first');
      if (expiringSoon(tokens)) tokens = await refresh(session, tokens.accessToken);
      const first = await call(tokens.accessToken);
      if (first.status !== 401) return first;
      discard?.(first);
      tokens = await refresh(session, tokens.accessToken);
      return call(tokens.accessToken);
    },
  };
}
