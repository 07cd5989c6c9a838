/**
 * @module bench/lib/browser
 * A lean "browser" for the harness: a cookie jar and manual redirects over an undici keep-alive agent, and a
 * whole OAuth login through any of the servers under test (start page or `/login` → RingCentral's authorize page
 * → sign-in form → the server's callback), so every peer holds real tokens from a real Authorization Code flow.
 * Also a direct login against the emulator (PKCE S256, Basic client auth) for the "emulator hit directly" peer.
 * Lean on purpose: the harness shares the machine with the servers, and `logins` measures a loop of these.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';

/** The demo app of the emulator (DESIGN §3). */
export const DEMO_APP = { clientId: 'demo-client-id', clientSecret: 'demo-client-secret' } as const;
/** A demo user of the emulator. */
export const DEMO_ADMIN = { username: 'admin@example.com', password: 'Passw0rd!admin' } as const;

/**
 * Demo user `n` (1–9) of the emulator. Each peer of a benchmark logs in as its own user: RingCentral counts rate
 * limits per user and app, so peers sharing a user would share (and confuse) one budget.
 */
export function demoUser(n: number): { username: string; password: string } {
  return { username: `user${n}@example.com`, password: 'Passw0rd!user' };
}

/** One HTTP answer with its body read. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly location: string | undefined;
  readonly setCookies: readonly string[];
}

/** Cookies by name, as a browser keeps them for one site (attributes ignored: everything is 127.0.0.1). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Applies `Set-Cookie` headers (an expired or emptied cookie is removed). */
  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key = '', v = ''] = a.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header value (empty when there is no cookie). */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get size(): number {
    return this.#cookies.size;
  }
}

/** A keep-alive agent for the harness's own requests. */
export function createAgent(connections = 256): Agent {
  return new Agent({ connections, keepAliveTimeout: 10_000, pipelining: 1 });
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Sends one request (no redirects followed) and reads the body. */
export async function send(
  agent: Dispatcher,
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; form?: URLSearchParams; jar?: CookieJar } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const cookie = options.jar?.header();
  if (cookie) headers.cookie = cookie;
  if (options.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await request(url, {
    dispatcher: agent,
    method: options.method ?? 'GET',
    headers,
    ...(options.form === undefined ? {} : { body: options.form.toString() }),
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const body = await response.body.text();
  const setCookies = headerList(response.headers['set-cookie']);
  options.jar?.store(setCookies);
  const location = headerList(response.headers.location)[0];
  return {
    status: response.statusCode,
    body,
    location: location === undefined ? undefined : new URL(location, url).href,
    setCookies,
  };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2F;|&#47;/g, '/')
    .replace(/&#x3D;|&#61;/g, '=')
    .replace(/&amp;/g, '&');
}

/** The authorize URL in a login page (`href="…/restapi/oauth/authorize?…"`). */
export function findAuthorizeLink(html: string): string | undefined {
  const match = /href="([^"]*\/restapi\/oauth\/authorize\?[^"]*)"/.exec(html);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]);
}

/**
 * Signs in on RingCentral's authorize page like a browser: loads it, fills the form, posts it.
 * @returns the callback URL RingCentral redirects to (with `code` and `state`)
 */
export async function signIn(
  agent: Dispatcher,
  authorizeUrl: string,
  user: { username: string; password: string } = DEMO_ADMIN,
): Promise<string> {
  const page = await send(agent, authorizeUrl);
  if (page.status !== 200) throw new Error(`authorize page: HTTP ${page.status} ${page.body.slice(0, 200)}`);
  const form = /<form\s[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
  if (!form) throw new Error('the authorize page has no POST form');
  const action = new URL(unescapeHtml(/\saction="([^"]*)"/.exec(form[0])?.[1] ?? ''), authorizeUrl).href;
  const fields = new URLSearchParams();
  for (const input of form[1]?.matchAll(/<input\b[^>]*>/gi) ?? []) {
    const tag = input[0];
    if (!/type="hidden"/i.test(tag)) continue;
    const name = /\sname="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined) fields.append(unescapeHtml(name), unescapeHtml(/\svalue="([^"]*)"/.exec(tag)?.[1] ?? ''));
  }
  fields.set('username', user.username);
  fields.set('password', user.password);
  fields.set('action', 'signin');
  const posted = await send(agent, action, { method: 'POST', form: fields });
  if (posted.status !== 302 || posted.location === undefined) {
    throw new Error(`sign-in: HTTP ${posted.status} ${posted.body.slice(0, 200)}`);
  }
  return posted.location;
}

/**
 * A whole login through a server under test: `GET <startUrl>` (a redirect to RingCentral, or a page with the
 * "Login RingCentral Account" link) → sign-in → `GET <callback>` with the server's cookie.
 * @returns the jar, holding the logged-in session cookie
 */
export async function loginThroughServer(
  agent: Dispatcher,
  startUrl: string,
  user: { username: string; password: string } = DEMO_ADMIN,
): Promise<CookieJar> {
  const jar = new CookieJar();
  const start = await send(agent, startUrl, { jar });
  let authorizeUrl: string | undefined;
  if (start.status >= 300 && start.status < 400 && start.location?.includes('/restapi/oauth/authorize?')) {
    authorizeUrl = start.location;
  } else if (start.status === 200) {
    authorizeUrl = findAuthorizeLink(start.body);
  }
  if (authorizeUrl === undefined) throw new Error(`${startUrl}: no way to RingCentral (HTTP ${start.status})`);
  const callback = await signIn(agent, authorizeUrl, user);
  const done = await send(agent, callback, { jar });
  if (done.status < 300 || done.status >= 400) {
    throw new Error(`callback: HTTP ${done.status} ${done.body.slice(0, 300)}`);
  }
  return jar;
}

/** RingCentral's token response (the fields the harness reads). */
export interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
}

/** A login straight against the emulator (no app in between): authorize with PKCE S256 → sign in → token. */
export async function loginDirect(
  agent: Dispatcher,
  emulatorUrl: string,
  redirectUri: string,
  user: { username: string; password: string } = DEMO_ADMIN,
): Promise<Tokens> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: DEMO_APP.clientId,
    redirect_uri: redirectUri,
    state: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const callback = await signIn(agent, `${emulatorUrl}/restapi/oauth/authorize?${query.toString()}`, user);
  const code = new URL(callback).searchParams.get('code');
  if (code === null) throw new Error(`no code in ${callback}`);
  const token = await send(agent, `${emulatorUrl}/restapi/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_APP.clientId}:${DEMO_APP.clientSecret}`).toString('base64')}`,
    },
    form: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  if (token.status !== 200) throw new Error(`token exchange: HTTP ${token.status} ${token.body.slice(0, 200)}`);
  return JSON.parse(token.body) as Tokens;
}
