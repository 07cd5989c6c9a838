/**
 * @module web/routes/logout
 * Logout that another site cannot trigger. `SameSite=Lax` cookies still ride along on top-level cross-site GET
 * navigations, so `GET /logout` acts only when Fetch Metadata says the request comes from this origin
 * (`Sec-Fetch-Site: same-origin`) or from the user (`none`: typed, bookmarked); otherwise it shows a confirmation
 * page with a POST form and changes nothing. `POST /logout` needs the session's anti-CSRF token (or same-origin
 * Fetch Metadata). Logout = revoke at RingCentral (failures logged without secrets and ignored, as RingCentral
 * advises) + destroy the session + clear the cookie + redirect to `/` with a notice.
 * @see https://w3c.github.io/webappsec-fetch-metadata/
 * @see https://developers.ringcentral.com/guide/authentication/tokens (revoke)
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RCAPP_CSRF } from '../../errors.js';
import type { Session } from '../../session/session-manager.js';
import type { AppContext } from '../context.js';
import { noticeUrl } from '../notices.js';
import { chromeFor, sendHtml } from '../pages.js';

function fetchSite(request: FastifyRequest): string | undefined {
  const value = request.headers['sec-fetch-site'];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function csrfFromBody(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>).csrf;
  return typeof value === 'string' ? value : undefined;
}

async function logout(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session | undefined,
): Promise<FastifyReply> {
  if (session !== undefined) {
    if (session.data.tokens !== undefined) {
      try {
        await ctx.ringcentral.forSession(session).revoke();
      } catch (err) {
        request.log.warn({ err }, 'token revocation failed; logging out anyway');
      }
    }
    await ctx.sessions.end(reply, session.id);
    const owner = session.data.tokens?.ownerId;
    if (owner !== undefined && owner !== '') {
      // The user's copies of their call log go with the login.
      await ctx.explorer.copies.drop(owner).catch((err: unknown) => {
        request.log.warn({ err }, 'could not drop the call-log copies');
      });
    }
    request.log.info('logged out');
  } else {
    ctx.sessions.clearCookie(reply);
  }
  return reply.redirect(noticeUrl('logged-out'), 302);
}

/** Registers `GET /logout` and `POST /logout`. */
export function registerLogoutRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/logout', async (request, reply) => {
    const session = await ctx.sessions.load(request, reply);
    const site = fetchSite(request);
    if (site === 'same-origin' || site === 'none') return logout(ctx, request, reply, session);
    if (session === undefined) return reply.redirect('/', 302);
    // Cross-site, same-site or unknown origin: ask, do nothing.
    return sendHtml(reply, 200, ctx.views.logoutConfirm({ ...chromeFor(session), csrf: session.data.csrf }));
  });

  app.post('/logout', async (request, reply) => {
    const session = await ctx.sessions.load(request, reply);
    const site = fetchSite(request);
    const token = csrfFromBody(request.body);
    const trusted =
      site === 'same-origin' || (session !== undefined && token !== undefined && sameToken(token, session.data.csrf));
    if (!trusted) {
      throw new AppError(RCAPP_CSRF, 'the logout form is missing its security token; use the Logout button');
    }
    return logout(ctx, request, reply, session);
  });
}
