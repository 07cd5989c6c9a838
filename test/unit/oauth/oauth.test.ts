import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppError } from '../../../src/errors.js';
import { OAuthCallbackError, TokenEndpointError, UpstreamError } from '../../../src/errors.js';
import { buildAuthorizeUrl } from '../../../src/oauth/authorize-url.js';
import { validateCallback } from '../../../src/oauth/callback.js';
import { createOAuthClient, type OAuthClient } from '../../../src/oauth/client.js';
import { createPkcePair, createState } from '../../../src/oauth/pkce.js';
import { exchangeCode, refreshTokens, revokeToken } from '../../../src/oauth/token.js';
import { toTokenSet } from '../../../src/oauth/types.js';
import { jsonResponse, stubFetch } from './fetch-stub.js';

const NOW = 1_800_000_000_000;
const SERVER = 'https://platform.ringcentral.com';
const REDIRECT = 'https://app.example.com/oauth2callback';
const STATE = 'state-value-0123456789-abcdefghijklmnopqrstu';
const VERIFIER = 'verifier-0123456789-abcdefghijklmnopqrstuvwxyz';

const TOKEN_BODY = {
  access_token: 'AT-secret-value',
  token_type: 'bearer',
  expires_in: 3600,
  refresh_token: 'RT-secret-value',
  refresh_token_expires_in: 604800,
  scope: 'ReadAccounts ReadCallLog',
  owner_id: '400000001102',
  endpoint_id: 'ep-1',
  session_id: 'sess-1',
};

function client(
  fetchImpl: typeof fetch,
  overrides: { secret?: string | undefined; server?: string; insecure?: boolean; timeoutMs?: number } = {},
): OAuthClient {
  return createOAuthClient({
    serverUrl: overrides.server ?? SERVER,
    clientId: 'my-client',
    clientSecret: 'secret' in overrides ? overrides.secret : 'my-secret',
    redirectUri: REDIRECT,
    allowInsecureRequests: overrides.insecure ?? false,
    timeoutMs: overrides.timeoutMs ?? 1000,
    fetch: fetchImpl,
    now: () => NOW,
  });
}

function callback(query: string, c: OAuthClient, expected = STATE): URLSearchParams {
  return validateCallback(c, new URLSearchParams(query), expected);
}

describe('pkce and authorize URL', () => {
  it('createPkcePair: a 43-char verifier and its S256 challenge', async () => {
    const pair = await createPkcePair();
    assert.match(pair.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(pair.codeChallenge, createHash('sha256').update(pair.codeVerifier).digest('base64url'));
    assert.equal(pair.codeChallengeMethod, 'S256');
    assert.notEqual((await createPkcePair()).codeVerifier, pair.codeVerifier);
    assert.match(createState(), /^[A-Za-z0-9_-]{43}$/);
  });

  it('buildAuthorizeUrl: exact RingCentral URL with S256', () => {
    assert.equal(
      buildAuthorizeUrl({
        baseUrl: SERVER,
        clientId: 'my client',
        redirectUri: REDIRECT,
        state: 's1',
        codeChallenge: 'c1',
      }),
      'https://platform.ringcentral.com/restapi/oauth/authorize?response_type=code&client_id=my+client' +
        '&redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth2callback&state=s1&code_challenge=c1&code_challenge_method=S256',
    );
  });
});

describe('validateCallback', () => {
  const c = client(stubFetch().fetch);

  it('accepts the right state and returns the parameters', () => {
    assert.equal(callback(`code=abc&state=${STATE}`, c).get('code'), 'abc');
  });

  it('missing state → RCAPP_STATE_MISMATCH "missing"', () => {
    assert.throws(
      () => callback('code=abc', c),
      (err: AppError) => err.code === 'RCAPP_STATE_MISMATCH' && err.message === 'missing "state" parameter',
    );
    assert.throws(() => callback('code=abc&state=', c), { code: 'RCAPP_STATE_MISMATCH' });
  });

  it('wrong state → RCAPP_STATE_MISMATCH "unexpected"', () => {
    assert.throws(() => callback('code=abc&state=other', c), {
      code: 'RCAPP_STATE_MISMATCH',
      message: 'unexpected "state" parameter value',
    });
  });

  it('repeated parameters → RCAPP_BAD_REQUEST', () => {
    assert.throws(() => callback(`code=a&code=b&state=${STATE}`, c), {
      code: 'RCAPP_BAD_REQUEST',
      message: 'parameter "code" must be provided only once',
    });
    assert.throws(() => callback(`code=a&state=${STATE}&state=${STATE}`, c), { code: 'RCAPP_BAD_REQUEST' });
  });

  it('?error= with the right state → OAuthCallbackError with RingCentral’s description', () => {
    assert.throws(
      () => callback(`error=access_denied&error_description=User+cancelled&state=${STATE}`, c),
      (err: unknown) =>
        err instanceof OAuthCallbackError && err.code === 'RCAPP_ACCESS_DENIED' && err.description === 'User cancelled',
    );
    assert.throws(() => callback(`error=server_error&state=${STATE}`, c), { code: 'RCAPP_LOGIN_FAILED' });
  });

  it('?error= with a wrong state is a state mismatch (nothing from the query is trusted)', () => {
    assert.throws(() => callback('error=access_denied&error_description=phish&state=x', c), {
      code: 'RCAPP_STATE_MISMATCH',
    });
  });
});

describe('exchangeCode', () => {
  it('confidential client: Basic auth, code + redirect_uri + code_verifier in the body, no client_id', async () => {
    const stub = stubFetch(jsonResponse(200, TOKEN_BODY));
    const c = client(stub.fetch);
    const tokens = await exchangeCode(c, callback(`code=the-code&state=${STATE}`, c), VERIFIER);
    stub.assertDone();
    const [request] = stub.requests;
    assert.equal(request?.url, `${SERVER}/restapi/oauth/token`);
    assert.equal(request?.method, 'POST');
    assert.equal(
      request?.headers.get('authorization'),
      `Basic ${Buffer.from('my-client:my-secret').toString('base64')}`,
    );
    assert.match(request?.headers.get('content-type') ?? '', /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(request?.body ?? []), {
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    assert.deepEqual(tokens, {
      accessToken: 'AT-secret-value',
      refreshToken: 'RT-secret-value',
      tokenType: 'bearer',
      scope: 'ReadAccounts ReadCallLog',
      ownerId: '400000001102',
      endpointId: 'ep-1',
      rcSessionId: 'sess-1',
      accessExpiresAt: NOW + 3_600_000,
      refreshExpiresAt: NOW + 604_800_000,
    });
  });

  it('public client: no Authorization header, client_id in the body', async () => {
    const stub = stubFetch(jsonResponse(200, TOKEN_BODY));
    const c = client(stub.fetch, { secret: undefined });
    await exchangeCode(c, callback(`code=the-code&state=${STATE}`, c), VERIFIER);
    const [request] = stub.requests;
    assert.equal(request?.headers.get('authorization'), null);
    assert.equal(request?.body.get('client_id'), 'my-client');
    assert.equal(request?.body.get('code_verifier'), VERIFIER);
  });

  it('RingCentral 400 invalid_grant → TokenEndpointError with description, errorCode and status; no secret in the message', async () => {
    const stub = stubFetch(
      jsonResponse(400, {
        error: 'invalid_grant',
        error_description: 'Invalid authorization code',
        errors: [{ errorCode: 'OAU-106', message: 'Invalid authorization code' }],
      }),
    );
    const c = client(stub.fetch);
    await assert.rejects(exchangeCode(c, callback(`code=the-code&state=${STATE}`, c), VERIFIER), (err: unknown) => {
      assert.ok(err instanceof TokenEndpointError);
      assert.equal(err.code, 'RCAPP_LOGIN_FAILED');
      assert.equal(err.error, 'invalid_grant');
      assert.equal(err.description, 'Invalid authorization code');
      assert.equal(err.rcErrorCode, 'OAU-106');
      assert.equal(err.upstreamStatus, 400);
      assert.equal(err.message, 'RingCentral: Invalid authorization code');
      assert.ok(!err.message.includes('the-code') && !err.message.includes(VERIFIER));
      return true;
    });
  });

  it('401 invalid_client with a WWW-Authenticate challenge → TokenEndpointError', async () => {
    const stub = stubFetch(
      jsonResponse(
        401,
        {
          error: 'invalid_client',
          error_description: 'Invalid client credentials',
          errors: [{ errorCode: 'OAU-146', message: 'x' }],
        },
        { 'www-authenticate': 'Basic realm="RingCentral"' },
      ),
    );
    const c = client(stub.fetch);
    await assert.rejects(exchangeCode(c, callback(`code=x&state=${STATE}`, c), VERIFIER), {
      name: 'TokenEndpointError',
      error: 'invalid_client',
      rcErrorCode: 'OAU-146',
      upstreamStatus: 401,
    });
  });

  it('5xx → RCAPP_UPSTREAM_ERROR; 429 → RCAPP_RATE_LIMITED with Retry-After', async () => {
    const c1 = client(stubFetch(new Response('oops', { status: 503 })).fetch);
    await assert.rejects(exchangeCode(c1, callback(`code=x&state=${STATE}`, c1), VERIFIER), {
      name: 'UpstreamError',
      code: 'RCAPP_UPSTREAM_ERROR',
      message: 'RingCentral answered with HTTP 503',
    });
    const c2 = client(stubFetch(jsonResponse(429, { errorCode: 'CMN-301' }, { 'retry-after': '17' })).fetch);
    await assert.rejects(exchangeCode(c2, callback(`code=x&state=${STATE}`, c2), VERIFIER), {
      code: 'RCAPP_RATE_LIMITED',
      status: 429,
      retryAfterSeconds: 17,
    });
  });

  it('a 200 that is not a token response → RCAPP_UPSTREAM_ERROR, the body not attached', async () => {
    const c = client(stubFetch(jsonResponse(200, { refresh_token: 'RT-leak' })).fetch);
    await assert.rejects(exchangeCode(c, callback(`code=x&state=${STATE}`, c), VERIFIER), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'RCAPP_UPSTREAM_ERROR');
      assert.equal(err.cause, undefined);
      assert.ok(!JSON.stringify({ m: err.message }).includes('RT-leak'));
      return true;
    });
  });

  it('connection refused → RCAPP_UPSTREAM_UNAVAILABLE; timeout → RCAPP_UPSTREAM_TIMEOUT', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const c1 = client(stubFetch(refused).fetch);
    await assert.rejects(exchangeCode(c1, callback(`code=x&state=${STATE}`, c1), VERIFIER), {
      code: 'RCAPP_UPSTREAM_UNAVAILABLE',
      status: 503,
      message: 'RingCentral could not be reached (ECONNREFUSED)',
    });
    const hang = stubFetch(
      (_request, init) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
        }),
    );
    const c2 = client(hang.fetch, { timeoutMs: 50 });
    // AbortSignal.timeout timers do not keep the process alive; a server would.
    const keepAlive = setTimeout(() => undefined, 5000);
    await assert.rejects(exchangeCode(c2, callback(`code=x&state=${STATE}`, c2), VERIFIER), {
      code: 'RCAPP_UPSTREAM_TIMEOUT',
      status: 504,
      message: 'RingCentral did not answer within 50 ms',
    });
    clearTimeout(keepAlive);
  });

  it('plain http is refused unless allowed (no request is made)', async () => {
    const stub = stubFetch();
    const c = client(stub.fetch, { server: 'http://rc.example.com' });
    await assert.rejects(exchangeCode(c, callback(`code=x&state=${STATE}`, c), VERIFIER), {
      code: 'RCAPP_UPSTREAM_ERROR',
    });
    assert.equal(stub.requests.length, 0);
    const allowed = stubFetch(jsonResponse(200, TOKEN_BODY));
    const c2 = client(allowed.fetch, { server: 'http://127.0.0.1:5001', insecure: true });
    assert.equal(
      (await exchangeCode(c2, callback(`code=x&state=${STATE}`, c2), VERIFIER)).accessToken,
      'AT-secret-value',
    );
  });
});

describe('refreshTokens and revokeToken', () => {
  it('refresh: grant_type=refresh_token with the refresh token; new pair mapped', async () => {
    const stub = stubFetch(jsonResponse(200, { ...TOKEN_BODY, access_token: 'AT-2', refresh_token: 'RT-2' }));
    const tokens = await refreshTokens(client(stub.fetch), 'RT-secret-value');
    stub.assertDone();
    assert.deepEqual(Object.fromEntries(stub.requests[0]?.body ?? []), {
      grant_type: 'refresh_token',
      refresh_token: 'RT-secret-value',
    });
    assert.equal(tokens.accessToken, 'AT-2');
    assert.equal(tokens.refreshToken, 'RT-2');
  });

  it('refresh of a dead token → TokenEndpointError isInvalidGrant (OAU-213)', async () => {
    const stub = stubFetch(
      jsonResponse(400, {
        error: 'invalid_grant',
        error_description: 'Token not found',
        errors: [{ errorCode: 'OAU-213', message: 'Token not found' }],
      }),
    );
    await assert.rejects(refreshTokens(client(stub.fetch), 'RT-old'), (err: unknown) => {
      assert.ok(err instanceof TokenEndpointError);
      assert.equal(err.isInvalidGrant, true);
      assert.equal(err.rcErrorCode, 'OAU-213');
      return true;
    });
  });

  it('revoke: token in the body, Basic auth, 200 with an empty body', async () => {
    const stub = stubFetch(new Response(null, { status: 200 }));
    await revokeToken(client(stub.fetch), 'RT-secret-value');
    const [request] = stub.requests;
    assert.equal(request?.url, `${SERVER}/restapi/oauth/revoke`);
    assert.equal(request?.body.get('token'), 'RT-secret-value');
    assert.match(request?.headers.get('authorization') ?? '', /^Basic /);
  });

  it('revoke refused → TokenEndpointError', async () => {
    const stub = stubFetch(jsonResponse(400, { error: 'invalid_request', error_description: 'Token is required' }));
    await assert.rejects(revokeToken(client(stub.fetch), 't'), {
      name: 'TokenEndpointError',
      error: 'invalid_request',
    });
  });
});

describe('toTokenSet', () => {
  it('numeric owner_id becomes a string; missing expires_in defaults to 1 h; optional fields omitted', () => {
    assert.deepEqual(toTokenSet({ access_token: 'a', token_type: 'bearer', owner_id: 123 }, 0), {
      accessToken: 'a',
      tokenType: 'bearer',
      scope: '',
      ownerId: '123',
      accessExpiresAt: 3_600_000,
    });
  });
});
