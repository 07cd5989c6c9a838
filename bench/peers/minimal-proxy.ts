/**
 * @module bench/peers/minimal-proxy
 * The cost floor of any app that calls RingCentral for a logged-in browser: plain `node:http`, a random cookie →
 * an in-memory `Map` → the access token, and one keep-alive upstream call per request (undici pool) whose body
 * is piped back. No session store, no encryption, no templates, no logging, no refresh, no validation beyond the
 * bare minimum. A real app cannot beat it; DESIGN §5 asks rc-authflow for ≥ 75% of its requests/s.
 *
 * It logs in with a real Authorization Code + PKCE flow (`GET /login` → RingCentral → `GET /oauth2callback`),
 * so it holds real tokens like every other peer. Env: `PORT`, `RC_SERVER_URL`, `RC_CLIENT_ID`,
 * `RC_CLIENT_SECRET`, `RC_REDIRECT_URL`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
const port = Number(env('PORT'));

const API_PATHS: Record<string, string> = {
  extension: '/restapi/v1.0/account/~/extension',
  'extension-call-log': '/restapi/v1.0/account/~/extension/~/call-log',
  'account-call-log': '/restapi/v1.0/account/~/call-log',
};

const upstream = new Pool(serverUrl, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
/** sid → access token (logged in) or PKCE verifier + state (login in progress). */
const tokens = new Map<string, string>();
const logins = new Map<string, { verifier: string; state: string }>();

function cookieSid(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const match = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(header);
  return match?.[1];
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

function login(res: ServerResponse): void {
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

async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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

async function test(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const sid = cookieSid(req);
  const token = sid === undefined ? undefined : tokens.get(sid);
  const path = API_PATHS[url.searchParams.get('api') ?? ''];
  if (token === undefined || path === undefined) {
    res.writeHead(302, { location: '/' }).end();
    return;
  }
  const response = await upstream.request({
    path,
    method: 'GET',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const type = response.headers['content-type'];
  res.writeHead(response.statusCode, { 'content-type': typeof type === 'string' ? type : 'application/json' });
  for await (const chunk of response.body) res.write(chunk as Buffer);
  res.end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let work: Promise<void>;
  switch (url.pathname) {
    case '/healthz':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    case '/login':
      login(res);
      return;
    case '/oauth2callback':
      work = callback(req, res, url);
      break;
    case '/test':
      work = test(req, res, url);
      break;
    default:
      fail(res, 404, 'not found');
      return;
  }
  work.catch(() => {
    if (!res.headersSent) fail(res, 502, 'upstream failed');
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`minimal proxy listening on http://127.0.0.1:${port}`);
});

const stop = (): void => {
  server.close();
  void upstream.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
