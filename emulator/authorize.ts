/**
 * @module emulator/authorize
 * `GET`/`POST /restapi/oauth/authorize`: validates the authorization request, shows the sign-in page, and on
 * sign-in redirects back with a single-use code bound to client, redirect URI and PKCE challenge.
 *
 * Errors that must not be redirected (missing/unknown `client_id`, unregistered `redirect_uri`, duplicated or
 * undecodable parameters) get a 400 JSON body; all later errors go back to the client as RFC 6749 §4.1.2.1 redirects
 * (`error`, `error_description`, `state`). Empty parameters (`state=`, `brand_id=`: the SDK sends them) count as
 * absent; unknown ones (`ui_options`, `localeId`, `discovery`, `response_hint`, ...) are ignored. The emulator keeps
 * no browser login session, so every request shows the sign-in form and `prompt=none` answers `login_required`.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.3
 * @see ringcentral-contract.md §1
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { FastifyReply } from 'fastify';

import type { ClientApp } from './apps.js';
import { DEMO } from './demo.js';
import { OAU, oauthError, type EmulatorHttpError } from './errors.js';
import { sendError } from './http.js';
import { renderLoginPage } from './login-page.js';
import { duplicatedKeys, hasBadEncoding, singleValue, type Params } from './params.js';
import type { EmulatorState } from './state.js';
import { CODE_TTL_SECONDS, isValidPkceValue, type PkceChallenge } from './tokens.js';

/** Parameters the SDK may legitimately repeat (`objectToUrlParams` writes arrays as repeated keys). */
const REPEATABLE = new Set(['response_hint', 'ui_options', 'login_hint', 'ui_locales']);

/** A validated authorization request. */
export interface AuthorizeRequest {
  readonly app: ClientApp;
  readonly redirectUri: string;
  /** Whether `redirect_uri` was in the request (then the token request must repeat it, RFC 6749 §4.1.3). */
  readonly redirectUriInRequest: boolean;
  readonly state?: string;
  readonly challenge?: PkceChallenge;
  /** The request as hidden form fields, for the sign-in page. */
  readonly hidden: Readonly<Record<string, string>>;
}

type Validation =
  { ok: true; request: AuthorizeRequest } | { ok: false; error: EmulatorHttpError } | { ok: false; redirect: string };

/** Appends `params` to a redirect URI (keeping any query it already has). */
export function buildRedirect(redirectUri: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.append(k, v);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query.toString()}`;
}

function errorRedirect(redirectUri: string, error: string, description: string, state: string | undefined): string {
  return buildRedirect(redirectUri, { error, error_description: description, state });
}

/** Validates an authorization request given as query or form parameters. */
export function validateAuthorizeRequest(state: EmulatorState, params: Params): Validation {
  if (hasBadEncoding(params)) {
    return { ok: false, error: oauthError(400, 'invalid_request', 'CMN-104', 'Cannot parse request') };
  }
  const dup = duplicatedKeys(params, REPEATABLE)[0];
  if (dup !== undefined) {
    return { ok: false, error: oauthError(400, 'invalid_request', ...OAU.duplicateParameter, { parameterName: dup }) };
  }
  const get = (key: string): string | undefined => singleValue(params, key).value;

  const clientId = get('client_id') ?? '';
  const app = state.apps.get(clientId);
  if (app === undefined) {
    const shown = clientId.slice(0, 128);
    return {
      ok: false,
      error: oauthError(400, 'invalid_client', OAU.invalidClient[0], `${OAU.invalidClient[1]}${shown}`, {
        parameters: [{ parameterName: 'client_id', parameterValue: shown }],
      }),
    };
  }

  const registered = [...app.redirectUris];
  const requested = get('redirect_uri');
  let redirectUri: string;
  if (requested === undefined) {
    // SPEC: redirect_uri may be omitted only when exactly one URI is registered.
    if (registered.length === 0) return { ok: false, error: oauthError(400, 'invalid_request', ...OAU.noRedirectUri) };
    if (registered.length > 1 || registered[0] === undefined) {
      return {
        ok: false,
        error: oauthError(400, 'invalid_request', 'CMN-101', 'Parameter [redirect_uri] value is invalid.', {
          parameterName: 'redirect_uri',
        }),
      };
    }
    redirectUri = registered[0];
  } else if (app.redirectUris.has(requested)) {
    redirectUri = requested;
  } else {
    return {
      ok: false,
      error: oauthError(400, 'invalid_request', ...OAU.redirectMismatch, { parameterName: 'redirect_uri' }),
    };
  }

  // From here on the redirect URI is trusted: errors go back to the client.
  const stateParam = get('state');
  const fail = (error: string, description: string): Validation => ({
    ok: false,
    redirect: errorRedirect(redirectUri, error, description, stateParam),
  });

  const responseType = get('response_type');
  if (responseType === undefined) return fail('invalid_request', 'Parameter [response_type] is required');
  if (responseType !== 'code') {
    return fail('unsupported_response_type', 'Only response_type=code is supported');
  }

  const challengeValue = get('code_challenge');
  const method = get('code_challenge_method');
  let challenge: PkceChallenge | undefined;
  if (challengeValue !== undefined) {
    if (method !== undefined && method !== 'plain' && method !== 'S256') {
      return fail('invalid_request', 'Parameter [code_challenge_method] value is invalid');
    }
    if (!isValidPkceValue(challengeValue))
      return fail('invalid_request', 'Parameter [code_challenge] value is invalid');
    // RingCentral (like RFC 7636 §4.3) assumes `plain` when the method is omitted.
    challenge = { value: challengeValue, method: method ?? 'plain' };
  } else if (method !== undefined) {
    return fail('invalid_request', 'Parameter [code_challenge] is required with [code_challenge_method]');
  }
  if (!app.confidential && challenge === undefined) {
    return fail('invalid_request', 'Parameter [code_challenge] is required for this application');
  }

  const prompt = get('prompt');
  if (prompt !== undefined && prompt.split(' ').includes('none')) {
    return fail('login_required', 'User authentication is required');
  }

  const hidden: Record<string, string> = { response_type: 'code', client_id: app.clientId };
  if (requested !== undefined) hidden.redirect_uri = requested;
  for (const key of ['state', 'code_challenge', 'code_challenge_method', 'scope', 'brand_id', 'nonce', 'ui_locales']) {
    const v = get(key);
    if (v !== undefined) hidden[key] = v;
  }

  return {
    ok: true,
    request: {
      app,
      redirectUri,
      redirectUriInRequest: requested !== undefined,
      ...(stateParam !== undefined ? { state: stateParam } : {}),
      ...(challenge !== undefined ? { challenge } : {}),
      hidden,
    },
  };
}

const DEMO_USER_HINTS = [
  { username: DEMO.admin.username, password: DEMO.admin.password, note: 'admin, FullCompanyCallLog' },
  { username: 'user1@example.com ... user9@example.com', password: 'Passw0rd!user', note: 'users' },
];

function sendPage(
  reply: FastifyReply,
  status: number,
  request: AuthorizeRequest,
  extra: { username?: string; error?: string } = {},
): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const formTargets = `'self' ${new URL(request.redirectUri).origin}`;
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('X-Frame-Options', 'DENY')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    // form-action must include the client's origin: browsers check the redirect that follows the form post.
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`,
    );
  return reply.send(
    renderLoginPage({
      appName: request.app.name,
      permissions: request.app.permissions,
      hidden: request.hidden,
      nonce,
      demoUsers: DEMO_USER_HINTS,
      ...extra,
    }),
  );
}

function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(302).header('Cache-Control', 'no-store').header('Location', location).send();
}

function samePassword(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Handles `GET /restapi/oauth/authorize` and the `authorize2` POST variant (request in the form body). */
export function showAuthorizePage(state: EmulatorState, params: Params, reply: FastifyReply): FastifyReply {
  const v = validateAuthorizeRequest(state, params);
  if (!v.ok) return 'error' in v ? sendError(reply, v.error) : redirect(reply, v.redirect);
  return sendPage(reply, 200, v.request);
}

/** Whether a POST to the authorize endpoint is the sign-in form (rather than an `authorize2` request). */
export function isSignInSubmission(params: Params): boolean {
  return 'username' in params || 'password' in params || 'action' in params;
}

/**
 * Handles the sign-in form post: Cancel ⇒ `access_denied` redirect; wrong credentials ⇒ the page again with an
 * error (HTTP 401); success ⇒ 302 to `redirect_uri?code=...&state=...&expires_in=60`.
 */
export function handleSignIn(state: EmulatorState, params: Params, reply: FastifyReply): FastifyReply {
  const v = validateAuthorizeRequest(state, params);
  if (!v.ok) return 'error' in v ? sendError(reply, v.error) : redirect(reply, v.redirect);
  const request = v.request;
  const action = singleValue(params, 'action').value ?? 'signin';
  if (action === 'cancel') {
    state.stats.increment('authorize.denied');
    return redirect(
      reply,
      errorRedirect(request.redirectUri, 'access_denied', 'The user denied the authorization request', request.state),
    );
  }
  if (action !== 'signin') {
    return sendPage(reply, 400, request, { error: 'Unknown action. Use Sign in or Cancel.' });
  }
  state.stats.increment('authorize.login');
  const username = (singleValue(params, 'username').value ?? '').trim();
  const password = singleValue(params, 'password').value ?? '';
  const ext = state.data.userByUsername.get(username.toLowerCase());
  const user = ext?.user;
  if (ext === undefined || user === undefined || !samePassword(password, user.password) || ext.status !== 'Enabled') {
    return sendPage(reply, 401, request, {
      username: username.slice(0, 254),
      error: 'Invalid username or password. Please try again.',
    });
  }
  const code = state.tokens.issueCode({
    clientId: request.app.clientId,
    redirectUri: request.redirectUri,
    redirectUriInRequest: request.redirectUriInRequest,
    extensionId: ext.id,
    ...(request.challenge !== undefined ? { challenge: request.challenge } : {}),
  });
  state.stats.increment('authorize.code');
  return redirect(
    reply,
    buildRedirect(request.redirectUri, {
      code: code.code,
      state: request.state,
      expires_in: String(CODE_TTL_SECONDS),
    }),
  );
}
