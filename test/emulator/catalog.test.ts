/**
 * The emulator's bad-input catalog: every route it registers (collected with an `onRoute` hook, so a new route
 * cannot escape) × malformed inputs — broken and invalid percent-encoding, raw bytes, repeated and array keys,
 * huge values, markup, wrong bodies and content types, garbage credentials, foreign origins and hosts — sent as
 * raw bytes. Each cell: below 500, no stack trace or internals, a RingCentral-shaped JSON error (`errorCode` or
 * OAuth `error`, never sniffed as HTML) or a page that reflects nothing unescaped. Complements `bad-input.test.ts` (exact codes per case).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FIRST_CONTACT_ID } from '../../emulator/contacts.js';
import { buildEmulator } from '../../emulator/index.js';
import { demoBasicAuth, loginAndGetTokens } from '../helpers/emulator.js';
import { assertNoInternals, assertNothingReflected, XSS_PAYLOADS } from '../integration/support/checks.js';
import { rawRequest, type RawResponse } from '../integration/support/raw-http.js';
import type { FastifyInstance } from 'fastify';

interface Target {
  readonly method: string;
  readonly route: string;
  readonly path: string;
}

interface Sent {
  readonly method?: string;
  readonly target: string | Buffer;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
}

interface Row {
  readonly name: string;
  readonly send: (t: Target, auth: string) => Sent;
  /** Answered by Node's HTTP parser (no body): no format check. */
  readonly raw?: boolean;
  /** A URL the router cannot decode. */
  readonly undecodable?: boolean;
}

const FORM = 'application/x-www-form-urlencoded';
const long = (n: number): string => 'x'.repeat(n);
const hasBody = (t: Target): boolean => t.method === 'POST' || t.method === 'PUT' || t.method === 'PATCH';
/** Routes whose bodies are JSON: the control API and the address book. */
const takesJson = (t: Target): boolean => t.route.startsWith('/__emulator') || t.route.includes('/address-book/');

/** Credentials each kind of route expects (so rows get past the first check). */
function defaultHeaders(t: Target, auth: string): [string, string][] {
  if (t.route.startsWith('/restapi/v1.0')) return [['Authorization', auth]];
  if (t.route === '/restapi/oauth/token' || t.route === '/restapi/oauth/revoke') {
    return [['Authorization', demoBasicAuth()]];
  }
  return [];
}

function withQuery(t: Target, query: string, auth: string, body?: string): Sent {
  return {
    method: t.method,
    target: query === '' ? t.path : `${t.path}?${query}`,
    headers: [
      ...defaultHeaders(t, auth),
      ...(hasBody(t) ? ([['Content-Type', takesJson(t) ? 'application/json' : FORM]] as const) : []),
    ],
    ...(hasBody(t) ? { body: body ?? (takesJson(t) ? '{"unknown":1}' : 'grant_type=x') } : {}),
  };
}

const ROWS: readonly Row[] = [
  { name: 'baseline', send: (t, a) => withQuery(t, '', a) },
  { name: 'broken percent-encoding', send: (t, a) => withQuery(t, '%zz=%E0%A4%A&x=%&%=%', a) },
  { name: 'invalid UTF-8 (percent-encoded)', send: (t, a) => withQuery(t, 'x=%C3%28&state=%FF%FE&view=%ED%A0%80', a) },
  {
    name: 'raw non-UTF-8 bytes in the target',
    send: (t, a) => ({
      ...withQuery(t, '', a),
      target: Buffer.concat([Buffer.from(`${t.path}?x=`), Buffer.from([0xc3, 0x28, 0xff])]),
    }),
    raw: true,
  },
  {
    name: 'repeated parameters',
    send: (t, a) =>
      withQuery(
        t,
        'client_id=demo-client-id&client_id=x&state=a&state=b&page=1&page=2&perPage=1&perPage=2&view=Simple&view=Detailed',
        a,
      ),
  },
  {
    name: 'arrays where strings belong',
    send: (t, a) => withQuery(t, 'client_id[]=x&state[0]=y&page[]=1&type[a]=Voice', a),
  },
  {
    name: 'huge values (3 kB each)',
    send: (t, a) =>
      withQuery(t, ['state', 'client_id', 'page', 'dateFrom'].map((n) => `${n}=${long(3000)}`).join('&'), a),
  },
  { name: 'an oversize URL (40 kB)', send: (t, a) => withQuery(t, `a=${long(40_000)}`, a), raw: true },
  {
    name: 'control characters',
    send: (t, a) => withQuery(t, 'state=%00%0d%0a&redirect_uri=%0aSet-Cookie:x&page=%07', a),
  },
  {
    name: 'markup in every parameter',
    send: (t, a) =>
      withQuery(
        t,
        ['state', 'client_id', 'redirect_uri', 'login_hint', 'display', 'prompt', 'ui_locales', 'page', 'view']
          .map((n, i) => `${n}=${encodeURIComponent(XSS_PAYLOADS[i % XSS_PAYLOADS.length]!)}`)
          .join('&'),
        a,
      ),
  },
  { name: 'prototype keys', send: (t, a) => withQuery(t, '__proto__=x&constructor=y&toString=z', a) },
  { name: 'empty values', send: (t, a) => withQuery(t, 'client_id=&state=&page=&perPage=&dateFrom=&view=', a) },
  {
    name: 'broken percent-encoding in the path',
    send: (t, a) => ({ ...withQuery(t, '', a), target: `${t.path.replace(/\/[^/]*$/, '/%E0%A4%A')}` }),
    undecodable: true,
  },
  {
    name: 'a body where none belongs',
    send: (t, a) => ({
      method: t.method,
      target: t.path,
      headers: [...defaultHeaders(t, a), ['Content-Type', FORM]],
      body: 'grant_type=refresh_token&refresh_token=x',
    }),
  },
  {
    name: 'wrong content types',
    send: (t, a) => ({
      method: hasBody(t) ? t.method : 'POST',
      target: t.path,
      headers: [...defaultHeaders(t, a), ['Content-Type', 'text/xml; charset=utf-7']],
      body: '<x>&lt;</x>',
    }),
  },
  {
    name: 'malformed bodies',
    send: (t, a) => ({
      method: hasBody(t) ? t.method : 'POST',
      target: t.path,
      headers: [...defaultHeaders(t, a), ['Content-Type', takesJson(t) ? 'application/json' : FORM]],
      body: takesJson(t) ? '{"route":' : '%zz=&=&&grant_type=%E0%A4%A',
    }),
  },
  {
    name: 'an oversize body (100 kB)',
    send: (t, a) => ({
      method: hasBody(t) ? t.method : 'POST',
      target: t.path,
      headers: [...defaultHeaders(t, a), ['Content-Type', FORM]],
      body: `code=${long(100_000)}`,
    }),
  },
  {
    name: 'garbage credentials',
    send: (t) => ({
      method: t.method,
      target: t.path,
      headers: [['Authorization', `Bearer ${long(5000)}`]],
      ...(hasBody(t) ? { body: 'grant_type=x' } : {}),
    }),
  },
  {
    name: 'Basic credentials with a NUL and no colon',
    send: (t) => ({
      method: t.method,
      target: t.path,
      headers: [['Authorization', `Basic ${Buffer.from('demo-client-id\u0000x').toString('base64')}`]],
    }),
  },
  {
    name: 'a foreign Origin',
    send: (t, a) => {
      const sent = withQuery(t, '', a);
      return { ...sent, headers: [...(sent.headers ?? []), ['Origin', 'https://evil.example']] };
    },
  },
  {
    name: 'Host header pointing elsewhere',
    send: (t, a) => {
      const sent = withQuery(t, '', a);
      return { ...sent, headers: [['Host', 'evil.example'], ...(sent.headers ?? [])] };
    },
  },
];

function isEmulatorError(response: RawResponse): boolean {
  const body = JSON.parse(response.body) as { errorCode?: unknown; error?: unknown };
  return typeof body.errorCode === 'string' || typeof body.error === 'string';
}

describe('emulator bad-input catalog (every route × every malformed input)', () => {
  let app: FastifyInstance;
  let url: string;
  let auth: string;
  const routes: Target[] = [];

  async function freshToken(): Promise<void> {
    for (const group of ['Light', 'Medium', 'Heavy', 'Auth']) {
      await fetch(`${url}/__emulator/limits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ group, limit: 1_000_000 }),
      });
    }
    auth = `Bearer ${(await loginAndGetTokens(url)).access_token}`;
  }

  before(async () => {
    app = buildEmulator();
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        routes.push({
          method,
          route: route.url,
          path: route.url
            .replace(/:accountId|:extensionId/g, '~')
            .replace(':contactId', String(FIRST_CONTACT_ID))
            .replace('*', 'v1.0/account/~/extension'),
        });
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    await freshToken();
  });
  after(() => app.close());

  it('the catalog covers every route the emulator registers', () => {
    const names = new Set(routes.map((r) => `${r.method} ${r.route}`));
    for (const expected of [
      'GET /restapi/oauth/authorize',
      'POST /restapi/oauth/authorize',
      'POST /restapi/oauth/token',
      'POST /restapi/oauth/revoke',
      'GET /restapi/v1.0/account/:accountId/extension',
      'GET /restapi/v1.0/account/:accountId/call-log',
      'OPTIONS /restapi/*',
      'POST /__emulator/faults',
      'GET /restapi/v1.0/account/:accountId',
      'GET /restapi/v1.0/account/:accountId/extension/:extensionId/presence',
      'GET /restapi/v1.0/account/:accountId/extension/:extensionId/call-log-sync',
      'GET /restapi/v1.0/account/:accountId/call-log-sync',
      'GET /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact',
      'POST /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact',
      'GET /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact/:contactId',
      'PUT /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact/:contactId',
      'DELETE /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact/:contactId',
      'PATCH /restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact/:contactId',
      'POST /__emulator/call-log',
    ]) {
      assert.ok(names.has(expected), expected);
    }
    assert.ok(routes.length >= 80, `${routes.length} method × route pairs`);
  });

  for (const row of ROWS) {
    it(row.name, async () => {
      for (const target of routes) {
        const sent = row.send(target, auth);
        const what = `${row.name} → ${sent.method ?? 'GET'} ${target.route}`;
        const response = await rawRequest(url, {
          ...(sent.method === undefined ? {} : { method: sent.method }),
          target: sent.target,
          headers: sent.headers ?? [],
          ...(sent.body === undefined ? {} : { body: sent.body }),
        });
        assert.ok(response.status >= 200 && response.status < 500, `${what}: status ${response.status}`);
        assertNoInternals(response.head + response.body, what);
        const type = response.headers.get('content-type')?.[0] ?? '';
        // Markup is dangerous where a browser renders it: pages must escape it. JSON errors may quote a bad value
        // back (as RingCentral does), so they must not be sniffed as HTML.
        if (type.startsWith('text/html')) assertNothingReflected(response.body, what);
        if (row.raw !== true && type.startsWith('application/json') && target.route.startsWith('/restapi')) {
          assert.equal(response.headers.get('x-content-type-options')?.[0], 'nosniff', `${what}: nosniff`);
        }
        for (const location of response.headers.get('location') ?? []) {
          assert.doesNotMatch(location, /[\r\n]/, `${what}: Location`);
        }
        if (row.raw !== true && response.status >= 400 && sent.method !== 'HEAD') {
          if (type.startsWith('application/json')) assert.ok(isEmulatorError(response), `${what}: ${response.body}`);
          else assert.match(type, /^text\/html/, `${what}: an error is JSON or a sign-in page (${type})`);
        }
        // `POST /__emulator/reset` takes any body: start again from a clean slate with a fresh token.
        if (target.route === '/__emulator/reset' && response.status === 200) await freshToken();
      }
    });
  }
});
