/**
 * @module web/routes/callback
 * `GET <RC_REDIRECT_URL path>` (default `/oauth2callback`): the end of the login. In this order: read this
 * browser's login transaction and **delete it** with compare-and-set (consumed before use, so a replayed or a
 * concurrent callback finds nothing) →
 * require a transaction, a recent one → validate `state`, then `?error=` → require `code` → exchange code +
 * verifier → new session id (the old id is gone from the store) holding the tokens (encrypted by the session
 * manager) and the user's name → redirect (or the popup page).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RCAPP_LOGIN_EXPIRED, RCAPP_NO_AUTH_CODE, RCAPP_NO_LOGIN_IN_PROGRESS } from '../../errors.js';
import { validateCallback } from '../../oauth/callback.js';
import type { SessionClient } from '../../ringcentral/client.js';
import type { LoginTransaction, SessionUser } from '../../session/types.js';
import { clientKey } from '../client-address.js';
import type { AppContext } from '../context.js';
import { isTimeZone } from '../explorer/time-zone.js';
import { asRecord, toText } from '../views/format.js';
import { wantsJson } from '../negotiate.js';
import { sendHtml } from '../pages.js';

/** The raw query string of the request (so repeated keys and odd encodings are seen as sent). */
function rawQuery(request: FastifyRequest): URLSearchParams {
  const q = request.url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
}

/**
 * The user's name, extension number and time zone (their own extension, through the new session's client): for
 * the page header and the days and times of pages. A failure here does not fail the login.
 */
async function fetchUser(rc: SessionClient, request: FastifyRequest): Promise<SessionUser> {
  try {
    const answer = await rc.call('readExtension');
    if (!answer.ok) {
      request.log.warn({ status: answer.status }, 'could not read the current extension after login');
      return {};
    }
    const body = asRecord(answer.json());
    const zone = toText(asRecord(asRecord(body?.regionalSettings)?.timezone)?.name);
    return {
      ...(typeof body?.name === 'string' ? { name: body.name.slice(0, 200) } : {}),
      ...(typeof body?.extensionNumber === 'string' ? { extensionNumber: body.extensionNumber.slice(0, 20) } : {}),
      ...(isTimeZone(zone) ? { timeZone: zone } : {}),
    };
  } catch (err) {
    request.log.warn({ err }, 'could not read the current extension after login');
    return {};
  }
}

/** Registers the OAuth callback route at `config.callbackPath`. */
export function registerCallbackRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get(ctx.config.callbackPath, async (request: FastifyRequest, reply: FastifyReply) => {
    const params = rawQuery(request);
    const loaded = await ctx.sessions.load(request, reply);
    // Consume the one-time transaction before using it: whatever happens next, it cannot be used again. The write
    // is a compare-and-set on the version loaded, so of two callbacks racing with one transaction (a double click,
    // two instances) only one takes it: the other reloads, finds none, and exchanges nothing.
    const taken: { login?: LoginTransaction } = {};
    const session =
      loaded === undefined
        ? undefined
        : await ctx.sessions.update(request, reply, loaded, (current) => {
            // Called again on the reloaded session when another callback wrote first: take only what is there now.
            taken.login = current.data.login;
            if (taken.login === undefined) return false;
            delete current.data.login;
            return true;
          });
    const { login } = taken;
    if (login !== undefined && loaded !== undefined) ctx.pendingLogins?.finish(clientKey(request.ip), loaded.id);
    try {
      if (session === undefined || login === undefined) {
        if (!params.has('code') && !params.has('error')) {
          throw new AppError(RCAPP_NO_AUTH_CODE, 'no "code" parameter in the callback');
        }
        throw new AppError(RCAPP_NO_LOGIN_IN_PROGRESS, 'no login is in progress in this browser; start again');
      }
      if (ctx.now() - login.startedAt > ctx.loginTimeoutMs) {
        throw new AppError(RCAPP_LOGIN_EXPIRED, 'the login took too long; start again');
      }
      const validated = validateCallback(ctx.oauth, params, login.state);
      if (!validated.get('code')) {
        throw new AppError(RCAPP_NO_AUTH_CODE, 'no "code" parameter in the callback');
      }
      session.data.tokens = await ctx.ringcentral.exchangeCode(validated, login.codeVerifier);
      session.data.user = await fetchUser(ctx.ringcentral.forSession(session), request);
      // New id at login (against session fixation); the old id is removed from the store.
      await ctx.sessions.regenerate(reply, session);
      request.log.info('login completed');
      const next = login.returnTo ?? (login.popup ? '/' : '/test');
      if (login.popup) {
        reply.header('cross-origin-opener-policy', 'unsafe-none');
        return sendHtml(reply, 200, ctx.views.popupDone({ ok: true, next }));
      }
      return reply.redirect(next, 302);
    } catch (err) {
      if (login?.popup && err instanceof AppError && !wantsJson(request)) {
        request.log.info({ code: err.code }, 'popup login failed');
        // The popup page's script must be able to reach its opener: no opener-severing policy on this page.
        reply.header('cross-origin-opener-policy', 'unsafe-none');
        return sendHtml(reply, err.status, ctx.views.popupDone({ ok: false, message: err.message, next: '/' }));
      }
      throw err;
    }
  });
}
