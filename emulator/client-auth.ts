/**
 * @module emulator/client-auth
 * Client authentication for the token and revoke endpoints (contract §2.1):
 * - confidential app: `Authorization: Basic base64(client_id:client_secret)` is required (`client_secret_post` is not
 *   supported, as on RingCentral); missing ⇒ 401 `OAU-123`, wrong secret ⇒ 401 `OAU-146`;
 * - public app: `client_id` in the body; any `Authorization: Basic` from a public app is refused: with a secret ⇒
 *   401 `OAU-146`, secret-less `base64(client_id:)` ⇒ 401 `OAU-153` (RingCentral answered "Invalid client id" to
 *   exactly that, ringcentral-js#182);
 * - unknown client id ⇒ 401 `OAU-153 Invalid client: <id>`.
 * Secrets are compared in constant time and never echoed.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { AppRegistry, ClientApp } from './apps.js';
import { OAU, oauthError, type EmulatorHttpError } from './errors.js';

function invalidClient(clientId: string): EmulatorHttpError {
  const shown = clientId.slice(0, 128);
  return oauthError(401, 'invalid_client', OAU.invalidClient[0], `${OAU.invalidClient[1]}${shown}`, {
    parameters: [{ parameterName: 'client_id', parameterValue: shown }],
  });
}

const clientAuthRequired = (): EmulatorHttpError => oauthError(401, 'invalid_client', ...OAU.clientAuthRequired);
const badCredentials = (): EmulatorHttpError => oauthError(401, 'invalid_client', ...OAU.invalidClientCredentials);

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Parses `Basic <base64>` into id and secret; `undefined` when the header is not valid Basic. RFC 6749 §2.3.1 says
 * both are form-urlencoded before base64, but RingCentral's SDK sends them raw, so both readings are kept.
 */
export function parseBasicAuth(
  header: string,
): { id: string; secret: string; rawId: string; rawSecret: string } | undefined {
  const match = /^basic[ ]+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  if (decoded.length === 0) return undefined;
  const colon = decoded.indexOf(':');
  const rawId = colon === -1 ? decoded : decoded.slice(0, colon);
  const rawSecret = colon === -1 ? '' : decoded.slice(colon + 1);
  return { id: formDecode(rawId), secret: formDecode(rawSecret), rawId, rawSecret };
}

/** Inputs of {@link authenticateClient}. */
export interface ClientCredentials {
  readonly authorization?: string;
  readonly bodyClientId?: string;
  readonly bodyClientSecret?: string;
}

/** Authenticates the calling client or throws the RingCentral-shaped 401. */
export function authenticateClient(apps: AppRegistry, creds: ClientCredentials): ClientApp {
  const { authorization, bodyClientId, bodyClientSecret } = creds;
  if (authorization !== undefined && authorization.length > 0) {
    if (!/^basic\b/i.test(authorization)) {
      throw oauthError(401, 'invalid_client', ...OAU.authMethodNotSupported);
    }
    const basic = parseBasicAuth(authorization);
    if (basic === undefined) {
      throw oauthError(401, 'invalid_client', OAU.clientAuthRequired[0], 'Invalid Authorization header value');
    }
    const app = apps.get(basic.rawId) ?? apps.get(basic.id);
    if (app === undefined) throw invalidClient(basic.rawId);
    if (!app.confidential) {
      throw basic.rawSecret.length === 0 ? invalidClient(basic.rawId) : badCredentials();
    }
    const expected = app.clientSecret ?? '';
    // Evaluate both comparisons so timing does not depend on which reading matched.
    const rawOk = sameSecret(basic.rawSecret, expected);
    const decodedOk = sameSecret(basic.secret, expected);
    if (!rawOk && !decodedOk) throw badCredentials();
    if (bodyClientId !== undefined && bodyClientId !== app.clientId) throw badCredentials();
    return app;
  }
  if (bodyClientId === undefined) throw clientAuthRequired();
  const app = apps.get(bodyClientId);
  if (app === undefined) throw invalidClient(bodyClientId);
  if (app.confidential) throw clientAuthRequired();
  if (bodyClientSecret !== undefined) throw badCredentials();
  return app;
}
