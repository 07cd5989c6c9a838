/**
 * @module emulator/revoke-endpoint
 * `POST /restapi/oauth/revoke`: `token` (access or refresh) in the body or the query; the same client
 * authentication as the token endpoint; ends the whole OAuth session; 200 with an empty body. Unknown tokens also
 * get 200 (RFC 7009 §2.2). A token of another app is refused (400 `unauthorized_client` `OAU-164`).
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7009
 * @see ringcentral-contract.md §3
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { authenticateClient } from './client-auth.js';
import { EmulatorHttpError, OAU, oauthError, rateExceeded } from './errors.js';
import { sendError } from './http.js';
import { singleValue, type Params } from './params.js';
import { rateLimitHeaders } from './rate-limit.js';
import type { EmulatorState } from './state.js';
import { checkParams, isFormContentType, unsupportedMediaType } from './token-endpoint.js';

/** Handles one revoke request. `body` is undefined when the request had none. */
export function handleRevokeRequest(
  state: EmulatorState,
  request: FastifyRequest,
  body: Params | undefined,
  query: Params,
  reply: FastifyReply,
): FastifyReply {
  try {
    if (body !== undefined && !isFormContentType(request.headers['content-type'])) throw unsupportedMediaType();
    const params = body ?? (Object.create(null) as Params);
    checkParams(params);
    checkParams(query);
    const bodyClientId = singleValue(params, 'client_id').value;
    const app = authenticateClient(state.apps, {
      ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}),
      ...(bodyClientId !== undefined ? { bodyClientId } : {}),
    });
    const inBody = singleValue(params, 'token').value;
    const inQuery = singleValue(query, 'token').value;
    if (inBody !== undefined && inQuery !== undefined && inBody !== inQuery) {
      throw oauthError(400, 'invalid_request', ...OAU.queryBodyMismatch, { parameterName: 'token' });
    }
    const token = inBody ?? inQuery;
    if (token === undefined) {
      throw oauthError(400, 'invalid_request', 'CMN-101', 'Parameter [token] value is invalid.', {
        parameterName: 'token',
      });
    }
    const session = state.tokens.sessionOfToken(token);
    if (session === undefined) return reply.code(200).header('Cache-Control', 'no-store').send();
    if (session.clientId !== app.clientId) throw oauthError(400, 'unauthorized_client', ...OAU.tokenOfOtherClient);
    const decision = state.limits.take('Auth', `${app.clientId}|${session.extensionId}`);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      state.stats.increment('rateLimited');
      state.stats.increment('rateLimited.Auth');
      throw rateExceeded(decision.retryAfterSeconds, headers);
    }
    state.tokens.revokeSession(session);
    return reply.code(200).headers(headers).header('Cache-Control', 'no-store').send();
  } catch (e) {
    if (e instanceof EmulatorHttpError) return sendError(reply, e);
    throw e;
  }
}
