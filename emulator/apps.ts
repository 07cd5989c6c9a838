/**
 * @module emulator/apps
 * The registered client applications: the confidential demo app (client secret, Basic auth) and the public demo app
 * (no secret, PKCE, `client_id` in the body). Both share one redirect-URI list; matching is exact string equality.
 * Redirect URIs registered at start or run time are configuration: `reset` keeps them.
 */
import { DEMO } from './demo.js';

/** A registered OAuth client. */
export interface ClientApp {
  readonly clientId: string;
  /** Absent for a public client. */
  readonly clientSecret?: string;
  readonly name: string;
  readonly confidential: boolean;
  /** App permissions = the scopes every token of this app gets (unless the token request narrows them). */
  readonly permissions: readonly string[];
  readonly grantTypes: readonly string[];
  readonly redirectUris: ReadonlySet<string>;
}

/** Client lookup and redirect-URI registration. */
export interface AppRegistry {
  get(clientId: string): ClientApp | undefined;
  all(): readonly ClientApp[];
  /** Adds an exact redirect URI to both demo apps. Throws `RangeError` for a URI that is not absolute http(s). */
  registerRedirectUri(uri: string): void;
  redirectUris(): readonly string[];
}

/** Longest redirect URI accepted for registration. */
const MAX_REDIRECT_URI_LENGTH = 2000;
/** Most redirect URIs one emulator keeps (bounds memory on a misbehaving caller). */
export const MAX_REDIRECT_URIS = 1000;

/** Checks that `uri` can be registered as a redirect URI (absolute http/https, no fragment, no credentials). */
export function validateRedirectUri(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) {
    return `"uri" must be a string of 1..${MAX_REDIRECT_URI_LENGTH} characters`;
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return '"uri" must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '"uri" must use http or https';
  if (url.hash !== '' || uri.includes('#')) return '"uri" must not have a fragment (RFC 6749 §3.1.2)';
  if (url.username !== '' || url.password !== '') return '"uri" must not carry credentials';
  return undefined;
}

/** Creates the registry of the two demo apps with `extraRedirectUris` added. */
export function createAppRegistry(extraRedirectUris: readonly string[] = []): AppRegistry {
  const uris = new Set<string>([DEMO.redirectUri]);
  const grantTypes = ['authorization_code', 'refresh_token'] as const;
  const apps: ClientApp[] = [
    {
      clientId: DEMO.apps.confidential.clientId,
      clientSecret: DEMO.apps.confidential.clientSecret,
      name: DEMO.apps.confidential.name,
      confidential: true,
      permissions: DEMO.apps.confidential.permissions,
      grantTypes,
      redirectUris: uris,
    },
    {
      clientId: DEMO.apps.public.clientId,
      name: DEMO.apps.public.name,
      confidential: false,
      permissions: DEMO.apps.public.permissions,
      grantTypes,
      redirectUris: uris,
    },
  ];
  const byId = new Map(apps.map((a) => [a.clientId, a]));
  const registry: AppRegistry = {
    get: (clientId) => byId.get(clientId),
    all: () => apps,
    registerRedirectUri(uri: string): void {
      const problem = validateRedirectUri(uri);
      if (problem !== undefined) throw new RangeError(problem);
      if (!uris.has(uri) && uris.size >= MAX_REDIRECT_URIS) {
        throw new RangeError(`at most ${MAX_REDIRECT_URIS} redirect URIs can be registered`);
      }
      uris.add(uri);
    },
    redirectUris: () => [...uris],
  };
  for (const uri of extraRedirectUris) registry.registerRedirectUri(uri);
  return registry;
}
