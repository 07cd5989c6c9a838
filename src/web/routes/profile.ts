/**
 * @module web/routes/profile
 * `GET /profile[?format=json|html]`: the logged-in user as RingCentral describes them (`readExtension` of their own
 * extension: name, extension number, email, status), the app permissions their login carries (the token's scope)
 * and how long the login lasts. One RingCentral call through the session's client, which owns the fresh token,
 * the rate-limit slot and the counting; JSON clients get RingCentral's answer byte for byte, browsers a page, and
 * RingCentral's refusals the app's error pages. The path of a request: session → client → render.
 * @see https://developers.ringcentral.com/api-reference/User-Settings/readExtension
 */
import type { FastifyInstance } from 'fastify';
import { AppError, RCAPP_BAD_REQUEST, RCAPP_NOT_LOGGED_IN } from '../../errors.js';
import { refusalError } from '../../rc-api/error-body.js';
import { expandPath, operation } from '../../rc-api/operations.js';
import { errorForStatus } from '../../rc-api/upstream-errors.js';
import type { AppContext } from '../context.js';
import { answerLoginLost, endLogin } from '../login-transaction.js';
import { prefersJson } from '../negotiate.js';
import { chromeFor, sendHtml } from '../pages.js';
import { passThrough } from '../pass-through.js';
import { singleParam } from '../query.js';

/** The page's path (also its header link: `views/chrome.ts`). */
export const PROFILE_PATH = '/profile';

/** The user's own extension: `accountId` and `extensionId` default to `~`, the token's own. */
const READ_EXTENSION = operation('readExtension');

/** Registers `GET /profile`. */
export function registerProfileRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get(PROFILE_PATH, async (request, reply) => {
    const format = singleParam(request.query, 'format');
    if (format !== undefined && format !== 'json' && format !== 'html') {
      throw new AppError(RCAPP_BAD_REQUEST, 'parameter "format" must be json or html');
    }
    const json = prefersJson(request.headers.accept, format);

    // 1. session
    const session = await ctx.sessions.load(request, reply);
    const tokens = session?.data.tokens;
    if (session === undefined || tokens === undefined) {
      if (json) throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first: this page needs a logged-in session');
      return reply.redirect('/', 302);
    }

    try {
      // 2. client: a fresh token, the user's Light slot in the governor, one call event (metrics, readiness).
      const answer = await ctx.ringcentral.forSession(session).call(READ_EXTENSION.id);

      // 3. render
      if (json) return passThrough(reply, answer);
      if (answer.status === 401) return await endLogin(ctx, request, reply, session, json);
      if (!answer.ok) throw refusalError(answer, ctx.now()) ?? errorForStatus(answer.status, undefined, ctx.now());
      // The tokens as they are now: a refresh during the call rotated them (and moved the login's expiry).
      const current = session.data.tokens ?? tokens;
      return sendHtml(
        reply,
        200,
        ctx.views.profile({
          ...chromeFor(session, answer.rateLimit ? { rateLimit: answer.rateLimit } : {}),
          extension: answer.json(),
          request: `${READ_EXTENSION.method} ${expandPath(READ_EXTENSION)}`,
          permissions: current.scope.split(/\s+/).filter((permission) => permission !== ''),
          sessionEndsAt: ctx.sessions.manager.expiresAt(session),
          jsonHref: `${PROFILE_PATH}?format=json`,
        }),
      );
    } catch (err) {
      return answerLoginLost(ctx, request, reply, session, err, json);
    }
  });
}
