/**
 * @module oauth/client
 * The RingCentral OAuth client description for oauth4webapi: static authorization-server metadata (RingCentral
 * publishes fixed paths, no discovery needed), the client, and its authentication method (Basic for a
 * confidential app, `client_id` in the body for a public one). Built once at start; holds no per-user state.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import * as oauth from 'oauth4webapi';
import type { OAuthClientOptions } from './types.js';

/** The resolved, read-only OAuth client. Pass it to `exchangeCode`, `refreshTokens`, `revokeToken`. */
export interface OAuthClient {
  readonly serverUrl: string;
  readonly authorizeBaseUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly isPublic: boolean;
  readonly timeoutMs: number;
  readonly allowInsecureRequests: boolean;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
}

/**
 * HTTP Basic with `base64(client_id:client_secret)` as RingCentral's own SDK sends it. oauth4webapi's
 * `ClientSecretBasic` form-urlencodes both parts first (RFC 6749 §2.3.1), which changes any secret containing
 * `-`, `_`, `.` or `~`; RingCentral documents and its SDK uses the plain form.
 * @see https://developers.ringcentral.com/guide/authentication/auth-code-flow
 */
function rawClientSecretBasic(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`);
  };
}

/** Builds the client from plain options (no environment access). */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const serverUrl = new URL(options.serverUrl).origin;
  const as: oauth.AuthorizationServer = {
    issuer: serverUrl,
    authorization_endpoint: `${serverUrl}/restapi/oauth/authorize`,
    token_endpoint: `${serverUrl}/restapi/oauth/token`,
    revocation_endpoint: `${serverUrl}/restapi/oauth/revoke`,
  };
  const secret = options.clientSecret === '' ? undefined : options.clientSecret;
  return Object.freeze({
    serverUrl,
    authorizeBaseUrl: new URL(options.authorizeBaseUrl ?? serverUrl).origin,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
    isPublic: secret === undefined,
    timeoutMs: options.timeoutMs,
    allowInsecureRequests: options.allowInsecureRequests,
    fetch: options.fetch ?? fetch,
    now: options.now ?? Date.now,
    as,
    client: { client_id: options.clientId },
    // RingCentral: Basic only when the app has a secret; a public app sends client_id in the body
    // (a secret-less Basic header is rejected, ringcentral-js#182).
    clientAuth: secret === undefined ? oauth.None() : rawClientSecretBasic(secret),
  });
}

/** Sees RingCentral's HTTP answer to a token or revoke call (its body is left to the validation). */
export type AnswerObserver = (response: Response) => void;

/**
 * oauth4webapi request options: injected fetch (through `observe` when given), http allowed only when configured,
 * bounded time.
 */
export function requestOptions(
  client: OAuthClient,
  observe?: AnswerObserver,
): oauth.TokenEndpointRequestOptions & oauth.RevocationRequestOptions {
  const send = client.fetch;
  return {
    [oauth.customFetch]:
      observe === undefined
        ? send
        : async (...args: Parameters<typeof fetch>) => {
            const response = await send(...args);
            observe(response);
            return response;
          },
    [oauth.allowInsecureRequests]: client.allowInsecureRequests,
    signal: () => AbortSignal.timeout(client.timeoutMs),
  };
}
