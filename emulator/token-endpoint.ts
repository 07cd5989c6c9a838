/**
 * @module emulator/token-endpoint
 * `POST /restapi/oauth/token` for the `authorization_code` and `refresh_token` grants, as strict as
 * node-oidc-provider:
 * - form bodies only (anything else 415), duplicated keys 400 `OAU-111`;
 * - codes: unknown/reused `OAU-106` (a replay also revokes the session the code created), expired `OAU-108`,
 *   redirect mismatch `OAU-109`, other app `OAU-110`; PKCE verifier missing or wrong: 400 `invalid_grant`
 *   `OAU-106` with `parameterName: "code_verifier"` (RingCentral's code for this is unknown);
 * - refresh: rotation with the grace rules of `tokens.ts`; unknown/rotated/revoked 400 `invalid_grant` `OAU-213`;
 * - `access_token_ttl`/`refresh_token_ttl` clamped (garbage and `NaN` mean default);
 * - Auth rate-limit group counted per (app, user of the code or token), checked before a code is consumed.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 * @see ringcentral-contract.md §2
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ClientApp } from './apps.js';
import { authenticateClient } from './client-auth.js';
import { EmulatorHttpError, OAU, oauthError, rateExceeded } from './errors.js';
import { sendError, sendJson } from './http.js';
import { duplicatedKeys, hasBadEncoding, singleValue, type Params } from './params.js';
import { rateLimitHeaders } from './rate-limit.js';
import type { EmulatorState } from './state.js';
import {
  clampAccessTtl,
  clampRefreshTtl,
  verifyPkce,
  type OAuthSession,
  type TokenPair,
  type TokenTtls,
} from './tokens.js';

/** Grant types RingCentral knows but the demo apps are not enabled for (answered `unauthorized_client`). */
const KNOWN_GRANTS = new Set([
  'password',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:device_code',
  'partner_jwt',
  'guest',
  'personal_jwt',
  'otp',
  'ivr_pin',
]);

const ENDPOINT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether a request's content type is `application/x-www-form-urlencoded` (parameters allowed). */
export function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** The 415 the OAuth endpoints send for non-form bodies. */
export function unsupportedMediaType(): EmulatorHttpError {
  return oauthError(415, 'invalid_request', 'CMN-104', 'Unsupported Media Type: use application/x-www-form-urlencoded');
}

/** Rejects undecodable or duplicated parameters (RingCentral `OAU-111`). */
export function checkParams(params: Params): void {
  if (hasBadEncoding(params)) throw oauthError(400, 'invalid_request', 'CMN-104', 'Cannot parse request');
  const dup = duplicatedKeys(params)[0];
  if (dup !== undefined) throw oauthError(400, 'invalid_request', ...OAU.duplicateParameter, { parameterName: dup });
}

function param(params: Params, key: string): string | undefined {
  return singleValue(params, key).value;
}

function missing(name: string): EmulatorHttpError {
  return oauthError(400, 'invalid_request', 'CMN-101', `Parameter [${name}] value is invalid.`, {
    parameterName: name,
  });
}

/** The token response body (`TokenInfo`), keys in RingCentral's order. */
export function tokenResponse(session: OAuthSession, pair: TokenPair, now: number): Record<string, unknown> {
  return {
    access_token: pair.accessToken,
    token_type: 'bearer',
    expires_in: Math.max(0, Math.round((pair.accessExpiresAt - now) / 1000)),
    refresh_token: pair.refreshToken,
    refresh_token_expires_in: Math.max(0, Math.round((pair.refreshExpiresAt - now) / 1000)),
    scope: session.scope.join(' '),
    owner_id: String(session.extensionId),
    endpoint_id: session.endpointId,
    session_id: session.id,
  };
}

/** RFC 6749 §5.1: token responses must not be cached. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

function takeAuth(state: EmulatorState, app: ClientApp, extensionId: number): Record<string, string> {
  const decision = state.limits.take('Auth', `${app.clientId}|${extensionId}`);
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    state.stats.increment('rateLimited');
    state.stats.increment('rateLimited.Auth');
    throw rateExceeded(decision.retryAfterSeconds, headers);
  }
  return headers;
}

function requestedScope(app: ClientApp, raw: string | undefined): readonly string[] {
  if (raw === undefined) return app.permissions;
  const wanted = raw.split(/[ ,]+/).filter((s) => s.length > 0);
  if (wanted.length === 0) return app.permissions;
  if (!wanted.every((s) => app.permissions.includes(s))) {
    throw oauthError(400, 'invalid_scope', 'CMN-101', 'Parameter [scope] value is invalid.', {
      parameterName: 'scope',
    });
  }
  // Keep the app's order so the `scope` string is stable.
  return app.permissions.filter((p) => wanted.includes(p));
}

function ttlsOf(params: Params): TokenTtls {
  return {
    accessTtl: clampAccessTtl(param(params, 'access_token_ttl')),
    refreshTtl: clampRefreshTtl(param(params, 'refresh_token_ttl')),
  };
}

function exchangeCode(state: EmulatorState, app: ClientApp, params: Params, reply: FastifyReply): FastifyReply {
  const code = param(params, 'code');
  if (code === undefined) throw missing('code');
  const entry = state.tokens.findCode(code);
  if (entry === undefined) throw oauthError(400, 'invalid_grant', ...OAU.invalidCode);
  if (entry.clientId !== app.clientId) throw oauthError(400, 'invalid_grant', ...OAU.codeOtherApp);
  if (entry.used) {
    // RFC 6749 §4.1.2: a replayed code should revoke the tokens issued from it.
    if (entry.session !== undefined) state.tokens.revokeSession(entry.session);
    throw oauthError(400, 'invalid_grant', ...OAU.invalidCode);
  }
  const limitHeaders = takeAuth(state, app, entry.extensionId);
  const t = state.clock.now();
  const fail = (error: EmulatorHttpError): never => {
    state.tokens.useCode(entry);
    throw new EmulatorHttpError(error.status, error.body, { ...limitHeaders, ...error.headers });
  };
  if (t >= entry.expiresAt) fail(oauthError(400, 'invalid_grant', ...OAU.codeExpired));
  const redirectUri = param(params, 'redirect_uri');
  if (
    (entry.redirectUriInRequest && redirectUri !== entry.redirectUri) ||
    (redirectUri !== undefined && redirectUri !== entry.redirectUri)
  ) {
    fail(oauthError(400, 'invalid_grant', ...OAU.redirectMismatch, { parameterName: 'redirect_uri' }));
  }
  const verifier = param(params, 'code_verifier');
  const pkceOk =
    entry.challenge === undefined
      ? verifier === undefined
      : verifier !== undefined && verifyPkce(entry.challenge, verifier);
  if (!pkceOk) fail(oauthError(400, 'invalid_grant', ...OAU.invalidCode, { parameterName: 'code_verifier' }));
  const endpointId = param(params, 'endpoint_id');
  if (endpointId !== undefined && !ENDPOINT_ID_PATTERN.test(endpointId)) fail(missing('endpoint_id'));
  let scope: readonly string[] = app.permissions;
  try {
    scope = requestedScope(app, param(params, 'scope'));
  } catch (e) {
    fail(e as EmulatorHttpError);
  }

  const session = state.tokens.createSession({
    clientId: app.clientId,
    extensionId: entry.extensionId,
    scope,
    ttls: ttlsOf(params),
    ...(endpointId !== undefined ? { endpointId } : {}),
  });
  state.tokens.useCode(entry, session);
  return sendJson(reply, 200, tokenResponse(session, session.current, t), { ...NO_STORE, ...limitHeaders });
}

function refreshGrant(state: EmulatorState, app: ClientApp, params: Params, reply: FastifyReply): FastifyReply {
  const refreshToken = param(params, 'refresh_token');
  if (refreshToken === undefined) throw missing('refresh_token');
  const owner = state.tokens.sessionOfRefreshToken(refreshToken);
  // A token of another app is "not found" for this one.
  if (owner === undefined || owner.clientId !== app.clientId)
    throw oauthError(400, 'invalid_grant', ...OAU.tokenNotFound);
  const limitHeaders = takeAuth(state, app, owner.extensionId);
  const result = state.tokens.refresh(refreshToken, ttlsOf(params));
  if (!result.ok) {
    throw oauthError(400, 'invalid_grant', result.errorCode, result.message, {}, limitHeaders);
  }
  return sendJson(reply, 200, tokenResponse(result.session, result.pair, state.clock.now()), {
    ...NO_STORE,
    ...limitHeaders,
  });
}

/** Handles one token request whose body has been parsed (or is absent). */
export function handleTokenRequest(
  state: EmulatorState,
  request: FastifyRequest,
  params: Params,
  reply: FastifyReply,
): FastifyReply {
  try {
    if (!isFormContentType(request.headers['content-type'])) throw unsupportedMediaType();
    checkParams(params);
    const app = authenticateClient(state.apps, {
      ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}),
      ...(param(params, 'client_id') !== undefined ? { bodyClientId: param(params, 'client_id') } : {}),
      ...(param(params, 'client_secret') !== undefined ? { bodyClientSecret: param(params, 'client_secret') } : {}),
    });
    const grant = param(params, 'grant_type');
    if (grant === undefined) throw missing('grant_type');
    if (grant === 'authorization_code' || grant === 'refresh_token') {
      if (!app.grantTypes.includes(grant)) throw oauthError(400, 'unauthorized_client', ...OAU.unauthorizedGrant);
      return grant === 'authorization_code'
        ? exchangeCode(state, app, params, reply)
        : refreshGrant(state, app, params, reply);
    }
    if (KNOWN_GRANTS.has(grant)) throw oauthError(400, 'unauthorized_client', ...OAU.unauthorizedGrant);
    throw oauthError(400, 'unsupported_grant_type', 'CMN-101', 'Parameter [grant_type] value is invalid.', {
      parameterName: 'grant_type',
    });
  } catch (e) {
    if (e instanceof EmulatorHttpError) return sendError(reply, e, NO_STORE);
    throw e;
  }
}

/** The stats key for a token request's grant type (unknown values are folded into `token.other`). */
export function grantStatKey(params: Params): string {
  const grant = singleValue(params, 'grant_type').value;
  if (grant === 'authorization_code' || grant === 'refresh_token') return `token.${grant}`;
  if (grant !== undefined && KNOWN_GRANTS.has(grant)) return `token.${grant}`;
  return 'token.other';
}
