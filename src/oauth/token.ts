/**
 * @module oauth/token
 * The three token-endpoint operations, each a request plus oauth4webapi's response validation: the code
 * exchange (with the PKCE verifier), the refresh, and the revocation. RingCentral's error bodies
 * (`error`, `error_description`, `errors[].errorCode`) become {@link TokenEndpointError}; transport failures
 * become typed upstream errors. Each takes an optional observer that sees RingCentral's answer (status and
 * headers: rate limits, `Retry-After`) before it is validated. Nothing here logs, and no error message carries a
 * token, code or verifier.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc7009
 * @see https://developers.ringcentral.com/guide/authentication/refresh-tokens
 */
import * as oauth from 'oauth4webapi';
import { AppError, RCAPP_UPSTREAM_ERROR, TokenEndpointError, UpstreamError } from '../errors.js';
import { classifyTransportError, errorForStatus } from '../rc-api/upstream-errors.js';
import { requestOptions, type AnswerObserver, type OAuthClient } from './client.js';
import { toTokenSet, type TokenSet } from './types.js';

interface RingCentralErrorBody {
  error?: unknown;
  error_description?: unknown;
  errors?: unknown;
}

function rcErrorCodeOf(body: RingCentralErrorBody | undefined): string | undefined {
  const errors = body?.errors;
  if (!Array.isArray(errors)) return undefined;
  const first: unknown = errors[0];
  if (first !== null && typeof first === 'object' && typeof (first as { errorCode?: unknown }).errorCode === 'string') {
    return (first as { errorCode: string }).errorCode;
  }
  return undefined;
}

async function readErrorBody(response: Response): Promise<RingCentralErrorBody | undefined> {
  try {
    const body: unknown = await response.json();
    return body !== null && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** Maps whatever a token/revoke call threw to the app's errors. Never returns. */
async function rethrow(client: OAuthClient, err: unknown): Promise<never> {
  if (err instanceof oauth.ResponseBodyError) {
    const body = err.cause as RingCentralErrorBody;
    throw new TokenEndpointError({
      error: err.error,
      description: err.error_description,
      rcErrorCode: rcErrorCodeOf(body),
      upstreamStatus: err.status,
    });
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const body = await readErrorBody(err.response);
    throw new TokenEndpointError({
      error: typeof body?.error === 'string' ? body.error : 'invalid_client',
      description: typeof body?.error_description === 'string' ? body.error_description : undefined,
      rcErrorCode: rcErrorCodeOf(body),
      upstreamStatus: err.status,
    });
  }
  if (err instanceof oauth.OperationProcessingError) {
    if (err.cause instanceof Response) {
      await err.cause.body?.cancel().catch(() => undefined);
      throw errorForStatus(err.cause.status, err.cause.headers.get('retry-after'), client.now());
    }
    // The library's cause may hold the response body (tokens): it is not attached.
    throw new UpstreamError(RCAPP_UPSTREAM_ERROR, `RingCentral sent an unexpected response (${err.message})`);
  }
  const transport = classifyTransportError(err, client.timeoutMs);
  if (transport) throw transport;
  throw err;
}

async function processTokenResponse(
  client: OAuthClient,
  response: Response,
  grant: 'authorization_code' | 'refresh_token',
): Promise<TokenSet> {
  const json =
    grant === 'authorization_code'
      ? await oauth.processAuthorizationCodeResponse(client.as, client.client, response)
      : await oauth.processRefreshTokenResponse(client.as, client.client, response);
  return toTokenSet(json, client.now());
}

/**
 * Exchanges the authorization code (from the validated callback) and the PKCE verifier for tokens.
 * @throws {TokenEndpointError} RingCentral refused (e.g. `invalid_grant` OAU-106 code already used)
 * @throws {UpstreamError} RingCentral unreachable, timed out, or 5xx
 */
export async function exchangeCode(
  client: OAuthClient,
  callbackParams: URLSearchParams,
  codeVerifier: string,
  observe?: AnswerObserver,
): Promise<TokenSet> {
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      client.as,
      client.client,
      client.clientAuth,
      callbackParams,
      client.redirectUri,
      codeVerifier,
      requestOptions(client, observe),
    );
    return await processTokenResponse(client, response, 'authorization_code');
  } catch (err) {
    if (err instanceof AppError) throw err;
    return rethrow(client, err);
  }
}

/**
 * Exchanges a refresh token for a new pair. RingCentral rotates both tokens: the old access token dies at once
 * and the old refresh token soon after, so the caller must store the result.
 * @throws {TokenEndpointError} `invalid_grant` (OAU-213 token not found, OAU-210 expired): the login is over
 * @throws {UpstreamError} RingCentral unreachable, timed out, or 5xx
 */
export async function refreshTokens(
  client: OAuthClient,
  refreshToken: string,
  observe?: AnswerObserver,
): Promise<TokenSet> {
  try {
    const response = await oauth.refreshTokenGrantRequest(
      client.as,
      client.client,
      client.clientAuth,
      refreshToken,
      requestOptions(client, observe),
    );
    return await processTokenResponse(client, response, 'refresh_token');
  } catch (err) {
    if (err instanceof AppError) throw err;
    return rethrow(client, err);
  }
}

/**
 * Revokes a token; RingCentral then ends the whole OAuth session (access and refresh tokens).
 * @throws {TokenEndpointError} or {UpstreamError}; RingCentral advises callers to ignore revoke failures.
 */
export async function revokeToken(client: OAuthClient, token: string, observe?: AnswerObserver): Promise<void> {
  try {
    const response = await oauth.revocationRequest(
      client.as,
      client.client,
      client.clientAuth,
      token,
      requestOptions(client, observe),
    );
    await oauth.processRevocationResponse(response);
    await response.body?.cancel().catch(() => undefined);
  } catch (err) {
    if (err instanceof AppError) throw err;
    return rethrow(client, err);
  }
}
