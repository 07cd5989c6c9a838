/**
 * Bad input never gives a 500 or a stack trace: malformed and oversize bodies, wrong content types, repeated keys,
 * broken percent-encoding, garbage credentials, unknown routes and methods, hostile page parameters, plus a
 * property-based sweep of random query strings and form bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { DEMO } from '../../emulator/index.js';
import {
  buildAuthorizeUrl,
  demoBasicAuth,
  loginAndGetTokens,
  startTestEmulator,
  type TestEmulator,
} from '../helpers/emulator.js';

const STACK = /\n\s+at\s|\bat [^\n]+\.(ts|js):\d+/;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CONTACTS = '/restapi/v1.0/account/~/extension/~/address-book/contact';

interface Case {
  readonly name: string;
  readonly request: (emu: TestEmulator, token: string) => { path: string; init?: RequestInit };
  readonly status: number;
  /** Expected `errors[0].errorCode` (JSON answers). */
  readonly errorCode?: string;
  readonly check?: (res: Response, text: string) => void;
}

const basic = { authorization: demoBasicAuth() };

const cases: Case[] = [
  {
    name: 'token endpoint: JSON body is 415',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic }, body: '{"grant_type":"x"}' },
    }),
    status: 415,
    errorCode: 'CMN-104',
  },
  {
    name: 'token endpoint: text/plain body is 415',
    request: () => ({ path: '/restapi/oauth/token', init: { method: 'POST', headers: basic, body: 'grant_type=x' } }),
    status: 415,
  },
  {
    name: 'token endpoint: no body and no content type is 415',
    request: () => ({ path: '/restapi/oauth/token', init: { method: 'POST', headers: basic } }),
    status: 415,
  },
  {
    name: 'token endpoint: multipart body is 415',
    request: () => {
      const body = new FormData();
      body.set('grant_type', 'authorization_code');
      return { path: '/restapi/oauth/token', init: { method: 'POST', headers: basic, body } };
    },
    status: 415,
  },
  {
    name: 'token endpoint: invalid percent-encoding in the form is 400',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, ...basic }, body: 'grant_type=%E0%A4%A&code=%ZZ' },
    }),
    status: 400,
    errorCode: 'CMN-104',
  },
  {
    name: 'token endpoint: a repeated key is 400 OAU-111',
    request: () => ({
      path: '/restapi/oauth/token',
      init: {
        method: 'POST',
        headers: { 'content-type': FORM, ...basic },
        body: 'grant_type=authorization_code&grant_type=refresh_token',
      },
    }),
    status: 400,
    errorCode: 'OAU-111',
  },
  {
    name: 'token endpoint: a 100 kB body is 413',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, ...basic }, body: `code=${'a'.repeat(100_000)}` },
    }),
    status: 413,
  },
  {
    name: 'token endpoint: a 15 kB code is just an invalid code',
    request: () => ({
      path: '/restapi/oauth/token',
      init: {
        method: 'POST',
        headers: { 'content-type': FORM, ...basic },
        body: `grant_type=authorization_code&code=${'a'.repeat(15_000)}`,
      },
    }),
    status: 400,
    errorCode: 'OAU-106',
  },
  {
    name: 'token endpoint: missing grant_type is 400 invalid_request',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, ...basic }, body: '' },
    }),
    status: 400,
    errorCode: 'CMN-101',
  },
  {
    name: 'token endpoint: an unknown grant type is 400 unsupported_grant_type',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, ...basic }, body: 'grant_type=magic' },
    }),
    status: 400,
    check: (_res, text) => assert.equal((JSON.parse(text) as { error: string }).error, 'unsupported_grant_type'),
  },
  {
    name: 'token endpoint: the password grant is not enabled for the demo app (OAU-251)',
    request: () => ({
      path: '/restapi/oauth/token',
      init: {
        method: 'POST',
        headers: { 'content-type': FORM, ...basic },
        body: 'grant_type=password&username=a&password=b',
      },
    }),
    status: 400,
    errorCode: 'OAU-251',
  },
  {
    name: 'token endpoint: missing Basic auth is 401 OAU-123',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM }, body: 'grant_type=refresh_token&refresh_token=x' },
    }),
    status: 401,
    errorCode: 'OAU-123',
  },
  {
    name: 'token endpoint: garbage Basic credentials are 401',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, authorization: 'Basic !!!!' }, body: 'grant_type=x' },
    }),
    status: 401,
    errorCode: 'OAU-123',
  },
  {
    name: 'token endpoint: a Bearer Authorization header is 401 OAU-151',
    request: () => ({
      path: '/restapi/oauth/token',
      init: { method: 'POST', headers: { 'content-type': FORM, authorization: 'Bearer abc' }, body: 'grant_type=x' },
    }),
    status: 401,
    errorCode: 'OAU-151',
  },
  {
    name: 'token endpoint: __proto__ and constructor keys are plain keys',
    request: () => ({
      path: '/restapi/oauth/token',
      init: {
        method: 'POST',
        headers: { 'content-type': FORM, ...basic },
        body: '__proto__=x&constructor=y&grant_type=refresh_token',
      },
    }),
    status: 400,
    errorCode: 'CMN-101',
  },
  {
    name: 'token endpoint: GET is 405 with Allow',
    request: () => ({ path: '/restapi/oauth/token' }),
    status: 405,
    check: (res) => assert.match(res.headers.get('allow') ?? '', /POST/),
  },
  {
    name: 'authorize: invalid percent-encoding is 400',
    request: () => ({ path: `/restapi/oauth/authorize?client_id=${DEMO.clientId}&state=%E0%A4%A` }),
    status: 400,
    errorCode: 'CMN-104',
  },
  {
    name: 'authorize: a repeated client_id is 400 OAU-111',
    request: () => ({ path: `/restapi/oauth/authorize?client_id=${DEMO.clientId}&client_id=other` }),
    status: 400,
    errorCode: 'OAU-111',
  },
  {
    name: 'authorize: no client_id is 400 OAU-153',
    request: () => ({ path: '/restapi/oauth/authorize?response_type=code' }),
    status: 400,
    errorCode: 'OAU-153',
  },
  {
    name: 'authorize: markup in state is escaped on the page',
    request: (emu) => ({
      path: buildAuthorizeUrl(emu.url, { redirectUri: DEMO.redirectUri, state: '"><script>alert(1)</script>' }).slice(
        emu.url.length,
      ),
    }),
    status: 200,
    check: (res, text) => {
      assert.doesNotMatch(text, /<script>alert/);
      assert.match(text, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
    },
  },
  {
    name: 'authorize: markup in a failed username is escaped',
    request: () => ({
      path: '/restapi/oauth/authorize',
      init: {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({
          response_type: 'code',
          client_id: DEMO.clientId,
          redirect_uri: DEMO.redirectUri,
          username: '<img src=x onerror=alert(1)>',
          password: 'x',
          action: 'signin',
        }).toString(),
      },
    }),
    status: 401,
    check: (_res, text) => {
      assert.doesNotMatch(text, /<img src=x/);
      assert.match(text, /&lt;img src=x onerror=alert\(1\)&gt;/);
    },
  },
  {
    name: 'authorize: response_type=token is sent back as unsupported_response_type',
    request: () => ({
      path: `/restapi/oauth/authorize?response_type=token&client_id=${DEMO.clientId}&redirect_uri=${encodeURIComponent(DEMO.redirectUri)}&state=s`,
      init: { redirect: 'manual' },
    }),
    status: 302,
    check: (res) => {
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
      assert.equal(location.searchParams.get('state'), 's');
    },
  },
  {
    name: 'authorize: an unknown code_challenge_method is sent back as invalid_request',
    request: () => ({
      path: `/restapi/oauth/authorize?response_type=code&client_id=${DEMO.clientId}&redirect_uri=${encodeURIComponent(DEMO.redirectUri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S512`,
      init: { redirect: 'manual' },
    }),
    status: 302,
    check: (res) => assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'invalid_request'),
  },
  {
    name: 'authorize: a JSON POST is 415',
    request: () => ({
      path: '/restapi/oauth/authorize',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    }),
    status: 415,
  },
  {
    name: 'authorize: DELETE is 405',
    request: () => ({ path: '/restapi/oauth/authorize', init: { method: 'DELETE' } }),
    status: 405,
    errorCode: 'CMN-202',
  },
  {
    name: 'revoke: token in query and body that differ is 400 OAU-150',
    request: () => ({
      path: '/restapi/oauth/revoke?token=a',
      init: { method: 'POST', headers: { 'content-type': FORM, ...basic }, body: 'token=b' },
    }),
    status: 400,
    errorCode: 'OAU-150',
  },
  {
    name: 'revoke: no token is 400',
    request: () => ({ path: '/restapi/oauth/revoke', init: { method: 'POST', headers: basic } }),
    status: 400,
    errorCode: 'CMN-101',
  },
  {
    name: 'REST: no Authorization header is 401 AGW-402',
    request: () => ({ path: '/restapi/v1.0/account/~/extension', init: { headers: {} } }),
    status: 401,
    errorCode: 'AGW-402',
  },
  {
    name: 'REST: a Basic Authorization header is 401 OAU-151',
    request: () => ({ path: '/restapi/v1.0/account/~/extension', init: { headers: { authorization: 'Basic abc' } } }),
    status: 401,
    errorCode: 'OAU-151',
  },
  {
    name: 'REST: an empty bearer token is 401 OAU-149',
    request: () => ({ path: '/restapi/v1.0/account/~/extension', init: { headers: { authorization: 'Bearer ' } } }),
    status: 401,
    errorCode: 'OAU-149',
  },
  {
    name: 'REST: a 5000-character Authorization header is 401 OAU-149',
    request: () => ({
      path: '/restapi/v1.0/account/~/extension',
      init: { headers: { authorization: `Bearer ${'x'.repeat(5000)}` } },
    }),
    status: 401,
    errorCode: 'OAU-149',
  },
  {
    name: 'REST: invalid percent-encoding in the query is 400',
    request: (_emu, token) => ({
      path: '/restapi/v1.0/account/~/extension/~/call-log?view=%ZZ',
      init: { headers: { authorization: `Bearer ${token}` } },
    }),
    status: 400,
    errorCode: 'CMN-104',
  },
  {
    name: 'REST: invalid percent-encoding in the path is 400 CMN-120',
    request: (_emu, token) => ({
      path: '/restapi/v1.0/account/%E0%A4%A/extension',
      init: { headers: { authorization: `Bearer ${token}` } },
    }),
    status: 400,
    errorCode: 'CMN-120',
  },
  {
    name: 'REST: an over-long path parameter is refused without a 500',
    request: (_emu, token) => ({
      path: `/restapi/v1.0/account/~/extension/${'9'.repeat(400)}`,
      init: { headers: { authorization: `Bearer ${token}` } },
    }),
    status: 414,
  },
  {
    name: 'REST: POST on a GET endpoint is 405',
    request: (_emu, token) => ({
      path: '/restapi/v1.0/account/~/extension',
      init: { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': FORM }, body: 'a=b' },
    }),
    status: 405,
    errorCode: 'CMN-202',
  },
  {
    name: 'address book: a form body is 415',
    request: (_emu, token) => ({
      path: CONTACTS,
      init: {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': FORM },
        body: 'firstName=x',
      },
    }),
    status: 415,
    errorCode: 'CMN-104',
  },
  {
    name: 'address book: broken JSON is 400 CMN-103',
    request: (_emu, token) => ({
      path: CONTACTS,
      init: { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE }, body: '{"a":' },
    }),
    status: 400,
    errorCode: 'CMN-103',
  },
  {
    name: 'address book: a 20 kB body is 413',
    request: (_emu, token) => ({
      path: CONTACTS,
      init: {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE },
        body: JSON.stringify({ notes: 'x'.repeat(20_000) }),
      },
    }),
    status: 413,
  },
  {
    name: 'address book: an invalid email is 400 CMN-101 for email',
    request: (_emu, token) => ({
      path: `${CONTACTS}/701000001`,
      init: {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE },
        body: '{"email":"<script>@x"}',
      },
    }),
    status: 400,
    errorCode: 'CMN-101',
    check: (_res, text) => assert.equal((JSON.parse(text) as { parameterName: string }).parameterName, 'email'),
  },
  {
    name: 'address book: PATCH is 405',
    request: (_emu, token) => ({
      path: CONTACTS,
      init: { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE }, body: '{}' },
    }),
    status: 405,
    errorCode: 'CMN-202',
  },
  {
    name: 'call log sync: a forged token is 400 CLG-101',
    request: (_emu, token) => ({
      path: '/restapi/v1.0/account/~/extension/~/call-log-sync?syncType=ISync&syncToken=%3Cscript%3E',
      init: { headers: { authorization: `Bearer ${token}` } },
    }),
    status: 400,
    errorCode: 'CLG-101',
    check: (_res, text) => assert.doesNotMatch(text, /<script>/),
  },
  {
    name: 'call log sync: an unknown syncType is 400 CMN-101',
    request: (_emu, token) => ({
      path: '/restapi/v1.0/account/~/call-log-sync?syncType=Everything&recordCount=1',
      init: { headers: { authorization: `Bearer ${token}` } },
    }),
    status: 400,
    errorCode: 'CMN-101',
  },
  {
    name: 'control API: a call record with unknown keys is 400',
    request: () => ({
      path: '/__emulator/call-log',
      init: {
        method: 'POST',
        headers: { 'content-type': JSON_TYPE },
        body: '{"extensionNumber":"101","record":{"__proto__":{"x":1}}}',
      },
    }),
    status: 400,
  },
  {
    name: 'unknown route under /restapi is 404 AGW-404',
    request: () => ({ path: '/restapi/v2.0/nothing/here' }),
    status: 404,
    errorCode: 'AGW-404',
  },
  {
    name: 'unknown route at the root is 404 AGW-404',
    request: () => ({ path: '/' }),
    status: 404,
    errorCode: 'AGW-404',
  },
  {
    name: 'control API: malformed JSON is 400',
    request: () => ({
      path: '/__emulator/limits',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"group":' },
    }),
    status: 400,
  },
  {
    name: 'control API: a 20 kB JSON body is 413',
    request: () => ({
      path: '/__emulator/redirect-uris',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: 'x'.repeat(20_000) }),
      },
    }),
    status: 413,
  },
];

describe('emulator bad input', () => {
  let emu: TestEmulator;
  let token: string;
  before(async () => {
    emu = await startTestEmulator();
    token = (await loginAndGetTokens(emu.url)).access_token;
    await emu.control.limits({ group: 'Medium', limit: 1_000_000 });
    await emu.control.limits({ group: 'Light', limit: 1_000_000 });
    await emu.control.limits({ group: 'Heavy', limit: 1_000_000 });
  });
  after(() => emu.stop());

  for (const c of cases) {
    it(c.name, async () => {
      const { path, init } = c.request(emu, token);
      const res = await fetch(`${emu.url}${path}`, { redirect: 'manual', ...init });
      const text = await res.text();
      assert.equal(res.status, c.status, text.slice(0, 500));
      assert.doesNotMatch(text, STACK);
      if (c.errorCode !== undefined) {
        const body = JSON.parse(text) as { errors: { errorCode: string }[] };
        assert.equal(body.errors[0]?.errorCode, c.errorCode);
      }
      c.check?.(res, text);
    });
  }

  const urlish = fc.stringMatching(/^[A-Za-z0-9%&=+_.~!*'();:@$,/?-]{0,120}$/);

  it('random query strings on every route never give a 5xx or a stack trace', async () => {
    const paths = [
      '/restapi/oauth/authorize',
      '/restapi/v1.0/account/~/extension',
      '/restapi/v1.0/account/~/extension/~',
      '/restapi/v1.0/account/~/extension/~/call-log',
      '/restapi/v1.0/account/~/call-log',
      '/restapi/v1.0/account/~',
      '/restapi/v1.0/account/~/extension/~/presence',
      '/restapi/v1.0/account/~/extension/~/call-log-sync',
      '/restapi/v1.0/account/~/call-log-sync',
      CONTACTS,
      `${CONTACTS}/701000002`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), urlish, async (path, query) => {
        const res = await fetch(`${emu.url}${path}?${query}`, {
          redirect: 'manual',
          headers: { authorization: `Bearer ${token}` },
        });
        const text = await res.text();
        return res.status < 500 && !STACK.test(text);
      }),
      { numRuns: 150 },
    );
  });

  it('random JSON bodies on the address book never give a 5xx or a stack trace', async () => {
    const field = fc.constantFrom(
      'firstName',
      'email',
      'mobilePhone',
      'birthday',
      'webPage',
      'homeAddress',
      'notes',
      'x',
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(field, fc.oneof(fc.jsonValue(), fc.string({ maxLength: 80 }))),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'PUT'), body, async (method, value) => {
        const res = await fetch(`${emu.url}${CONTACTS}${method === 'PUT' ? '/701000003' : ''}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE },
          body: typeof value === 'string' && value.length % 2 === 0 ? value : JSON.stringify(value),
        });
        const text = await res.text();
        return res.status < 500 && !STACK.test(text);
      }),
      { numRuns: 150 },
    );
  });

  it('random form bodies on the OAuth endpoints never give a 5xx or a stack trace', async () => {
    const paths = ['/restapi/oauth/token', '/restapi/oauth/revoke', '/restapi/oauth/authorize'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), urlish, fc.boolean(), async (path, body, withBasic) => {
        const res = await fetch(`${emu.url}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': FORM, ...(withBasic ? basic : {}) },
          body,
        });
        const text = await res.text();
        return res.status < 500 && !STACK.test(text);
      }),
      { numRuns: 150 },
    );
  });
});
