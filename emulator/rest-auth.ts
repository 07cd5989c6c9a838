/**
 * @module emulator/rest-auth
 * Bearer authentication for REST calls. The scheme is case-insensitive (the SDK sends `bearer <token>` with the
 * server's lower-case `token_type`); the `access_token` query parameter is also accepted, as on RingCentral.
 * Failures are RingCentral's 401 shapes: `TokenInvalid` with `OAU-149` (unparsable), `OAU-213` (not found, revoked,
 * rotated more than ~10 s ago), `OAU-129` (just rotated), `OAU-128` (expired); `AGW-402` without credentials;
 * `OAU-151` for another scheme.
 *
 * @see ringcentral-contract.md §5
 */
import { OAU, restError, tokenInvalid, type EmulatorHttpError } from './errors.js';
import { singleValue, type Params } from './params.js';
import type { OAuthSession, TokenStore } from './tokens.js';

/** Longest Authorization header value looked at. */
const MAX_AUTH_HEADER = 4096;

/** The session of the request's access token, or the 401 to send. */
export function authenticateBearer(
  tokens: TokenStore,
  authorization: string | undefined,
  query: Params,
): OAuthSession | EmulatorHttpError {
  let token: string | undefined;
  if (authorization === undefined || authorization.length === 0) {
    token = singleValue(query, 'access_token').value;
    if (token === undefined) return restError(401, 'AGW-402', 'Invalid Authorization header');
  } else {
    if (authorization.length > MAX_AUTH_HEADER) return tokenInvalid(...OAU.unparsableToken);
    const space = authorization.indexOf(' ');
    const scheme = space === -1 ? authorization : authorization.slice(0, space);
    if (scheme.toLowerCase() !== 'bearer') return restError(401, ...OAU.authMethodNotSupported);
    token = space === -1 ? '' : authorization.slice(space + 1).trim();
  }
  if (token.length === 0) return tokenInvalid(...OAU.unparsableToken);
  const check = tokens.checkAccessToken(token);
  return check.ok ? check.session : tokenInvalid(check.errorCode, check.message);
}
