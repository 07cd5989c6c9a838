/**
 * @module oauth/types
 * RingCentral's token response as it is on the wire (snake_case) and the one boundary where it becomes the
 * app's camelCase {@link TokenSet} with absolute expiry times.
 * @see https://developers.ringcentral.com/api-reference/Get-Token (TokenInfo)
 */

/** RingCentral tokens of a logged-in user, with absolute expiry times (ms since epoch). */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly tokenType: string;
  readonly scope: string;
  /** RingCentral extension id of the user (`owner_id`, a string on the wire). */
  readonly ownerId: string;
  readonly endpointId?: string;
  /** RingCentral's OAuth session id (`session_id`). */
  readonly rcSessionId?: string;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt?: number;
}

/** `POST /restapi/oauth/token` 200 body (SPEC `TokenInfo`). `owner_id` is a string on the wire. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly refresh_token_expires_in?: number;
  readonly scope?: string;
  readonly owner_id?: string | number;
  readonly endpoint_id?: string;
  readonly session_id?: string;
}

/** What the OAuth functions need to talk to RingCentral. Built once at start, shared read-only by all requests. */
export interface OAuthClientOptions {
  /** Back-channel RingCentral origin for token and revoke calls, e.g. `https://platform.ringcentral.com`. */
  readonly serverUrl: string;
  /** Front-channel origin for the browser's authorize URL; defaults to `serverUrl`. */
  readonly authorizeBaseUrl?: string;
  readonly clientId: string;
  /** `undefined`: public client (PKCE only, `client_id` in the body). */
  readonly clientSecret: string | undefined;
  readonly redirectUri: string;
  /** Allow plain-http RingCentral URLs (loopback emulator or `ALLOW_INSECURE_HTTP`). */
  readonly allowInsecureRequests: boolean;
  /** Bound for each token/revoke call (`UPSTREAM_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** RingCentral's access tokens default to 1 hour when `expires_in` is absent (contract §2.4). */
const DEFAULT_ACCESS_TTL_SECONDS = 3600;

/** Converts the wire response into a {@link TokenSet} with absolute expiry times (ms since epoch). */
export function toTokenSet(wire: TokenResponse, now: number): TokenSet {
  const expiresIn =
    typeof wire.expires_in === 'number' && Number.isFinite(wire.expires_in)
      ? wire.expires_in
      : DEFAULT_ACCESS_TTL_SECONDS;
  const refreshExpiresIn =
    typeof wire.refresh_token_expires_in === 'number' && Number.isFinite(wire.refresh_token_expires_in)
      ? wire.refresh_token_expires_in
      : undefined;
  return {
    accessToken: wire.access_token,
    tokenType: wire.token_type,
    scope: typeof wire.scope === 'string' ? wire.scope : '',
    ownerId: wire.owner_id === undefined ? '' : String(wire.owner_id),
    accessExpiresAt: now + expiresIn * 1000,
    ...(typeof wire.refresh_token === 'string' ? { refreshToken: wire.refresh_token } : {}),
    ...(refreshExpiresIn === undefined ? {} : { refreshExpiresAt: now + refreshExpiresIn * 1000 }),
    ...(typeof wire.endpoint_id === 'string' ? { endpointId: wire.endpoint_id } : {}),
    ...(typeof wire.session_id === 'string' ? { rcSessionId: wire.session_id } : {}),
  };
}
