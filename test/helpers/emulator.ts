/**
 * @module test/helpers/emulator
 * Helpers for suites that need the RingCentral emulator:
 * - {@link startTestEmulator}: an emulator on 127.0.0.1:0, closed in `after`; by default every JSON response it
 *   sends is checked against the pinned OpenAPI spec when the test ends (a mismatch fails the test);
 * - {@link control}: a typed client of the `/__emulator/` control API (stats, reset, clock, faults, limits);
 * - {@link loginThroughForm}: drives the authorize page over plain HTTP (no browser) and returns the callback URL;
 * - {@link buildAuthorizeUrl}, {@link createPkce}, {@link loginAndGetTokens}: the rest of a login in a few lines;
 * - {@link buildTestEmulator}: an emulator with no port for handler tests (`inject`), tokens taken straight from its
 *   token store, every JSON answer checked against the spec when it stops.
 * All traffic goes to 127.0.0.1.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

import {
  buildEmulator,
  DEMO,
  emulatorStateOf,
  startEmulator,
  type DemoUser,
  type EmulatorOptions,
  type EmulatorState,
  type ResponseRecord,
  type RunningEmulator,
} from '../../emulator/index.js';
import { recordSecrets, recordTokenResponse, recordUrlSecrets } from './log-spy.js';
import { validateRecordedResponses } from './openapi.js';

/** Anything with an `after(fn)` hook: a node:test `TestContext`, or `{ after }` imported from `node:test`. */
export interface AfterHook {
  after(fn: () => unknown): unknown;
}

/** A running emulator with its control client and the responses it has sent. */
export interface TestEmulator extends RunningEmulator {
  readonly control: ControlClient;
  /** Every response sent so far (method, path, operationId, status, content type, body). */
  readonly responses: readonly ResponseRecord[];
  /**
   * Closes the emulator, then (unless `validateResponses: false`) checks every JSON body it sent against the
   * OpenAPI spec and throws listing the mismatches. Idempotent.
   */
  stop(): Promise<void>;
}

/** Options of {@link startTestEmulator}. */
export interface TestEmulatorOptions extends Omit<EmulatorOptions, 'port' | 'host'> {
  /** Check every JSON response against the OpenAPI spec when the emulator stops (default true). */
  readonly validateResponses?: boolean;
}

/**
 * A stop that runs once however often it is called: closes, then fails if a recorded emulator answer does not match
 * the OpenAPI spec (`responses` given when answers are validated).
 */
function stopOnce(close: () => Promise<void>, responses?: ResponseRecord[]): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      await close();
      if (responses !== undefined) {
        const failures = validateRecordedResponses(responses);
        if (failures.length > 0) {
          throw new Error(`emulator responses that do not match the OpenAPI spec:\n${failures.join('\n')}`);
        }
      }
    })();
    return stopped;
  };
}

/**
 * Starts an emulator on 127.0.0.1 port 0. With a test context `t`, it stops in `t.after`; in a `describe` suite,
 * start it in `before()` without `t` and call `emu.stop()` in `after()`. Stopping validates all JSON bodies the
 * emulator sent against `spec/rc-public-openapi.yml` (unless `validateResponses: false`) and throws on a mismatch.
 *
 * @example
 * ```ts
 * test('login', async (t) => {
 *   const emu = await startTestEmulator(t, { redirectUris: ['http://127.0.0.1:1234/cb'] });
 *   await emu.control.advanceClock(3600);
 * });
 *
 * describe('suite', () => {
 *   let emu: TestEmulator;
 *   before(async () => { emu = await startTestEmulator(); });
 *   after(() => emu.stop());
 * });
 * ```
 */
export async function startTestEmulator(t?: AfterHook, opts: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { validateResponses = true, onResponse, ...rest } = opts;
  const responses: ResponseRecord[] = [];
  // The suite-wide log spy: the demo apps' secrets, and every token this emulator issues.
  recordSecrets(DEMO.clientSecret, demoBasicAuth().slice('Basic '.length));
  const emu = await startEmulator({
    ...rest,
    port: 0,
    host: '127.0.0.1',
    onResponse: (r) => {
      responses.push(r);
      if (r.path === '/restapi/oauth/token' && r.status === 200) recordTokenResponse(r.body);
      onResponse?.(r);
    },
  });
  const stop = stopOnce(() => emu.close(), validateResponses ? responses : undefined);
  t?.after(stop);
  return Object.assign(emu, { control: control(emu.url), responses, stop });
}

/** Counters of `GET /__emulator/stats` (see `emulator/stats.ts` for the keys). */
export type EmulatorStats = Record<string, number>;

/** A fault rule for `POST /__emulator/faults`. */
export interface FaultSpec {
  readonly route: 'token' | 'revoke' | 'rest' | 'authorize';
  readonly status?: number;
  readonly delayMs?: number;
  readonly count: number;
}

/** A limits change for `POST /__emulator/limits`. */
export interface LimitsSpec {
  readonly group: 'Light' | 'Medium' | 'Heavy' | 'Auth';
  readonly limit?: number;
  readonly windowSeconds?: number;
  readonly penaltySeconds?: number;
}

/** Client of the control API. Every method throws on a non-2xx answer. */
export interface ControlClient {
  stats(): Promise<EmulatorStats>;
  reset(): Promise<void>;
  /** Moves the emulator clock forward; resolves to the new emulator time (ms). */
  advanceClock(seconds: number): Promise<number>;
  fault(spec: FaultSpec): Promise<void>;
  limits(spec: LimitsSpec): Promise<{ group: string; limit: number; windowSeconds: number; penaltySeconds: number }>;
  registerRedirectUri(uri: string): Promise<void>;
  state(): Promise<Record<string, unknown>>;
}

/** A control-API client for the emulator at `url`. */
export function control(url: string): ControlClient {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/__emulator/${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    stats: () => call<EmulatorStats>('GET', 'stats'),
    reset: async () => {
      await call('POST', 'reset', {});
    },
    advanceClock: async (seconds) =>
      (await call<{ nowMs: number }>('POST', 'clock', { advanceSeconds: seconds })).nowMs,
    fault: async (spec) => {
      await call('POST', 'faults', spec);
    },
    limits: (spec) => call('POST', 'limits', spec),
    registerRedirectUri: async (uri) => {
      await call('POST', 'redirect-uris', { uri });
    },
    state: () => call('GET', 'state'),
  };
}

/** A PKCE verifier and its challenge. */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
  readonly method: 'S256' | 'plain';
}

/** Creates a PKCE pair (`S256` by default; `plain` makes challenge = verifier). */
export function createPkce(method: 'S256' | 'plain' = 'S256'): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

/** Builds `<emulator>/restapi/oauth/authorize?response_type=code&...` (empty values are left out). */
export function buildAuthorizeUrl(
  emulatorUrl: string,
  params: {
    clientId?: string;
    redirectUri?: string;
    state?: string;
    pkce?: Pkce;
    extra?: Record<string, string>;
  } = {},
): string {
  const q = new URLSearchParams({ response_type: 'code', client_id: params.clientId ?? DEMO.clientId });
  if (params.redirectUri !== undefined) q.set('redirect_uri', params.redirectUri);
  if (params.state !== undefined) q.set('state', params.state);
  if (params.pkce !== undefined) {
    q.set('code_challenge', params.pkce.challenge);
    q.set('code_challenge_method', params.pkce.method);
  }
  for (const [k, v] of Object.entries(params.extra ?? {})) q.set(k, v);
  return `${emulatorUrl}/restapi/oauth/authorize?${q.toString()}`;
}

const HIDDEN_INPUT = /<input\s+[^>]*type="hidden"[^>]*>/g;
const ATTR = (name: string) => new RegExp(`\\s${name}="([^"]*)"`);

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The callback URL, its authorization code noted for the log spy. */
function noteCallback(location: string): string {
  recordUrlSecrets(location);
  return location;
}

/**
 * Opens `authorizeUrl` and submits the sign-in form like a browser would, with plain `fetch` and
 * `redirect: 'manual'`. Resolves to the callback URL (the 302 `Location`, with `code`/`state`, or `error` after a
 * Cancel or a redirectable error). Throws with the page's error when sign-in fails (e.g. wrong password) or when
 * the authorize request itself is refused (400 JSON).
 */
export async function loginThroughForm(
  authorizeUrl: string,
  credentials: { username: string; password: string; cancel?: boolean },
): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status === 302) return noteCallback(page.headers.get('location') ?? '');
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page: HTTP ${page.status} ${html.slice(0, 300)}`);
  const form = /<form\s[^>]*method="post"[^>]*>/i.exec(html)?.[0];
  if (form === undefined) throw new Error('authorize page has no <form method="post">');
  const action = new URL(unescapeHtml(ATTR('action').exec(form)?.[1] ?? ''), authorizeUrl);
  const fields = new URLSearchParams();
  for (const input of html.match(HIDDEN_INPUT) ?? []) {
    const name = ATTR('name').exec(input)?.[1];
    if (name !== undefined) fields.append(unescapeHtml(name), unescapeHtml(ATTR('value').exec(input)?.[1] ?? ''));
  }
  fields.set('username', credentials.username);
  fields.set('password', credentials.password);
  fields.set('action', credentials.cancel === true ? 'cancel' : 'signin');
  const res = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  if (res.status === 302) return noteCallback(res.headers.get('location') ?? '');
  const body = await res.text();
  const message = /role="alert"[^>]*>([^<]*)</.exec(body)?.[1];
  throw new Error(
    `sign-in failed: HTTP ${res.status}${message !== undefined ? ` ${unescapeHtml(message.trim())}` : ''}`,
  );
}

/** RingCentral's token response (`TokenInfo`). */
export interface TokenInfo {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly refresh_token_expires_in: number;
  readonly scope: string;
  readonly owner_id: string;
  readonly endpoint_id: string;
  readonly session_id: string;
}

/** `Authorization: Basic ...` for the confidential demo app. */
export function demoBasicAuth(clientId: string = DEMO.clientId, clientSecret: string = DEMO.clientSecret): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

/** POSTs a form to the emulator's token endpoint and returns the raw response. */
export function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * A whole login: authorize (S256 PKCE) → sign-in form → code exchange. `app: 'public'` uses the public app
 * (`client_id` in the body); the default is the confidential app (Basic auth). `redirectUri` defaults to the demo
 * redirect URI (nothing needs to listen there: the code is read from the `Location` header).
 */
export async function loginAndGetTokens(
  emulatorUrl: string,
  user: { username: string; password: string } = DEMO.admin,
  options: { app?: 'confidential' | 'public'; redirectUri?: string } = {},
): Promise<TokenInfo> {
  const publicApp = options.app === 'public';
  const clientId = publicApp ? DEMO.publicClientId : DEMO.clientId;
  const redirectUri = options.redirectUri ?? DEMO.redirectUri;
  const pkce = createPkce('S256');
  const callback = await loginThroughForm(
    buildAuthorizeUrl(emulatorUrl, { clientId, redirectUri, state: 'test-state', pkce }),
    user,
  );
  const code = new URL(callback).searchParams.get('code');
  if (code === null) throw new Error(`no code in callback ${callback}`);
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
  };
  if (publicApp) form.client_id = clientId;
  const res = await postForm(
    `${emulatorUrl}/restapi/oauth/token`,
    form,
    publicApp ? {} : { authorization: demoBasicAuth() },
  );
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token exchange failed: HTTP ${res.status} ${text}`);
  recordSecrets(pkce.verifier);
  recordTokenResponse(text);
  return JSON.parse(text) as TokenInfo;
}

/** An emulator with no port (see {@link buildTestEmulator}). */
export interface InProcessEmulator {
  readonly app: FastifyInstance;
  readonly state: EmulatorState;
  /** Every response sent so far. */
  readonly responses: readonly ResponseRecord[];
  /**
   * A fresh access token of `user` (default the admin) in the confidential demo app, with `scope` (default every
   * permission the app has): a token without a permission is how a test meets the permission check.
   */
  token(user?: DemoUser, scope?: readonly string[]): string;
  /**
   * Injects a request with that token as `Authorization: Bearer` (`token: null` sends none). An object `body` is sent
   * as JSON (`content-type: application/json` unless `headers` say otherwise); a string as it is.
   */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Closes it, then checks every JSON body it sent against the OpenAPI spec (unless disabled). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds an emulator without listening, for handler tests through Fastify's `inject` (house style: handlers
 * in-process, lifecycle on a real port). With `t`, it stops in `t.after`. Control-API requests need
 * `headers: { host: 'localhost' }` (the control API obeys loopback hosts only).
 */
export async function buildTestEmulator(t?: AfterHook, opts: TestEmulatorOptions = {}): Promise<InProcessEmulator> {
  const { validateResponses = true, onResponse, ...rest } = opts;
  const responses: ResponseRecord[] = [];
  const app = buildEmulator({
    ...rest,
    onResponse: (r) => {
      responses.push(r);
      onResponse?.(r);
    },
  });
  await app.ready();
  const state = emulatorStateOf(app);
  let defaultToken: string | undefined;
  const token = (user: DemoUser = DEMO.admin, scope: readonly string[] = DEMO.apps.confidential.permissions) => {
    const session = state.tokens.createSession({
      clientId: DEMO.clientId,
      extensionId: user.extensionId,
      scope,
      ttls: { accessTtl: 3600, refreshTtl: 604_800 },
    });
    recordSecrets(session.current.accessToken, session.current.refreshToken);
    return session.current.accessToken;
  };
  const stop = stopOnce(() => app.close(), validateResponses ? responses : undefined);
  t?.after(stop);
  return {
    app,
    state,
    responses,
    token,
    request(method, path, options = {}) {
      const bearer = options.token === undefined ? (defaultToken ??= token()) : options.token;
      const json = options.body !== undefined && typeof options.body !== 'string';
      return app.inject({
        method,
        url: path,
        headers: {
          ...(bearer !== null ? { authorization: `Bearer ${bearer}` } : {}),
          ...(json ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined
          ? { payload: json ? JSON.stringify(options.body) : (options.body as string) }
          : {}),
      });
    },
    stop,
  };
}
