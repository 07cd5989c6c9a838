/**
 * @module test/helpers/http-client
 * A small cookie-jar HTTP client over `fetch` for integration tests: manual redirects, one jar per client (one
 * "browser"), and `loginAs(username, password)` that walks the whole login over real HTTP: GET / → the
 * "Login RingCentral Account" link → the emulator's sign-in form (POST) → the app's callback → logged in.
 */
import assert from 'node:assert/strict';
import type { Dispatcher } from 'undici';

/** A response with its body read. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Buffer;
  /** `Location`, resolved against the request URL. */
  readonly location: string | undefined;
  readonly setCookies: readonly string[];
  json<T = unknown>(): T;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Record<string, string>;
  readonly body?: string;
  /** Send the jar's cookies (default true). */
  readonly cookies?: boolean;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'" };

/** Decodes the HTML entities a template engine produces in attribute values. */
export function unescapeHtml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (ENTITIES[lower] !== undefined) return ENTITIES[lower];
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return whole;
  });
}

/** The authorize URL of the login page's "Login RingCentral Account" link. */
export function findAuthorizeLink(html: string): string {
  const match = /href="([^"]*\/restapi\/oauth\/authorize\?[^"]*)"/.exec(html);
  assert.ok(match?.[1], 'the login page has a link to the RingCentral authorize URL');
  return unescapeHtml(match[1]);
}

/** Reads the emulator's sign-in form: its action and hidden inputs. */
export function parseSignInForm(html: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  assert.ok(form, 'the authorize page has a POST form');
  const actionMatch = /action="([^"]*)"/i.exec(form[0]);
  const action = new URL(unescapeHtml(actionMatch?.[1] ?? ''), pageUrl).href;
  const fields: Record<string, string> = {};
  for (const input of form[1]!.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    if (!/type="hidden"/i.test(tag)) continue;
    const name = /name="([^"]*)"/i.exec(tag)?.[1];
    const value = /value="([^"]*)"/i.exec(tag)?.[1] ?? '';
    if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action, fields };
}

async function read(response: Response, url: string): Promise<HttpResponse> {
  const body = Buffer.from(await response.arrayBuffer());
  const text = body.toString('utf8');
  const location = response.headers.get('location');
  return {
    status: response.status,
    headers: response.headers,
    text,
    body,
    location: location === null ? undefined : new URL(location, url).href,
    setCookies: response.headers.getSetCookie(),
    json<T>() {
      return JSON.parse(text) as T;
    },
  };
}

/**
 * Drives the emulator's sign-in form for an authorize URL (plain fetch, no browser).
 * @returns the callback URL RingCentral redirects to (with `code` and `state`)
 */
export async function signInAtAuthorizeUrl(
  authorizeUrl: string,
  credentials: { username: string; password: string },
  action: 'signin' | 'cancel' = 'signin',
): Promise<string> {
  const page = await read(await fetch(authorizeUrl, { redirect: 'manual' }), authorizeUrl);
  assert.equal(page.status, 200, `the authorize page loads (got ${page.status}: ${page.text.slice(0, 200)})`);
  const form = parseSignInForm(page.text, authorizeUrl);
  const body = new URLSearchParams({
    ...form.fields,
    username: credentials.username,
    password: credentials.password,
    action,
  });
  const posted = await read(
    await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    }),
    form.action,
  );
  assert.equal(
    posted.status,
    302,
    `the sign-in form redirects back (got ${posted.status}: ${posted.text.slice(0, 200)})`,
  );
  assert.ok(posted.location, 'the sign-in redirect has a Location');
  return posted.location;
}

/** One browser: a cookie jar for the app's origin. */
export class HttpClient {
  readonly baseUrl: string;
  readonly jar = new Map<string, string>();
  readonly #dispatcher: Dispatcher | undefined;

  constructor(baseUrl: string, options: { dispatcher?: Dispatcher } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#dispatcher = options.dispatcher;
  }

  /** `name=value; ...` of the jar. */
  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Sends a request to the app (path) or any URL; remembers `Set-Cookie` from the app. */
  async request(pathOrUrl: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    const headers: Record<string, string> = { ...options.headers };
    const toApp = url.startsWith(this.baseUrl);
    if (toApp && options.cookies !== false && this.jar.size > 0 && headers.cookie === undefined) {
      headers.cookie = this.cookieHeader();
    }
    let body = options.body;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    // The installed undici's Dispatcher type differs from the one Node's fetch is typed with; same runtime API.
    const init = {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
      ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
    } as RequestInit;
    const response = await read(await fetch(url, init), url);
    if (toApp) this.#remember(response.setCookies);
    return response;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(path, { headers });
  }

  /** GET as a browser would: `Accept: text/html`. */
  page(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(path, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...headers } });
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(path, { method: 'POST', form, headers });
  }

  /** The authorize URL of the login page (starts or reuses this browser's login). */
  async startLogin(): Promise<string> {
    const home = await this.page('/');
    assert.equal(home.status, 200, 'the login page loads');
    return findAuthorizeLink(home.text);
  }

  /**
   * Logs in through the emulator's form over real HTTP and lands logged in.
   * @returns the callback response (a 302 to `/test`)
   */
  async loginAs(username: string, password: string): Promise<HttpResponse> {
    const authorizeUrl = await this.startLogin();
    const callbackUrl = await signInAtAuthorizeUrl(authorizeUrl, { username, password });
    assert.ok(
      callbackUrl.startsWith(this.baseUrl),
      `RingCentral redirects back to the app (${new URL(callbackUrl).pathname})`,
    );
    const landed = await this.page(callbackUrl);
    assert.equal(
      landed.status,
      302,
      `the callback completes the login (got ${landed.status}: ${landed.text.slice(0, 300)})`,
    );
    return landed;
  }

  #remember(setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair === undefined || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}
