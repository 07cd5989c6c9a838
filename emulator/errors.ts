/**
 * @module emulator/errors
 * RingCentral-shaped error bodies. OAuth endpoints answer RFC 6749 §5.2 JSON (`error`, `error_description`) plus
 * RingCentral's `errors[]` with an `errorCode`; REST endpoints answer `{ errorCode, message, errors[] }` with the first
 * error repeated at the top level, as the real platform does. Descriptions are generic: they never echo a token, code,
 * verifier or secret.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 * @see ringcentral-contract.md §2.6 (OAuth errors), §5 (REST errors)
 */

/** One entry of RingCentral's `errors[]` array (`ApiErrorWithParameter` plus free-form extra fields). */
export interface ApiErrorItem {
  readonly errorCode: string;
  readonly message: string;
  readonly parameterName?: string;
  readonly parameterValue?: string;
  readonly permissionName?: string;
  readonly parameters?: readonly { readonly parameterName: string; readonly parameterValue: string }[];
}

/** The `error` values RingCentral's spec allows on OAuth endpoints (`responses.OauthInvalidRequest`). */
export type OAuthErrorType =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_response_type'
  | 'access_denied';

/** Body of an OAuth endpoint error. */
export interface OAuthErrorBody {
  readonly error: OAuthErrorType;
  readonly error_description: string;
  readonly errors: readonly ApiErrorItem[];
}

/** Body of a REST (or generic) error: the first `errors[]` entry repeated at the top level. */
export interface RestErrorBody {
  readonly errorCode: string;
  readonly message: string;
  readonly errors: readonly ApiErrorItem[];
  readonly [extra: string]: unknown;
}

/**
 * An HTTP error the emulator answers with. Route code throws or returns it; one place turns it into a reply.
 * `headers` carries e.g. `Retry-After` or `Allow`.
 */
export class EmulatorHttpError extends Error {
  readonly status: number;
  readonly body: OAuthErrorBody | RestErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: OAuthErrorBody | RestErrorBody, headers: Record<string, string> = {}) {
    super('message' in body ? String(body.message) : body.error_description);
    this.name = 'EmulatorHttpError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Builds an OAuth-endpoint error (`{ error, error_description, errors: [{ errorCode, message, ... }] }`). */
export function oauthError(
  status: number,
  error: OAuthErrorType,
  errorCode: string,
  message: string,
  extra: Omit<ApiErrorItem, 'errorCode' | 'message'> = {},
  headers: Record<string, string> = {},
): EmulatorHttpError {
  return new EmulatorHttpError(
    status,
    { error, error_description: message, errors: [{ errorCode, message, ...extra }] },
    headers,
  );
}

/** Builds a REST error (`{ errorCode, message, errors: [{ errorCode, message, ... }], ...topLevel }`). */
export function restError(
  status: number,
  errorCode: string,
  message: string,
  extra: Omit<ApiErrorItem, 'errorCode' | 'message'> = {},
  options: { topErrorCode?: string; headers?: Record<string, string> } = {},
): EmulatorHttpError {
  const item: ApiErrorItem = { errorCode, message, ...extra };
  // Real responses repeat extra fields such as permissionName at the top level (contract §5).
  const top: Record<string, unknown> = { errorCode: options.topErrorCode ?? errorCode, message, errors: [item] };
  if (extra.permissionName !== undefined) top.permissionName = extra.permissionName;
  if (extra.parameterName !== undefined) top.parameterName = extra.parameterName;
  return new EmulatorHttpError(status, top as RestErrorBody, options.headers ?? {});
}

/** `CMN-101 Parameter [name] value is invalid.` (400). */
export function invalidParameter(name: string): EmulatorHttpError {
  return restError(400, 'CMN-101', `Parameter [${name}] value is invalid.`, { parameterName: name });
}

/** `CMN-102 Resource for parameter [name] is not found` (404). */
export function resourceNotFound(name: string): EmulatorHttpError {
  return restError(404, 'CMN-102', `Resource for parameter [${name}] is not found`, { parameterName: name });
}

/** The 401 a REST call gets for a bad token: top-level `TokenInvalid`, the OAU code inside. */
export function tokenInvalid(errorCode: string, message: string): EmulatorHttpError {
  return restError(401, errorCode, message, {}, { topErrorCode: 'TokenInvalid' });
}

/** Messages of the OAU codes the emulator sends, from RingCentral's `errors.md` and real samples (contract §2.7). */
export const OAU = {
  invalidCode: ['OAU-106', 'Invalid authorization code'],
  codeExpired: ['OAU-108', 'Authorization code is expired'],
  redirectMismatch: ['OAU-109', 'Redirect URIs do not match'],
  codeOtherApp: ['OAU-110', 'Authorization code was not issued for this application'],
  duplicateParameter: ['OAU-111', 'Request parameter duplication detected'],
  noRedirectUri: ['OAU-113', 'No redirect uri is registered for the client'],
  clientAuthRequired: ['OAU-123', 'Client authentication is required'],
  accessTokenExpired: ['OAU-128', 'Access token expired'],
  accessTokenCorrupted: ['OAU-129', 'Access token corrupted'],
  invalidClientCredentials: ['OAU-146', 'Invalid client credentials'],
  unparsableToken: ['OAU-149', 'Unparsable access token'],
  queryBodyMismatch: [
    'OAU-150',
    'The value of query parameter [token] should be equal to parameter [token] in request body',
  ],
  authMethodNotSupported: ['OAU-151', 'Authorization method not supported'],
  invalidClient: ['OAU-153', 'Invalid client: '],
  tokenOfOtherClient: ['OAU-164', 'Invalid client application'],
  tokenExpired: ['OAU-210', 'Token expired'],
  tokenNotFound: ['OAU-213', 'Token not found'],
  unauthorizedGrant: ['OAU-251', 'Unauthorized for this grant type'],
} as const satisfies Record<string, readonly [string, string]>;

/** 429 body and headers (`CMN-301 Request rate exceeded`, `Retry-After` in seconds). */
export function rateExceeded(retryAfterSeconds: number, headers: Record<string, string> = {}): EmulatorHttpError {
  return restError(
    429,
    'CMN-301',
    'Request rate exceeded',
    {},
    {
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
    },
  );
}

/** A generic error for a status with no more specific body (used by fault injection and the error handler). */
export function genericError(status: number): EmulatorHttpError {
  if (status === 429) return rateExceeded(60);
  if (status === 401) return tokenInvalid(...OAU.tokenNotFound);
  if (status === 404) return restError(404, 'AGW-404', 'Resource not found');
  if (status === 413) return restError(413, 'CMN-104', 'Request entity is too large');
  if (status === 414) return restError(414, 'CMN-104', 'Request URI is too long');
  if (status === 415) return restError(415, 'CMN-104', 'Unsupported Media Type');
  if (status === 501) return restError(501, 'CMN-202', 'Operation is not supported');
  if (status === 503 || status === 502 || status === 504) {
    return restError(status, 'CMN-201', 'Service Temporary Unavailable');
  }
  if (status >= 500) return restError(status, 'CMN-203', 'Internal Server Error');
  return restError(status, 'CMN-104', 'Cannot parse request');
}

/** The same status as an OAuth-shaped error (fault injection on token/revoke/authorize). */
export function genericOAuthError(status: number): EmulatorHttpError {
  if (status === 400) return oauthError(400, 'invalid_request', 'CMN-104', 'Cannot parse request');
  if (status === 401) return oauthError(401, 'invalid_client', ...OAU.invalidClientCredentials);
  return genericError(status);
}
