/**
 * @module web/bad-url
 * A URL Fastify's router cannot decode (`/%zz`, a path parameter over the length bound) is answered by Fastify
 * itself, before any hook runs: a JSON body naming its internal code (`FST_ERR_BAD_URL`) and echoing the path,
 * without the security headers. This handler (Fastify `frameworkErrors`) answers them like every other bad
 * request instead: `RCAPP_BAD_REQUEST` as a page or JSON by `Accept`, with the app's headers.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RCAPP_BAD_REQUEST } from '../errors.js';
import type { AppContext } from './context.js';
import { sendError } from './error-handler.js';

/** The `frameworkErrors` option of the app. `headers` gives the security headers (built once at start). */
export function createFrameworkErrorHandler(
  ctx: AppContext,
  headers: () => Readonly<Record<string, string>>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    reply.headers(headers());
    reply.header('x-request-id', request.id);
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 400;
    request.log.info({ code: RCAPP_BAD_REQUEST, status, reason: error.code }, 'request refused');
    sendError(
      ctx,
      request,
      reply,
      new AppError(RCAPP_BAD_REQUEST, 'the address is malformed (invalid percent-encoding or too long)', { status }),
    );
  };
}
