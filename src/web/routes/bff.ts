/**
 * @module web/routes/bff
 * The backend for front-ends: `/api/rc/<RingCentral path>` (GET, POST, PUT, PATCH, DELETE) forwards a browser
 * app's call to RingCentral through the session's client, so the page never holds a token: the session's fresh
 * access token, the user's rate-limit slot, the call's metrics and readiness counts are the client's, as for every
 * page of the app.
 *
 * - Only operations of the pinned spec are forwarded (the method and path matched against the operations' path
 *   templates, narrowed by `BFF_OPERATIONS`), never the OAuth endpoints; anything else is 404.
 * - An operation whose app permission the login's `scope` lacks is refused here, 403 `RCAPP_PERMISSION_DENIED`
 *   naming the permission, without calling RingCentral.
 * - CSRF (as Duende BFF): every request, GET included, carries `X-CSRF: 1` (a cross-site page cannot send a custom
 *   header without a CORS preflight, which this app never grants) and, when the browser says where it comes from
 *   (`Origin`, `Sec-Fetch-Site`), comes from this app's own origin; else 403 `RCAPP_CSRF`.
 * - Not logged in: 401 JSON, never a redirect. Every error is the app's JSON error.
 * - Requests: bodies up to `BFF_BODY_LIMIT` (413 beyond), only of the content types the operation declares (415
 *   otherwise); an allowlist of headers is forwarded, never the browser's `Cookie`, `Authorization` or `X-CSRF`.
 * - Answers: RingCentral's status and body byte for byte, streamed (binary too), with a safe subset of its headers;
 *   never `Set-Cookie` or anything else of RingCentral's session.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-browser-based-apps/ (Backend For Frontend)
 * @see https://docs.duendesoftware.com/bff/
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  RCAPP_BAD_REQUEST,
  RCAPP_CSRF,
  RCAPP_NOT_FOUND,
  RCAPP_NOT_LOGGED_IN,
  RCAPP_SESSION_ENDED,
} from '../../errors.js';
import { permissionDenied } from '../../rc-api/error-body.js';
import { matchOperation } from '../../rc-api/operation-match.js';
import { HTTP_METHODS, type HttpMethod, type Operation } from '../../rc-api/operations.js';
import { sessionEnded } from '../../ringcentral/token-keeper.js';
import type { AppContext } from '../context.js';
import { errorHandler } from '../error-handler.js';
import { PASSED_HEADERS } from '../pass-through.js';

/** Where the forwarded paths start. */
export const BFF_PREFIX = '/api/rc';

/** Request headers forwarded to RingCentral (content negotiation and conditionals); nothing else. */
export const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
] as const;

/**
 * Response headers of RingCentral passed on to the browser; nothing else (no cookie, no session): those of `/test`'s
 * JSON pass-through, and what a streamed or cached answer needs.
 */
export const PASSED_RESPONSE_HEADERS = [
  ...PASSED_HEADERS,
  'content-length',
  'content-disposition',
  'content-language',
  'etag',
  'last-modified',
] as const;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Refuses what a cross-site page could send: no `X-CSRF: 1`, or a foreign origin. */
function checkCsrf(request: FastifyRequest, ownOrigin: string): void {
  if (header(request, 'x-csrf') !== '1') {
    throw new AppError(RCAPP_CSRF, 'calls to /api/rc need the header "X-CSRF: 1"');
  }
  const origin = header(request, 'origin');
  if (origin !== undefined && origin !== ownOrigin) {
    throw new AppError(RCAPP_CSRF, 'calls to /api/rc are only accepted from this app’s own pages');
  }
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') {
    throw new AppError(RCAPP_CSRF, 'calls to /api/rc are only accepted from this app’s own pages');
  }
}

function notForwarded(): AppError {
  return new AppError(RCAPP_NOT_FOUND, 'no RingCentral operation of this app is forwarded at this method and path');
}

/** True when `BFF_OPERATIONS` lets `op` through (its operationId or one of its tags is listed). */
function allowed(op: Operation, narrowed: readonly string[] | undefined): boolean {
  return narrowed === undefined || narrowed.includes(op.id) || op.tags.some((tag) => narrowed.includes(tag));
}

/** The media type of a `Content-Type` value, lower case, without parameters. */
function mediaType(value: string | undefined): string | undefined {
  return value?.split(';', 1)[0]?.trim().toLowerCase() || undefined;
}

/** The request's body checked against what the operation declares; `undefined` when there is none. */
function bodyFor(request: FastifyRequest, op: Operation): Buffer | undefined {
  const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
  if (body === undefined) return undefined;
  const type = mediaType(header(request, 'content-type'));
  if (op.requestTypes.length === 0) {
    throw new AppError(RCAPP_BAD_REQUEST, `RingCentral's "${op.id}" takes no request body`, { status: 415 });
  }
  if (type === undefined || !op.requestTypes.includes(type)) {
    throw new AppError(
      RCAPP_BAD_REQUEST,
      `RingCentral's "${op.id}" takes ${op.requestTypes.join(' or ')}, not ${type ?? 'a body without a content type'}`,
      { status: 415 },
    );
  }
  return body;
}

async function forward(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  checkCsrf(request, ctx.config.publicOrigin);
  const session = await ctx.sessions.load(request, reply);
  const tokens = session?.data.tokens;
  if (session === undefined || tokens === undefined) {
    throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first: /api/rc calls RingCentral for a logged-in session');
  }
  // The request target as sent (origin-form or absolute-form), dot segments resolved, still percent-encoded.
  const target = new URL(request.raw.url ?? '', 'http://app.invalid');
  if (!target.pathname.startsWith(`${BFF_PREFIX}/`)) throw notForwarded();
  const path = target.pathname.slice(BFF_PREFIX.length);
  const method = request.method as HttpMethod;
  const match = path.startsWith('/restapi/oauth/') ? undefined : matchOperation(method, path);
  // A parameter of "." or ".." could be read by RingCentral, or a proxy before it, as another path.
  if (match === undefined || Object.values(match.params).some((v) => v === '.' || v === '..')) {
    throw notForwarded();
  }
  const { operation: op, params } = match;
  if (!allowed(op, ctx.config.bff.operations)) throw notForwarded();
  const body = bodyFor(request, op);
  const granted = tokens.scope.split(/\s+/);
  if (op.appPermission !== undefined && !granted.includes(op.appPermission)) {
    throw permissionDenied(op.appPermission, { upstreamStatus: 403 });
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = header(request, name);
    if (value !== undefined) headers[name] = value;
  }

  let answer;
  try {
    answer = await ctx.ringcentral.forSession(session).stream(op.id, {
      params,
      query: target.searchParams,
      body,
      headers,
    });
  } catch (err) {
    if (err instanceof AppError && err.code === RCAPP_SESSION_ENDED) {
      await ctx.sessions.end(reply, session.id);
      throw sessionEnded();
    }
    if (err instanceof AppError && err.code === RCAPP_NOT_LOGGED_IN) ctx.sessions.clearCookie(reply);
    throw err;
  }
  reply.code(answer.status);
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = answer.header(name);
    if (value !== undefined) reply.header(name, value);
  }
  return reply.send(answer.body);
}

/** Registers `/api/rc/*` in its own scope: raw bodies up to `BFF_BODY_LIMIT`, JSON errors. */
export function registerBffRoutes(app: FastifyInstance, ctx: AppContext): void {
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async functions
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Bodies are forwarded as they came (byte for byte); which types an operation takes is checked per operation.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.bff.bodyLimit }, (_r, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler(errorHandler(ctx, { json: true }));
    scope.route({
      method: [...HTTP_METHODS],
      url: `${BFF_PREFIX}/*`,
      bodyLimit: ctx.config.bff.bodyLimit,
      handler: (request, reply) => forward(ctx, request, reply),
    });
  });
}
