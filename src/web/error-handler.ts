/**
 * @module web/error-handler
 * The app's one error handler and its 404 handler. App errors show their (safe) message with their status; any
 * other error is a generic 500 whose details go to the log only (with the request id), never to the client.
 * Fastify's own 4xx (bad body, wrong content type, oversize) become `RCAPP_BAD_REQUEST` with their status; a
 * session store that cannot be reached (e.g. Redis down), or a session that kept changing under a write, is a 503
 * `RCAPP_SESSION_STORE_UNAVAILABLE`.
 * JSON or HTML by content negotiation.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  ERROR_CATALOG,
  RCAPP_BAD_REQUEST,
  RCAPP_INTERNAL,
  RCAPP_NOT_FOUND,
  type ErrorCode,
} from '../errors.js';
import { SessionBusyError } from '../session/session-manager.js';
import { StoreClosedError, StoreUnavailableError } from '../session/stored-session.js';
import type { AppContext } from './context.js';
import { storeUnavailable } from './web-sessions.js';
import { isApiRequest, wantsJson } from './negotiate.js';
import { errorPageModel, sendHtml } from './pages.js';

/** JSON error body of the app (RingCentral's own errors are passed through unchanged in JSON mode instead). */
export interface JsonError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

/** Sends `error` as a page or JSON, with `Retry-After` for 429. */
export function sendError(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
  extra: Record<string, unknown> = {},
  json: boolean = wantsJson(request) || isApiRequest(request),
): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  reply.header('cache-control', 'no-store');
  if (json) {
    const body: JsonError & Record<string, unknown> = {
      code: error.code,
      status: error.status,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      ...extra,
    };
    return reply.code(error.status).type('application/json; charset=utf-8').send(JSON.stringify(body));
  }
  return sendHtml(
    reply,
    error.status,
    ctx.views.error(errorPageModel(error, ctx.sessions.cached(request), ctx.errorFixes)),
  );
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof StoreUnavailableError || err instanceof StoreClosedError || err instanceof SessionBusyError) {
    return storeUnavailable(err);
  }
  const status = (err as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's messages can quote the body; show the catalog's neutral wording instead.
    return new AppError(RCAPP_BAD_REQUEST, describeClientError(status), { cause: err, status });
  }
  return new AppError(RCAPP_INTERNAL, 'something went wrong on our side; the request id is in the response headers', {
    cause: err,
  });
}

function describeClientError(status: number): string {
  switch (status) {
    case 413:
      return 'the request body is too large';
    case 415:
      return 'this content type is not accepted here';
    case 405:
      return 'this method is not allowed here';
    default:
      return ERROR_CATALOG[RCAPP_BAD_REQUEST].meaning.toLowerCase();
  }
}

/**
 * The app's error handler: app errors with their status and safe message, anything else a logged 500. `json`
 * answers every error as JSON, whatever the request accepts (the API routes).
 */
export function errorHandler(
  ctx: AppContext,
  options: { json?: boolean } = {},
): (err: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (err, request, reply) => {
    const error = toAppError(err);
    if (error.status >= 500) {
      request.log.error({ err, code: error.code }, 'request failed');
    } else {
      request.log.info({ code: error.code, status: error.status }, 'request refused');
    }
    return sendError(ctx, request, reply, error, {}, options.json ?? (wantsJson(request) || isApiRequest(request)));
  };
}

/** Installs the error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance, ctx: AppContext): void {
  app.setErrorHandler(errorHandler(ctx));
  app.setNotFoundHandler((request, reply) =>
    sendError(ctx, request, reply, new AppError(RCAPP_NOT_FOUND, 'no such page')),
  );
}
