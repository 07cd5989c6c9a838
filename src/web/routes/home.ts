/**
 * @module web/routes/home
 * `GET /` and `GET /index`: the login page (with this browser's login in progress) when not logged in, the page
 * of API links when logged in. A fixed-key `?notice=` shows a one-shot message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_PAGES } from '../api-pages.js';
import type { AppContext } from '../context.js';
import { startLogin } from '../login-transaction.js';
import { noticeFor } from '../notices.js';
import { chromeFor, sendHtml } from '../pages.js';
import { singleParam } from '../query.js';

/** Registers `GET /` and `GET /index`. */
export function registerHomeRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function home(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const notice = noticeFor(singleParam(request.query, 'notice'));
    const session = await ctx.sessions.load(request, reply);
    const tokens = session?.data.tokens;
    if (session !== undefined && tokens !== undefined) {
      return sendHtml(
        reply,
        200,
        ctx.views.home({
          ...chromeFor(session, notice ? { notice } : {}),
          apis: API_PAGES.map(({ api, label, description, href }) => ({ api, label, description, href })),
        }),
      );
    }
    const { authorizeUrl } = await startLogin(ctx, request, reply, session);
    return sendHtml(
      reply,
      200,
      ctx.views.login({
        ...(notice ? { notice } : {}),
        authorizeUrl,
        popupLoginUrl: '/login?popup=1',
        serverLabel: ctx.upstreamLabel,
        ...(ctx.demoUsers === undefined ? {} : { demoUsers: ctx.demoUsers }),
      }),
    );
  }
  app.get('/', home);
  app.get('/index', home);
}
