/**
 * @module bench/peers/proxy-core
 * What the two proxy peers share: configuration from the environment, the keep-alive upstream pool, the cookie →
 * token map, the Authorization Code + PKCE login, and the `/test` upstream call. `minimal-proxy.ts` serves it with
 * plain `node:http`, `fastify-proxy.ts` with Fastify (no logger, no hooks), so the two measure the framework alone.
 *
 * A peer logs in with a real Authorization Code + PKCE flow (`GET /login` → RingCentral → `GET /oauth2callback`),
 * so it holds real tokens like every other peer. Env: `PORT`, `RC_SERVER_URL`, `RC_CLIENT_ID`,
 * `RC_CLIENT_SECRET`, `RC_REDIRECT_URL`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const serverUrl = new URL(env('RC_SERVER_URL')).origin;
const clientId = env('RC_CLIENT_ID');
const basic = `Basic ${Buffer.from(`${clientId}:${env('RC_CLIENT_SECRET')}`).toString('base64')}`;
const redirectUri = env('RC_REDIRECT_URL');
export const port = Number(env('PORT'));

export const API_PATHS: Record<string, string> = {
  extension: '/restapi/v1.0/account/~/extension',
  'extension-call-log': '/restapi/v1.0/account/~/extension/~/call-log',
  'account-call-log': '/restapi/v1.0/account/~/call-log',
};

export const upstream = new Pool(serverUrl, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
/** sid → access token (logged in) or PKCE verifier + state (login in progress). */
export const tokens = new Map<string, string>();
const logins = new Map<string, { verifier: string; state: string }>();

export function cookieSid(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const match = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(header);
  return match?.[1];
}

export function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

export function login(res: ServerResponse): void {
  const sid = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  logins.set(sid, { verifier, state });
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  res
    .writeHead(302, {
      location: `${serverUrl}/restapi/oauth/authorize?${query.toString()}`,
      'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`,
    })
    .end();
}

export async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const sid = cookieSid(req);
  const pending = sid === undefined ? undefined : logins.get(sid);
  if (sid === undefined || pending === undefined || url.searchParams.get('state') !== pending.state) {
    return fail(res, 400, 'bad state');
  }
  logins.delete(sid);
  const response = await upstream.request({
    path: '/restapi/oauth/token',
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: url.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = (await response.body.json()) as { access_token?: string };
  if (response.statusCode !== 200 || body.access_token === undefined) return fail(res, 502, 'login failed');
  tokens.set(sid, body.access_token);
  res.writeHead(302, { location: '/test?api=extension' }).end();
}

/** The upstream answer for `/test` of a logged-in cookie, or `undefined` (not logged in, or an unknown api). */
export async function callUpstream(
  req: IncomingMessage,
  api: string | null,
): Promise<Awaited<ReturnType<typeof upstream.request>> | undefined> {
  const sid = cookieSid(req);
  const token = sid === undefined ? undefined : tokens.get(sid);
  const path = API_PATHS[api ?? ''];
  if (token === undefined || path === undefined) return undefined;
  return upstream.request({
    path,
    method: 'GET',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
}

/** The answer's content type (JSON when RingCentral names none). */
export function contentTypeOf(response: { headers: Record<string, string | string[] | undefined> }): string {
  const type = response.headers['content-type'];
  return typeof type === 'string' ? type : 'application/json';
}
