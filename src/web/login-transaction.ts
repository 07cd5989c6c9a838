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
import type { AppContext } from './context.js';

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

/**
 * Reuses this browser's login in progress when it is recent (so two tabs, or a reload, do not invalidate each
 * other's links), otherwise starts a new one. Saves the session (and sets the cookie) only when something changed.
 */
export async function startLogin(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  existing: Session | undefined,
  options: LoginOptions = {},
): Promise<StartedLogin> {
  const session = existing ?? ctx.sessions.manager.create();
  const now = ctx.now();
  const current = session.data.login;
  let login: LoginTransaction;
  let changed = existing === undefined;
  // Reuse only while at least half of the login timeout is left, so a reused link does not expire mid-login.
  if (current !== undefined && now - current.startedAt < ctx.loginTimeoutMs / 2) {
    login = current;
    if (options.popup !== undefined && options.popup !== (current.popup === true)) {
      login = { ...login, popup: options.popup };
      changed = true;
    }
    if (options.returnTo !== undefined && options.returnTo !== current.returnTo) {
      login = { ...login, returnTo: options.returnTo };
      changed = true;
    }
  } else {
    const pkce = await createPkcePair();
    login = {
      state: createState(),
      codeVerifier: pkce.codeVerifier,
      startedAt: now,
      ...(options.popup ? { popup: true } : {}),
      ...(options.returnTo === undefined ? {} : { returnTo: options.returnTo }),
    };
    changed = true;
  }
  if (changed) {
    session.data.login = login;
    await ctx.sessions.save(request, reply, session);
  } else {
    await ctx.sessions.touch(request, session);
  }
  const authorizeUrl = buildAuthorizeUrl({
    baseUrl: ctx.oauth.authorizeBaseUrl,
    clientId: ctx.oauth.clientId,
    redirectUri: ctx.oauth.redirectUri,
    state: login.state,
    codeChallenge: await calculatePKCECodeChallenge(login.codeVerifier),
  });
  return { session, authorizeUrl };
}
