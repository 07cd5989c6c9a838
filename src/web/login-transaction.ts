/**
 * @module web/login-transaction
 * Starting (or reusing) the login in progress of this browser: a `state` and a PKCE S256 verifier kept in this
 * browser's session only (never on a shared object), and the authorize URL built from them. Also what every page
 * that calls RingCentral does when the login behind it is gone ({@link answerLoginLost}).
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
import { calculatePKCECodeChallenge } from 'oauth4webapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RCAPP_NOT_LOGGED_IN, RCAPP_SESSION_ENDED } from '../errors.js';
import { buildAuthorizeUrl } from '../oauth/authorize-url.js';
import { createPkcePair, createState } from '../oauth/pkce.js';
import { sessionEnded } from '../ringcentral/token-keeper.js';
import type { Session } from '../session/session-manager.js';
import type { LoginTransaction } from '../session/types.js';
import { clientKey } from './client-address.js';
import type { AppContext } from './context.js';
import { sendError } from './error-handler.js';
import { noticeUrl } from './notices.js';
import { tooManyLogins } from './rate-limit.js';
import { toSafeReturnPath } from './return-to.js';

/** How the login should end. */
export interface LoginOptions {
  /** The callback renders the popup page instead of redirecting. `undefined`: keep what the transaction says. */
  readonly popup?: boolean;
  /** Validated same-origin path to go to after login. `undefined`: keep what the transaction says. */
  readonly returnTo?: string;
}

/** The session that now holds the transaction, and the authorize URL for it. */
export interface StartedLogin {
  readonly session: Session;
  readonly authorizeUrl: string;
}

/** The transaction `current` becomes for `options`, and whether anything changed; `fresh` when none is reusable. */
function planLogin(
  current: LoginTransaction | undefined,
  fresh: () => LoginTransaction,
  now: number,
  reuseForMs: number,
  options: LoginOptions,
): { login: LoginTransaction; changed: boolean } {
  // Reuse only while at least half of the login timeout is left, so a reused link does not expire mid-login.
  if (current === undefined || now - current.startedAt >= reuseForMs) return { login: fresh(), changed: true };
  let login = current;
  if (options.popup !== undefined && options.popup !== (current.popup === true))
    login = { ...login, popup: options.popup };
  if (options.returnTo !== undefined && options.returnTo !== current.returnTo) {
    login = { ...login, returnTo: options.returnTo };
  }
  return { login, changed: login !== current };
}

/**
 * Reuses this browser's login in progress when it is recent (so two tabs, or a reload, do not invalidate each
 * other's links), otherwise starts a new one. Saves the session (and sets the cookie) only when something changed;
 * the write is a compare-and-set, so two tabs starting a login at once end with one transaction both links share.
 */
export async function startLogin(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  existing: Session | undefined,
  options: LoginOptions = {},
): Promise<StartedLogin> {
  const now = ctx.now();
  const pkce = await createPkcePair();
  const fresh = (): LoginTransaction => ({
    state: createState(),
    codeVerifier: pkce.codeVerifier,
    startedAt: now,
    ...(options.popup ? { popup: true } : {}),
    ...(options.returnTo === undefined ? {} : { returnTo: options.returnTo }),
  });
  const planned: { login?: LoginTransaction } = {};
  const apply = (session: Session): boolean => {
    const plan = planLogin(session.data.login, fresh, now, ctx.loginTimeoutMs / 2, options);
    planned.login = plan.login;
    session.data.login = plan.login;
    return plan.changed;
  };
  const admitNew = (): Session => {
    const created = ctx.sessions.manager.create();
    // A new session record: counted against the logins in progress this client may hold.
    const waitSeconds = ctx.pendingLogins?.admit(clientKey(request.ip), created.id);
    if (waitSeconds !== undefined) throw tooManyLogins(waitSeconds);
    return created;
  };
  let session = await ctx.sessions.update(request, reply, existing ?? admitNew(), apply);
  if (session === undefined) {
    // The browser's session ended meanwhile (e.g. a logout in another tab): a new one.
    session = await ctx.sessions.update(request, reply, admitNew(), apply);
  }
  const { login } = planned;
  if (session === undefined || login === undefined) throw new TypeError('a new session cannot be gone');
  const authorizeUrl = buildAuthorizeUrl({
    baseUrl: ctx.oauth.authorizeBaseUrl,
    clientId: ctx.oauth.clientId,
    redirectUri: ctx.oauth.redirectUri,
    state: login.state,
    codeChallenge: await calculatePKCECodeChallenge(login.codeVerifier),
  });
  return { session, authorizeUrl };
}

/**
 * The session ended at RingCentral (it no longer accepts the session's tokens): gone here too. A JSON client gets
 * 401 `RCAPP_SESSION_ENDED`; a browser the session-ended notice, with a login ready that comes back to this page.
 */
export async function endLogin(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  json: boolean,
): Promise<FastifyReply> {
  await ctx.sessions.end(reply, session.id);
  request.log.info('session ended: RingCentral no longer accepts its tokens');
  if (json) {
    return sendError(ctx, request, reply, sessionEnded());
  }
  // Logging in again from the notice page comes back to this very page (path and query): a fresh session holds
  // a login in progress that returns here. Only a same-origin path is kept (see `return-to.ts`).
  const returnTo = toSafeReturnPath(request.url, ctx.config.callbackPath);
  if (returnTo !== undefined) {
    try {
      await startLogin(ctx, request, reply, undefined, { returnTo });
    } catch (err) {
      request.log.warn({ err }, 'could not prepare the login that returns to this page');
    }
  }
  return reply.redirect(noticeUrl('session-ended'), 302);
}

/**
 * What a page does with an error of its RingCentral call when the login behind it is gone: `RCAPP_SESSION_ENDED`
 * ends the session ({@link endLogin}); `RCAPP_NOT_LOGGED_IN` (logged out meanwhile, in another tab or on another
 * instance) clears the cookie and answers as to anyone not logged in (JSON 401, a browser to the start page).
 * Any other error is rethrown for the app's error handler.
 */
export async function answerLoginLost(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  err: unknown,
  json: boolean,
): Promise<FastifyReply> {
  if (err instanceof AppError && err.code === RCAPP_SESSION_ENDED) {
    return endLogin(ctx, request, reply, session, json);
  }
  if (err instanceof AppError && err.code === RCAPP_NOT_LOGGED_IN) {
    ctx.sessions.clearCookie(reply);
    if (json) throw err;
    return reply.redirect('/', 302);
  }
  throw err;
}
