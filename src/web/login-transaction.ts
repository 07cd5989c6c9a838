/**
 * @module web/login-transaction
 * Starting (or reusing) the login in progress of this browser: a `state` and a PKCE S256 verifier kept in this
 * browser's session only (never on a shared object), and the authorize URL built from them.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
import { calculatePKCECodeChallenge } from 'oauth4webapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildAuthorizeUrl } from '../oauth/authorize-url.js';
import { createPkcePair, createState } from '../oauth/pkce.js';
import type { Session } from '../session/session-manager.js';
import type { LoginTransaction } from '../session/types.js';
import { clientKey } from './client-address.js';
import type { AppContext } from './context.js';
import { tooManyLogins } from './rate-limit.js';

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
