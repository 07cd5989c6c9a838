/**
 * @module web/routes/admin
 * `GET /admin/readiness[?format=json|html]`: the production-readiness report (see `readiness/readiness-report.ts`)
 * as JSON for scripts (`npm run doctor -- --readiness`) or as a page. Only with `ADMIN_TOKEN` set (otherwise the
 * page does not exist: 404), and only for a request that carries it: `Authorization: Bearer <token>`, or HTTP Basic
 * with the token as the password, so a browser's own login prompt works. Compared in constant time (digests of
 * equal length). A wrong or missing token is a 401 with the challenge that fits the client.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7617
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError, RCAPP_ADMIN_UNAUTHORIZED, RCAPP_BAD_REQUEST, RCAPP_NOT_FOUND } from '../../errors.js';
import { buildReadinessReport } from '../../readiness/readiness-report.js';
import type { ReadinessStore } from '../../readiness/readiness-store.js';
import type { AppContext } from '../context.js';
import { sendError } from '../error-handler.js';
import { prefersJson } from '../negotiate.js';
import { sendHtml } from '../pages.js';
import { singleParam } from '../query.js';

const BEARER = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;
const BASIC = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The token an `Authorization` header carries (Bearer, or the password of Basic), if any. */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length > 2048) return undefined;
  const bearer = BEARER.exec(authorization);
  if (bearer?.[1] !== undefined) return bearer[1];
  const basic = BASIC.exec(authorization);
  if (basic?.[1] === undefined) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** A constant-time check of the admin token; `undefined` token = nothing is ever allowed. */
export function createAdminCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => false;
  const expected = digest(token);
  return (authorization) => {
    const presented = presentedToken(authorization);
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

/** Options of {@link registerAdminRoutes}. */
export interface AdminRouteOptions {
  /** `ADMIN_TOKEN`; `undefined` turns the routes off. */
  readonly token: string | undefined;
  readonly readiness: ReadinessStore;
}

/** Registers `GET /admin/readiness`. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext, options: AdminRouteOptions): void {
  const allowed = createAdminCheck(options.token);
  app.get('/admin/readiness', async (request, reply) => {
    if (options.token === undefined) {
      return sendError(ctx, request, reply, new AppError(RCAPP_NOT_FOUND, 'no such page'));
    }
    const format = singleParam(request.query, 'format');
    if (format !== undefined && format !== 'json' && format !== 'html') {
      throw new AppError(RCAPP_BAD_REQUEST, 'parameter "format" must be json or html');
    }
    const json = prefersJson(request.headers.accept, format);
    if (!allowed(request.headers.authorization)) {
      reply.header(
        'www-authenticate',
        json ? 'Bearer realm="rc-authflow admin"' : 'Basic realm="rc-authflow admin", charset="UTF-8"',
      );
      return sendError(
        ctx,
        request,
        reply,
        new AppError(RCAPP_ADMIN_UNAUTHORIZED, 'this page needs the admin token (ADMIN_TOKEN)'),
      );
    }
    const report = buildReadinessReport(await options.readiness.read(), ctx.now());
    if (json) return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(report));
    return sendHtml(reply, 200, ctx.views.readiness({ report }));
  });
}
