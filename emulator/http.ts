/**
 * @module emulator/http
 * Reply helpers shared by the OAuth and REST routes: RingCentral's JSON content type, per-request `RCRequestId`,
 * CORS for browser clients (the JS SDK sends `credentials: 'include'`), and turning an {@link EmulatorHttpError}
 * into a reply.
 *
 * @see ringcentral-contract.md §5 (headers), §9.7 (CORS)
 */
import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { restError, type EmulatorHttpError } from './errors.js';

/** RingCentral's JSON content type, byte for byte. */
export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';

/** Request headers a browser may send cross-origin (what the SDK sets). */
export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-User-Agent, Client-Id';
/** Response headers a browser script may read (the SDK reads `Retry-After`). */
export const CORS_EXPOSE_HEADERS =
  'Retry-After, X-Rate-Limit-Group, X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Window, RCRequestId';
export const CORS_ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';

/** Sets `RCRequestId` and, for cross-origin requests, the CORS response headers. */
export function setCommonHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('RCRequestId', randomUUID());
  // Error bodies echo client input (e.g. a client_id); never let a browser sniff them as HTML.
  reply.header('X-Content-Type-Options', 'nosniff');
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin.length > 0 && origin.length <= 512) {
    // Credentialed CORS needs the exact origin echoed, never `*`.
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    reply.header('Vary', 'Origin');
  }
}

/** Answers a CORS preflight (`OPTIONS`). */
export function sendPreflight(reply: FastifyReply): FastifyReply {
  reply.header('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
  reply.header('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
  reply.header('Access-Control-Max-Age', '600');
  return reply.code(204).send();
}

/** Sends a JSON body (an object, or a pre-serialized string or Buffer) with RingCentral's content type. */
export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): FastifyReply {
  reply.code(status).header('content-type', JSON_CONTENT_TYPE);
  if (headers !== undefined) reply.headers(headers);
  return reply.send(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

/** Sends an {@link EmulatorHttpError} (its status, body and headers, plus `extraHeaders`). */
export function sendError(
  reply: FastifyReply,
  error: EmulatorHttpError,
  extraHeaders?: Readonly<Record<string, string>>,
): FastifyReply {
  return sendJson(reply, error.status, error.body, { ...extraHeaders, ...error.headers });
}

/** Methods answered 405 on a route that only allows `allowed`. */
export function registerMethodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !allowed.includes(m));
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  app.route({
    method: methods,
    url,
    handler: (_request: FastifyRequest, reply: FastifyReply) =>
      sendError(reply, restError(405, 'CMN-202', 'Operation is not supported', {}, { headers: { Allow: allow } })),
  });
}
