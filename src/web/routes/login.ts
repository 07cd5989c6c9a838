/**
 * @module web/routes/login
 * `GET /login[?popup=1][&returnTo=/path]`: starts (or reuses) this browser's login and redirects to RingCentral.
 * Used by the popup window and by "Log in again" links. `returnTo` must be a same-origin path (no open redirect);
 * anything else is refused.
 */
import type { FastifyInstance } from 'fastify';
import { AppError, RCAPP_BAD_REQUEST } from '../../errors.js';
import type { AppContext } from '../context.js';
import { startLogin } from '../login-transaction.js';
import { singleParam } from '../query.js';
import { toSafeReturnPath } from '../return-to.js';

/** Registers `GET /login`. */
export function registerLoginRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/login', async (request, reply) => {
    const popupParam = singleParam(request.query, 'popup');
    if (popupParam !== undefined && popupParam !== '1' && popupParam !== '0' && popupParam !== '') {
      throw new AppError(RCAPP_BAD_REQUEST, 'parameter "popup" must be 1 or 0');
    }
    const rawReturnTo = singleParam(request.query, 'returnTo');
    const returnTo = toSafeReturnPath(rawReturnTo, ctx.config.callbackPath);
    if (rawReturnTo !== undefined && rawReturnTo !== '' && returnTo === undefined) {
      throw new AppError(RCAPP_BAD_REQUEST, 'parameter "returnTo" must be a path on this site');
    }
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens !== undefined) {
      return reply.redirect(returnTo ?? '/', 302);
    }
    const { authorizeUrl } = await startLogin(ctx, request, reply, session, {
      popup: popupParam === '1',
      ...(returnTo === undefined ? {} : { returnTo }),
    });
    return reply.redirect(authorizeUrl, 302);
  });
}
