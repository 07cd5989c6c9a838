/**
 * Security table: each row is a named attack or misuse and the exact RingCentral error the emulator must answer
 * (status, OAuth `error`, `errors[0].errorCode`). Time-based rows move the emulator clock; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { DEMO } from '../../emulator/index.js';
import {
  buildAuthorizeUrl,
  createPkce,
  demoBasicAuth,
  loginAndGetTokens,
  loginThroughForm,
  postForm,
  startTestEmulator,
  type Pkce,
  type TestEmulator,
  type TokenInfo,
} from '../helpers/emulator.js';

interface ErrorBody {
  error?: string;
  error_description?: string;
  errorCode?: string;
  message?: string;
  permissionName?: string;
  errors: { errorCode: string; message: string; parameterName?: string; permissionName?: string }[];
}

async function expectError(
  res: Response,
  status: number,
  expected: { error?: string; errorCode: string; topErrorCode?: string; parameterName?: string },
): Promise<ErrorBody> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  if (expected.error !== undefined) {
    assert.equal(body.error, expected.error);
    assert.equal(body.error_description, body.errors[0]?.message);
  }
  assert.equal(body.errors[0]?.errorCode, expected.errorCode);
  if (expected.topErrorCode !== undefined) assert.equal(body.errorCode, expected.topErrorCode);
  if (expected.parameterName !== undefined) assert.equal(body.errors[0]?.parameterName, expected.parameterName);
  assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  return body;
}

const BASIC = { authorization: demoBasicAuth() };

/** Runs the authorize step and returns the code (confidential app unless `clientId` says otherwise). */
async function getCode(
  emu: TestEmulator,
  opts: { clientId?: string; pkce?: Pkce; user?: { username: string; password: string }; redirectUri?: string } = {},
): Promise<string> {
  const url = buildAuthorizeUrl(emu.url, {
    clientId: opts.clientId ?? DEMO.clientId,
    redirectUri: opts.redirectUri ?? DEMO.redirectUri,
    state: 'st',
    ...(opts.pkce !== undefined ? { pkce: opts.pkce } : {}),
  });
  const callback = new URL(await loginThroughForm(url, opts.user ?? DEMO.admin));
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${callback.toString()}`);
  return code;
}

function exchange(emu: TestEmulator, form: Record<string, string>, headers: Record<string, string> = BASIC) {
  return postForm(`${emu.url}/restapi/oauth/token`, { grant_type: 'authorization_code', ...form }, headers);
}

function refresh(emu: TestEmulator, refreshToken: string) {
  return postForm(
    `${emu.url}/restapi/oauth/token`,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    BASIC,
  );
}

function rest(emu: TestEmulator, token: string, path = '/restapi/v1.0/account/~/extension/~') {
  return fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function refreshOk(emu: TestEmulator, refreshToken: string): Promise<TokenInfo> {
  const res = await refresh(emu, refreshToken);
  assert.equal(res.status, 200);
  return (await res.json()) as TokenInfo;
}

const cases: { name: string; run: (emu: TestEmulator) => Promise<void> }[] = [
  {
    name: 'a reused authorization code is refused (OAU-106) and the tokens it issued are revoked',
    async run(emu) {
      const code = await getCode(emu);
      const first = await exchange(emu, { code, redirect_uri: DEMO.redirectUri });
      assert.equal(first.status, 200);
      const tokens = (await first.json()) as TokenInfo;
      await expectError(await exchange(emu, { code, redirect_uri: DEMO.redirectUri }), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-106',
      });
      await expectError(await rest(emu, tokens.access_token), 401, {
        errorCode: 'OAU-213',
        topErrorCode: 'TokenInvalid',
      });
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
    },
  },
  {
    name: 'an unregistered redirect_uri at authorize gets 400 JSON OAU-109 and no redirect',
    async run(emu) {
      const res = await fetch(buildAuthorizeUrl(emu.url, { redirectUri: 'https://evil.example/cb', state: 'x' }), {
        redirect: 'manual',
      });
      assert.equal(res.headers.get('location'), null);
      await expectError(res, 400, { error: 'invalid_request', errorCode: 'OAU-109' });
    },
  },
  {
    name: 'a redirect_uri that differs by a trailing slash is not registered (exact match)',
    async run(emu) {
      const res = await fetch(buildAuthorizeUrl(emu.url, { redirectUri: `${DEMO.redirectUri}/` }), {
        redirect: 'manual',
      });
      await expectError(res, 400, { error: 'invalid_request', errorCode: 'OAU-109' });
    },
  },
  {
    name: 'a different redirect_uri at the token endpoint is refused (OAU-109)',
    async run(emu) {
      const other = 'http://127.0.0.1:9/other';
      emu.registerRedirectUri(other);
      const code = await getCode(emu);
      await expectError(await exchange(emu, { code, redirect_uri: other }), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-109',
      });
    },
  },
  {
    name: 'omitting redirect_uri at the token endpoint when authorize had one is refused (OAU-109)',
    async run(emu) {
      const code = await getCode(emu);
      await expectError(await exchange(emu, { code }), 400, { error: 'invalid_grant', errorCode: 'OAU-109' });
    },
  },
  {
    name: 'a wrong S256 code_verifier is refused (invalid_grant OAU-106, parameterName code_verifier)',
    async run(emu) {
      const pkce = createPkce('S256');
      const code = await getCode(emu, { pkce });
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, code_verifier: createPkce().verifier });
      await expectError(res, 400, { error: 'invalid_grant', errorCode: 'OAU-106', parameterName: 'code_verifier' });
    },
  },
  {
    name: 'a missing code_verifier for an S256 code is refused, and the code is then used up',
    async run(emu) {
      const pkce = createPkce('S256');
      const code = await getCode(emu, { pkce });
      await expectError(await exchange(emu, { code, redirect_uri: DEMO.redirectUri }), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-106',
        parameterName: 'code_verifier',
      });
      const retry = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, code_verifier: pkce.verifier });
      await expectError(retry, 400, { error: 'invalid_grant', errorCode: 'OAU-106' });
    },
  },
  {
    name: 'plain PKCE: a wrong verifier is refused, the right one works',
    async run(emu) {
      const pkce = createPkce('plain');
      const wrong = await getCode(emu, { pkce });
      await expectError(
        await exchange(emu, {
          code: wrong,
          redirect_uri: DEMO.redirectUri,
          code_verifier: createPkce('plain').verifier,
        }),
        400,
        { error: 'invalid_grant', errorCode: 'OAU-106', parameterName: 'code_verifier' },
      );
      const right = await getCode(emu, { pkce });
      const res = await exchange(emu, { code: right, redirect_uri: DEMO.redirectUri, code_verifier: pkce.verifier });
      assert.equal(res.status, 200);
    },
  },
  {
    name: 'PKCE method defaults to plain when code_challenge_method is omitted',
    async run(emu) {
      const pkce = createPkce('plain');
      const url = buildAuthorizeUrl(emu.url, {
        redirectUri: DEMO.redirectUri,
        extra: { code_challenge: pkce.challenge },
      });
      const code = new URL(await loginThroughForm(url, DEMO.admin)).searchParams.get('code')!;
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, code_verifier: pkce.verifier });
      assert.equal(res.status, 200);
    },
  },
  {
    name: 'a code_verifier for a code issued without a challenge is refused',
    async run(emu) {
      const code = await getCode(emu);
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, code_verifier: createPkce().verifier });
      await expectError(res, 400, { error: 'invalid_grant', errorCode: 'OAU-106', parameterName: 'code_verifier' });
    },
  },
  {
    name: 'a wrong client secret is refused (401 invalid_client OAU-146)',
    async run(emu) {
      const code = await getCode(emu);
      const res = await exchange(
        emu,
        { code, redirect_uri: DEMO.redirectUri },
        {
          authorization: demoBasicAuth(DEMO.clientId, 'not-the-secret'),
        },
      );
      await expectError(res, 401, { error: 'invalid_client', errorCode: 'OAU-146' });
    },
  },
  {
    name: 'an unknown client id is refused (401 OAU-153 at the token endpoint, 400 OAU-153 at authorize)',
    async run(emu) {
      const res = await exchange(emu, { code: 'x' }, { authorization: demoBasicAuth('no-such-client', 's') });
      const body = await expectError(res, 401, { error: 'invalid_client', errorCode: 'OAU-153' });
      assert.equal(body.error_description, 'Invalid client: no-such-client');
      const page = await fetch(buildAuthorizeUrl(emu.url, { clientId: 'no-such-client' }), { redirect: 'manual' });
      await expectError(page, 400, { error: 'invalid_client', errorCode: 'OAU-153' });
    },
  },
  {
    name: 'missing client authentication is refused (401 invalid_client OAU-123)',
    async run(emu) {
      const code = await getCode(emu);
      await expectError(await exchange(emu, { code, redirect_uri: DEMO.redirectUri }, {}), 401, {
        error: 'invalid_client',
        errorCode: 'OAU-123',
      });
    },
  },
  {
    name: 'the confidential app cannot authenticate with client_id in the body alone (OAU-123)',
    async run(emu) {
      const code = await getCode(emu);
      await expectError(
        await exchange(emu, { code, redirect_uri: DEMO.redirectUri, client_id: DEMO.clientId }, {}),
        401,
        {
          error: 'invalid_client',
          errorCode: 'OAU-123',
        },
      );
    },
  },
  {
    name: 'a code issued to the public app cannot be redeemed by the confidential app (OAU-110)',
    async run(emu) {
      const pkce = createPkce();
      const code = await getCode(emu, { clientId: DEMO.publicClientId, pkce });
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, code_verifier: pkce.verifier });
      await expectError(res, 400, { error: 'invalid_grant', errorCode: 'OAU-110' });
    },
  },
  {
    name: 'an authorization code expires after 60 s of emulator time (OAU-108)',
    async run(emu) {
      const code = await getCode(emu);
      await emu.control.advanceClock(61);
      await expectError(await exchange(emu, { code, redirect_uri: DEMO.redirectUri }), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-108',
      });
    },
  },
  {
    name: 'the old access token dies at refresh: OAU-129 at once, OAU-213 after ~10 s',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const fresh = await refreshOk(emu, tokens.refresh_token);
      assert.notEqual(fresh.access_token, tokens.access_token);
      assert.notEqual(fresh.refresh_token, tokens.refresh_token);
      await expectError(await rest(emu, tokens.access_token), 401, {
        errorCode: 'OAU-129',
        topErrorCode: 'TokenInvalid',
      });
      assert.equal((await rest(emu, fresh.access_token)).status, 200);
      await emu.control.advanceClock(11);
      await expectError(await rest(emu, tokens.access_token), 401, {
        errorCode: 'OAU-213',
        topErrorCode: 'TokenInvalid',
      });
    },
  },
  {
    name: 'refresh grace: the old refresh token returns the same new pair until the new access token is used + 10 s',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const fresh = await refreshOk(emu, tokens.refresh_token);
      const again = await refreshOk(emu, tokens.refresh_token);
      assert.equal(again.access_token, fresh.access_token);
      assert.equal(again.refresh_token, fresh.refresh_token);
      assert.equal((await rest(emu, fresh.access_token)).status, 200);
      await emu.control.advanceClock(5);
      assert.equal((await refreshOk(emu, tokens.refresh_token)).access_token, fresh.access_token);
      await emu.control.advanceClock(6);
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
      // The new pair is unaffected.
      assert.equal((await rest(emu, fresh.access_token)).status, 200);
    },
  },
  {
    name: 'refresh grace: an unused new pair keeps the old refresh token valid up to 60 min, then OAU-213',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const fresh = await refreshOk(emu, tokens.refresh_token);
      await emu.control.advanceClock(59 * 60);
      const again = await refreshOk(emu, tokens.refresh_token);
      assert.equal(again.access_token, fresh.access_token);
      assert.ok(again.expires_in <= 60 && again.expires_in > 0, `expires_in counts down: ${again.expires_in}`);
      await emu.control.advanceClock(2 * 60);
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
    },
  },
  {
    name: 'a refresh token rotated twice is gone (OAU-213)',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const second = await refreshOk(emu, tokens.refresh_token);
      await refreshOk(emu, second.refresh_token);
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
    },
  },
  {
    name: 'a revoked session: REST 401 OAU-213, refresh 400 invalid_grant OAU-213',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const res = await postForm(`${emu.url}/restapi/oauth/revoke`, { token: tokens.refresh_token }, BASIC);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '');
      await expectError(await rest(emu, tokens.access_token), 401, {
        errorCode: 'OAU-213',
        topErrorCode: 'TokenInvalid',
      });
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
    },
  },
  {
    name: 'revoke accepts the token in the query string too',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      const res = await fetch(`${emu.url}/restapi/oauth/revoke?token=${encodeURIComponent(tokens.access_token)}`, {
        method: 'POST',
        headers: BASIC,
      });
      assert.equal(res.status, 200);
      await expectError(await rest(emu, tokens.access_token), 401, { errorCode: 'OAU-213' });
    },
  },
  {
    name: 'an expired access token gets 401 OAU-128 and the refresh still works',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      await emu.control.advanceClock(3600);
      await expectError(await rest(emu, tokens.access_token), 401, {
        errorCode: 'OAU-128',
        topErrorCode: 'TokenInvalid',
      });
      const fresh = await refreshOk(emu, tokens.refresh_token);
      assert.equal((await rest(emu, fresh.access_token)).status, 200);
    },
  },
  {
    name: 'a garbage bearer token is unparsable (OAU-149); a well-formed unknown one is not found (OAU-213)',
    async run(emu) {
      await expectError(await rest(emu, 'garbage!'), 401, { errorCode: 'OAU-149', topErrorCode: 'TokenInvalid' });
      await expectError(await rest(emu, 'A'.repeat(48)), 401, { errorCode: 'OAU-213', topErrorCode: 'TokenInvalid' });
    },
  },
  {
    name: 'public app with a client secret in Basic auth is refused (OAU-146); secret-less Basic too (OAU-153)',
    async run(emu) {
      const pkce = createPkce();
      const code = await getCode(emu, { clientId: DEMO.publicClientId, pkce });
      const form = { code, redirect_uri: DEMO.redirectUri, code_verifier: pkce.verifier };
      await expectError(
        await exchange(emu, form, { authorization: demoBasicAuth(DEMO.publicClientId, 'guess') }),
        401,
        {
          error: 'invalid_client',
          errorCode: 'OAU-146',
        },
      );
      await expectError(
        await exchange(emu, form, {
          authorization: `Basic ${Buffer.from(`${DEMO.publicClientId}:`).toString('base64')}`,
        }),
        401,
        { error: 'invalid_client', errorCode: 'OAU-153' },
      );
      // The same code still works the right way: client_id in the body, no Authorization header.
      assert.equal((await exchange(emu, { ...form, client_id: DEMO.publicClientId }, {})).status, 200);
    },
  },
  {
    name: 'public app without a code_challenge is sent back with error=invalid_request',
    async run(emu) {
      const url = buildAuthorizeUrl(emu.url, {
        clientId: DEMO.publicClientId,
        redirectUri: DEMO.redirectUri,
        state: 'k',
      });
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('error'), 'invalid_request');
      assert.equal(location.searchParams.get('state'), 'k');
    },
  },
  {
    name: 'a token of one app cannot be revoked (OAU-164) or refreshed (OAU-213) by the other app',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url, DEMO.user('user4@example.com'), { app: 'public' });
      await expectError(await postForm(`${emu.url}/restapi/oauth/revoke`, { token: tokens.access_token }, BASIC), 400, {
        error: 'unauthorized_client',
        errorCode: 'OAU-164',
      });
      await expectError(await refresh(emu, tokens.refresh_token), 400, {
        error: 'invalid_grant',
        errorCode: 'OAU-213',
      });
      assert.equal((await rest(emu, tokens.access_token)).status, 200);
    },
  },
  {
    name: 'account call log without FullCompanyCallLog: 403 InsufficientPermissions CMN-401',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url, DEMO.user('user1@example.com'));
      const body = await expectError(await rest(emu, tokens.access_token, '/restapi/v1.0/account/~/call-log'), 403, {
        errorCode: 'CMN-401',
        topErrorCode: 'InsufficientPermissions',
      });
      assert.equal(body.permissionName, 'FullCompanyCallLog');
      assert.equal(body.errors[0]?.permissionName, 'FullCompanyCallLog');
    },
  },
  {
    name: 'another user’s call log without FullCompanyCallLog: 403 CMN-419',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url, DEMO.user('user1@example.com'));
      const path = `/restapi/v1.0/account/~/extension/${DEMO.admin.extensionId}/call-log`;
      await expectError(await rest(emu, tokens.access_token, path), 403, {
        errorCode: 'CMN-419',
        topErrorCode: 'InsufficientPermissions',
      });
    },
  },
  {
    name: 'a token narrowed to scope=ReadAccounts cannot read call logs (403 CMN-401 ReadCallLog)',
    async run(emu) {
      const code = await getCode(emu);
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, scope: 'ReadAccounts' });
      const tokens = (await res.json()) as TokenInfo;
      assert.equal(tokens.scope, 'ReadAccounts');
      const body = await expectError(
        await rest(emu, tokens.access_token, '/restapi/v1.0/account/~/extension/~/call-log'),
        403,
        {
          errorCode: 'CMN-401',
          topErrorCode: 'InsufficientPermissions',
        },
      );
      assert.equal(body.permissionName, 'ReadCallLog');
    },
  },
  {
    name: 'a token narrowed to ReadAccounts ReadContacts reads contacts but cannot write them (403 CMN-401 Contacts)',
    async run(emu) {
      const code = await getCode(emu);
      const res = await exchange(emu, { code, redirect_uri: DEMO.redirectUri, scope: 'ReadAccounts ReadContacts' });
      const tokens = (await res.json()) as TokenInfo;
      assert.equal(tokens.scope, 'ReadAccounts ReadContacts');
      const book = '/restapi/v1.0/account/~/extension/~/address-book/contact';
      assert.equal((await rest(emu, tokens.access_token, book)).status, 200);
      const body = await expectError(
        await fetch(`${emu.url}${book}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ firstName: 'Nope' }),
        }),
        403,
        { errorCode: 'CMN-401', topErrorCode: 'InsufficientPermissions' },
      );
      assert.equal(body.permissionName, 'Contacts');
      for (const [path, permission] of [
        ['/restapi/v1.0/account/~/extension/~/presence', 'ReadPresence'],
        ['/restapi/v1.0/account/~/extension/~/call-log-sync?recordCount=1', 'ReadCallLog'],
      ] as const) {
        const refused = await expectError(await rest(emu, tokens.access_token, path), 403, {
          errorCode: 'CMN-401',
          topErrorCode: 'InsufficientPermissions',
        });
        assert.equal(refused.permissionName, permission);
      }
    },
  },
  {
    name: 'a user cannot read, add to, change or delete another user’s contacts (404 CMN-102 extensionId)',
    async run(emu) {
      const user1 = DEMO.user('user1@example.com');
      const tokens = await loginAndGetTokens(emu.url, DEMO.user('user2@example.com'));
      const victim = emu.state.contacts.list(user1.extensionId)[0]!;
      const before = emu.state.contacts.exportState();
      const book = `/restapi/v1.0/account/~/extension/${user1.extensionId}/address-book/contact`;
      for (const [method, path] of [
        ['GET', book],
        ['POST', book],
        ['GET', `${book}/${victim.id}`],
        ['PUT', `${book}/${victim.id}`],
        ['DELETE', `${book}/${victim.id}`],
      ] as const) {
        const res = await fetch(`${emu.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
          ...(method === 'POST' || method === 'PUT' ? { body: '{"firstName":"Mallory"}' } : {}),
        });
        await expectError(res, 404, { errorCode: 'CMN-102', parameterName: 'extensionId' });
      }
      // Nor through their own book with the other user's contact id.
      await expectError(
        await rest(emu, tokens.access_token, `/restapi/v1.0/account/~/extension/~/address-book/contact/${victim.id}`),
        404,
        { errorCode: 'CMN-102', parameterName: 'contactId' },
      );
      assert.deepEqual(emu.state.contacts.exportState(), before);
    },
  },
  {
    name: 'call log sync of another user or the account without FullCompanyCallLog: 403 CMN-419 / CMN-401',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url, DEMO.user('user1@example.com'));
      await expectError(
        await rest(
          emu,
          tokens.access_token,
          `/restapi/v1.0/account/~/extension/${DEMO.admin.extensionId}/call-log-sync?recordCount=1`,
        ),
        403,
        { errorCode: 'CMN-419', topErrorCode: 'InsufficientPermissions' },
      );
      const body = await expectError(
        await rest(emu, tokens.access_token, '/restapi/v1.0/account/~/call-log-sync?recordCount=1'),
        403,
        { errorCode: 'CMN-401', topErrorCode: 'InsufficientPermissions' },
      );
      assert.equal(body.permissionName, 'FullCompanyCallLog');
    },
  },
  {
    name: 'a sixth session of the same user and app ends the oldest (five parallel sessions)',
    async run(emu) {
      await emu.control.limits({ group: 'Auth', limit: 100 });
      const sessions: TokenInfo[] = [];
      for (let i = 0; i < 6; i += 1) sessions.push(await loginAndGetTokens(emu.url));
      await expectError(await rest(emu, sessions[0]!.access_token), 401, { errorCode: 'OAU-213' });
      for (const s of sessions.slice(1)) assert.equal((await rest(emu, s.access_token)).status, 200);
    },
  },
  {
    name: 'the Auth group allows 5 token requests per user per app per minute, then 429 CMN-301 with Retry-After',
    async run(emu) {
      const tokens = await loginAndGetTokens(emu.url);
      let current = tokens;
      for (let i = 0; i < 4; i += 1) current = await refreshOk(emu, current.refresh_token);
      const res = await refresh(emu, current.refresh_token);
      assert.equal(res.headers.get('retry-after'), '60');
      assert.equal(res.headers.get('x-rate-limit-group'), 'Auth');
      await expectError(res, 429, { errorCode: 'CMN-301' });
      // Another user of the same app is not affected.
      assert.ok((await loginAndGetTokens(emu.url, DEMO.user('user5@example.com'))).access_token);
    },
  },
  {
    name: 'token lifetimes are clamped: access 600..3600 (garbage and NaN mean 3600), refresh at most 7 days',
    async run(emu) {
      await emu.control.limits({ group: 'Auth', limit: 100 });
      const cases: [string | undefined, string | undefined, number, number][] = [
        ['100', undefined, 600, 604_800],
        ['99999', '999999999', 3600, 604_800],
        ['NaN', 'NaN', 3600, 604_800],
        ['3599', '86400', 3599, 86_400],
        ['abc', '-5', 3600, 604_800],
      ];
      for (const [accessTtl, refreshTtl, expectedAccess, expectedRefresh] of cases) {
        const code = await getCode(emu);
        const form: Record<string, string> = { code, redirect_uri: DEMO.redirectUri };
        if (accessTtl !== undefined) form.access_token_ttl = accessTtl;
        if (refreshTtl !== undefined) form.refresh_token_ttl = refreshTtl;
        const tokens = (await (await exchange(emu, form)).json()) as TokenInfo;
        assert.equal(tokens.expires_in, expectedAccess, `access_token_ttl=${accessTtl}`);
        assert.equal(tokens.refresh_token_expires_in, expectedRefresh, `refresh_token_ttl=${refreshTtl}`);
      }
      // The SDK echoes the previous lifetimes on refresh; the new pair follows them.
      const tokens = await loginAndGetTokens(emu.url);
      const res = await postForm(
        `${emu.url}/restapi/oauth/token`,
        {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          access_token_ttl: '1800',
          refresh_token_ttl: 'NaN',
        },
        BASIC,
      );
      const fresh = (await res.json()) as TokenInfo;
      assert.equal(fresh.expires_in, 1800);
      assert.equal(fresh.refresh_token_expires_in, 604_800);
    },
  },
  {
    name: 'Cancel on the sign-in page redirects with error=access_denied and the state',
    async run(emu) {
      const url = buildAuthorizeUrl(emu.url, { redirectUri: DEMO.redirectUri, state: 'cancel-state' });
      const callback = new URL(await loginThroughForm(url, { username: '', password: '', cancel: true }));
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('state'), 'cancel-state');
      assert.equal(callback.searchParams.get('code'), null);
    },
  },
  {
    name: 'a wrong password shows the page again (401) with an error and issues no code',
    async run(emu) {
      const url = buildAuthorizeUrl(emu.url, { redirectUri: DEMO.redirectUri });
      await assert.rejects(
        loginThroughForm(url, { username: DEMO.admin.username, password: 'wrong' }),
        /HTTP 401 Invalid username or password/,
      );
      assert.equal((await emu.control.stats())['authorize.code'], 0);
    },
  },
];

describe('emulator security table', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(() => emu.stop());
  beforeEach(() => emu.control.reset());

  for (const c of cases) it(c.name, () => c.run(emu));
});
