/**
 * @module rc-api/error-explanations
 * RingCentral's error codes as one-line fixes: what `npm run doctor -- --explain <code>` prints, what the doctor's
 * checks say when RingCentral refuses something, and the "How to fix" line of the app's error pages. Codes and
 * messages are RingCentral's (contract §2.6–§2.7, §5); a fix names the setting to change and where.
 * @see https://developers.ringcentral.com/guide/basics/errors
 * @see https://developers.ringcentral.com/guide/authentication/auth-code-pkce-flow
 */

/** What a code means and how to fix it. */
export interface Explanation {
  readonly code: string;
  /** RingCentral's message for it. */
  readonly meaning: string;
  /** One line: what to change, and where. */
  readonly fix: string;
}

/** Values a fix may name (none of them secret). */
export interface ExplainContext {
  /** `RC_REDIRECT_URL`. */
  readonly redirectUrl?: string;
  /** `RC_CLIENT_ID`. */
  readonly clientId?: string;
  /** The permission a 403 names (`permissionName`). */
  readonly permissionName?: string;
  /** The parameter an error names (`parameterName`), e.g. `code_verifier`. */
  readonly parameterName?: string;
  /** True when the app has no client secret (public, PKCE-only). */
  readonly publicClient?: boolean;
}

interface Entry {
  readonly meaning: string;
  readonly fix: (context: ExplainContext) => string;
}

const CONSOLE = 'the RingCentral Developer Console (console.ringcentral.com → your app)';

const ENTRIES: Readonly<Record<string, Entry>> = {
  'OAU-109': {
    meaning: 'Redirect URIs do not match',
    fix: (c) =>
      `register exactly ${c.redirectUrl === undefined ? 'RC_REDIRECT_URL' : `"${c.redirectUrl}" (RC_REDIRECT_URL)`} as an OAuth redirect URI of the app in ${CONSOLE}, Settings → Auth; it must match character for character (scheme, host, port, path)`,
  },
  'OAU-113': {
    meaning: 'No redirect uri is registered for the client',
    fix: (c) =>
      `add ${c.redirectUrl === undefined ? 'RC_REDIRECT_URL' : `"${c.redirectUrl}"`} as an OAuth redirect URI of the app in ${CONSOLE}, Settings → Auth`,
  },
  'OAU-146': {
    meaning: 'Invalid client credentials',
    fix: (c) =>
      c.publicClient === true
        ? `this app takes no client secret (a public, PKCE-only app): leave RC_CLIENT_SECRET empty`
        : `RC_CLIENT_SECRET is not this app's client secret: copy it again from ${CONSOLE}, Credentials (a public PKCE-only app takes none: leave RC_CLIENT_SECRET empty)`,
  },
  'OAU-153': {
    meaning: 'Invalid client',
    fix: (c) =>
      `RingCentral does not know the client id ${c.clientId === undefined ? '' : `"${c.clientId}" `}(RC_CLIENT_ID) on this server: copy it from ${CONSOLE}, Credentials, and check RC_SERVER_URL is the app's environment (sandbox https://platform.devtest.ringcentral.com or production https://platform.ringcentral.com)`,
  },
  'OAU-123': {
    meaning: 'Client authentication is required',
    fix: () =>
      `this app is confidential (a server-side web app): set RC_CLIENT_SECRET to its client secret from ${CONSOLE}, Credentials`,
  },
  'OAU-251': {
    meaning: 'Unauthorized for this grant type',
    fix: () =>
      `enable the "Authorization Code" (3-legged OAuth) and "Refresh Token" grant types of the app in ${CONSOLE}, Settings → Auth`,
  },
  'OAU-112': {
    meaning: 'The client is unauthorized for the required grant type',
    fix: () =>
      `enable the "Authorization Code" (3-legged OAuth) and "Refresh Token" grant types of the app in ${CONSOLE}, Settings → Auth`,
  },
  'OAU-106': {
    meaning: 'Invalid authorization code',
    fix: (c) =>
      c.parameterName === 'code_verifier'
        ? 'the PKCE code_verifier was missing or did not match the code_challenge of the login: start the login again from this app (it sends both; a proxy or a second tab must not swap the login in progress)'
        : 'the authorization code was already used or is unknown (codes are single-use): start the login again',
  },
  'OAU-108': {
    meaning: 'Authorization code is expired',
    fix: () =>
      'the authorization code expired before the app exchanged it (they live about a minute): start the login again, and check this machine’s clock and its network to RingCentral',
  },
  'OAU-110': {
    meaning: 'Authorization code was not issued for this application',
    fix: () =>
      'the code was issued to another app: RC_CLIENT_ID must be the app the user logged in to (one app per deployment)',
  },
  'OAU-210': {
    meaning: 'Token expired',
    fix: () =>
      'the refresh token expired (RingCentral keeps a login about 7 days): log in again; the app then ends the session and shows the login',
  },
  'OAU-213': {
    meaning: 'Token not found',
    fix: () =>
      'the token was revoked or replaced (a logout, a refresh by another client, a password change, or more than 5 sessions of the user): log in again',
  },
  'OAU-128': {
    meaning: 'Access token expired',
    fix: () => 'the access token expired: the app refreshes it by itself; if this persists, log in again',
  },
  'OAU-129': {
    meaning: 'Access token corrupted',
    fix: () =>
      'the access token was replaced by a refresh: the app retries with the new one; if this persists, log in again',
  },
  InsufficientPermissions: {
    meaning: 'The app or the user lacks a permission',
    fix: (c) =>
      c.permissionName === undefined
        ? `add the missing permission to the app in ${CONSOLE}, Settings → Security, then log in again`
        : `add the "${c.permissionName}" permission to the app in ${CONSOLE}, Settings → Security, then log in again so the new token carries it (for a user-level permission such as FullCompanyCallLog, an account admin grants it to the user's role instead)`,
  },
  'CMN-401': {
    meaning: 'The app or the user lacks a permission',
    fix: (c) => ENTRIES.InsufficientPermissions!.fix(c),
  },
  'CMN-408': {
    meaning: 'The user lacks a permission for the requested resource',
    fix: (c) =>
      `the user's role lacks ${c.permissionName === undefined ? 'a permission' : `"${c.permissionName}"`}: an account admin grants it (Users → Roles), or log in as a user who has it`,
  },
  'CMN-419': {
    meaning: 'Reading another extension needs an extended permission',
    fix: () =>
      'reading another extension needs ReadCallLog with extended scope: an account admin grants it to the user, or read your own extension (~)',
  },
  'CMN-301': {
    meaning: 'Request rate exceeded',
    fix: () =>
      'RingCentral’s rate limit for this user and API group was reached: wait the Retry-After seconds; the app’s governor keeps its own calls under the limit, so another client of the same user (or app) shares the budget',
  },
  invalid_client: {
    meaning: 'RingCentral did not accept the client credentials',
    fix: (c) => ENTRIES['OAU-146']!.fix(c),
  },
  unauthorized_client: {
    meaning: 'The app may not use this grant type',
    fix: (c) => ENTRIES['OAU-251']!.fix(c),
  },
};

/** The codes {@link explainCode} knows. */
export const EXPLAINED_CODES: readonly string[] = Object.keys(ENTRIES);

/** RingCentral's messages of the codes above, for errors that carry only the message (lower case). */
const BY_MESSAGE: readonly (readonly [RegExp, string])[] = [
  [/redirect uris do not match/i, 'OAU-109'],
  [/no redirect uri is registered/i, 'OAU-113'],
  [/invalid client credentials/i, 'OAU-146'],
  [/invalid client:/i, 'OAU-153'],
  [/client authentication is required/i, 'OAU-123'],
  [/unauthorized for this grant type|unauthorized for the required grant type/i, 'OAU-251'],
  [/authorization code is expired/i, 'OAU-108'],
  [/invalid authorization code/i, 'OAU-106'],
  [/not issued for this application/i, 'OAU-110'],
  [/access token expired/i, 'OAU-128'],
  [/access token corrupted/i, 'OAU-129'],
  [/token expired/i, 'OAU-210'],
  [/token not found/i, 'OAU-213'],
  [/request rate exceeded/i, 'CMN-301'],
];

/** The explanation of `code` (`OAU-109`, `InsufficientPermissions`, `invalid_client`, ...), case-insensitive. */
export function explainCode(code: string, context: ExplainContext = {}): Explanation | undefined {
  const trimmed = code.trim();
  const key = EXPLAINED_CODES.find((known) => known.toLowerCase() === trimmed.toLowerCase());
  if (key === undefined) return undefined;
  const entry = ENTRIES[key]!;
  return { code: key, meaning: entry.meaning, fix: entry.fix(context) };
}

/**
 * The explanation of an error RingCentral sent, from its codes (top-level and `errors[0]`) or, failing those, its
 * message; `undefined` when nothing fits.
 */
export function explainRingCentralError(
  error: { readonly codes?: readonly (string | undefined)[]; readonly message?: string },
  context: ExplainContext = {},
): Explanation | undefined {
  for (const code of error.codes ?? []) {
    if (code === undefined) continue;
    const found = explainCode(code, context);
    if (found !== undefined) return found;
  }
  const message = error.message ?? '';
  const match = BY_MESSAGE.find(([pattern]) => pattern.test(message));
  return match === undefined ? undefined : explainCode(match[1], context);
}
