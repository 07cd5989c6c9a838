/**
 * The bad-input catalog: every route the app registers (the list comes from the app itself, so a new route
 * cannot escape) × every malformed input, for a JSON client and for a browser, with a logged-in user's cookie.
 * Each cell: a response below 500 (a clear 4xx, or the documented 2xx/3xx where the input is harmless), no stack
 * trace or internals, the error as JSON or as a page by `Accept`, the strict CSP on every page, nothing reflected
 * unescaped, no injected header — and afterwards the user's session still works.
 * Requests go over a raw socket so that bytes `fetch` would fix up (invalid UTF-8, CRLF, a forged Host) arrive
 * as sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { raiseLimits, sessionIdOf, USER1, USERS } from '../support/fixtures.js';
import { assertNoInternals, assertNothingReflected, assertStrictPage, XSS_PAYLOADS } from '../support/checks.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';

const ACCEPTS = {
  json: 'application/json',
  html: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
} as const;
type AcceptKind = keyof typeof ACCEPTS;

/** One route of the app, with a request that is valid for it. */
interface Target {
  readonly method: string;
  /** The route pattern, as the app registered it. */
  readonly route: string;
  readonly path: string;
  /** A query the route accepts (empty for most). */
  readonly query: string;
  /** Headers every request to the route carries (the backend for front-ends needs `X-CSRF: 1`). */
  readonly headers: readonly [string, string][];
  /** The route answers every error as JSON, whatever the request accepts (an API). */
  readonly jsonOnly: boolean;
}

/** What a row sends to one target. */
interface Sent {
  readonly method?: string;
  readonly target: string | Buffer;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** The row brings its own Cookie header (the user's cookie is not sent). */
  readonly ownCookie?: boolean;
}

interface Row {
  readonly name: string;
  readonly send: (target: Target, cookie: string) => Sent | undefined;
  /** Statuses allowed for this target; default: anything below 500. */
  readonly expect?: (target: Target) => readonly number[] | undefined;
  /** Answered by Node's HTTP parser before the app (431/400 without a body): no format check. */
  readonly raw?: boolean;
  /** The row sends its own `Accept`: either format is fine, as long as it is one of them, well-formed. */
  readonly ownAccept?: boolean;
}

const CALLBACK = '/oauth2callback';
const READS_QUERY = new Set(['/', '/index', '/login', '/test', CALLBACK]);
const long = (n: number): string => 'x'.repeat(n);
const withQuery = (t: Target, extra: string): string => {
  const query = [t.query, extra].filter((part) => part !== '').join('&');
  return query === '' ? t.path : `${t.path}?${query}`;
};
const q = (t: Target, extra: string, cookie: string): Sent => ({
  method: t.method,
  target: withQuery(t, extra),
  headers: [['Cookie', cookie]],
});

/** 400 where the route reads its query; the rest ignore it. */
const badQuery = (t: Target): readonly number[] | undefined =>
  READS_QUERY.has(t.route) && t.method === 'GET' ? [400] : undefined;

const ROWS: readonly Row[] = [
  { name: 'valid request (baseline)', send: (t, c) => q(t, '', c) },
  { name: 'broken percent-encoding', send: (t, c) => q(t, '%zz=%E0%A4%A&x=%&%=%', c) },
  { name: 'invalid UTF-8 (percent-encoded)', send: (t, c) => q(t, 'x=%C3%28&y=%FF%FE&z=%ED%A0%80', c) },
  {
    name: 'invalid UTF-8 (raw bytes in the target)',
    send: (t, c) => ({
      method: t.method,
      target: Buffer.concat([Buffer.from(withQuery(t, 'x=')), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]),
      headers: [['Cookie', c]],
    }),
    // Node's HTTP parser refuses them (400, no body) before the app sees the request.
    raw: true,
  },
  {
    name: 'broken percent-encoding in the path',
    send: (t, c) => ({
      method: t.method,
      target: `${t.path}%zz${t.query === '' ? '' : `?${t.query}`}`,
      headers: [['Cookie', c]],
    }),
    expect: () => [400, 404],
  },
  {
    name: 'NUL, backslash and dot segments in the path',
    send: (t, c) => ({ method: t.method, target: `${t.path}%00/..%5c..%2f/../x`, headers: [['Cookie', c]] }),
    expect: () => [400, 404],
  },
  {
    name: 'duplicated parameters',
    send: (t, c) =>
      q(
        t,
        'api=extension&api=extension-call-log&notice=logged-out&notice=x&returnTo=/&returnTo=/test&popup=1&popup=0&' +
          'code=a&code=b&state=a&state=b&format=json&format=html&page=1&page=2',
        c,
      ),
    expect: (t) => (t.route === CALLBACK ? [400] : badQuery(t)),
  },
  {
    name: 'arrays where strings belong',
    send: (t, c) => q(t, 'api[]=extension&api[0]=x&returnTo[]=/&notice[a]=b&page[]=1&format[]=json', c),
  },
  {
    name: 'huge parameter values (3 kB each, over the 2 kB bound)',
    send: (t, c) => q(t, ['notice', 'returnTo', 'perPage', 'code'].map((n) => `${n}=${long(3000)}`).join('&'), c),
    expect: badQuery,
  },
  { name: 'an oversize URL (40 kB)', send: (t, c) => q(t, `a=${long(40_000)}`, c), raw: true },
  {
    name: 'control characters',
    send: (t, c) => q(t, 'returnTo=/%00%0d%0a&notice=%0d%0a&api=extension%00&state=%0a&popup=%07', c),
    expect: (t) => (t.route === '/login' || t.route === '/test' ? [400] : undefined),
  },
  {
    name: 'CRLF header injection in values that reach Location',
    send: (t, c) =>
      q(
        t,
        'returnTo=/test%0d%0aSet-Cookie:%20injected=1&notice=logged-out%0d%0aX-Injected:%201&' +
          'next=%0d%0aLocation:%20https://evil.example',
        c,
      ),
    expect: (t) => (t.route === '/login' ? [400] : undefined),
  },
  {
    name: 'markup in every parameter',
    send: (t, c) =>
      q(
        t,
        ['api', 'notice', 'returnTo', 'popup', 'code', 'state', 'error', 'error_description', 'format', 'page']
          .map((name, i) => `${name}=${encodeURIComponent(XSS_PAYLOADS[i % XSS_PAYLOADS.length]!)}`)
          .join('&'),
        c,
      ),
  },
  {
    name: 'unknown api values',
    send: (t, c) => (t.route === '/test' ? q({ ...t, query: '' }, 'api=contacts', c) : q(t, 'api=__proto__', c)),
    expect: (t) => (t.route === '/test' ? [400] : undefined),
  },
  {
    name: 'api values that almost match',
    send: (t, c) =>
      t.route === '/test' ? q({ ...t, query: '' }, 'api=EXTENSION', c) : q(t, 'api=extension%20&api2=constructor', c),
    expect: (t) => (t.route === '/test' ? [400] : undefined),
  },
  { name: 'prototype keys', send: (t, c) => q(t, '__proto__=x&constructor=y&toString=z&hasOwnProperty=1', c) },
  {
    name: 'empty values',
    send: (t, c) => q({ ...t, query: '' }, 'api=&page=&perPage=&format=&returnTo=&popup=&code=&state=&notice=', c),
  },
  {
    name: 'unicode: emoji, RTL override, fullwidth',
    send: (t, c) => q(t, 'notice=%F0%9F%92%A9&api2=%E2%80%AEtxt&returnTo=%EF%BC%8F%EF%BC%8Fevil.example', c),
    expect: (t) => (t.route === '/login' ? [400] : undefined),
  },
  {
    name: 'callback with a foreign state and code',
    send: (t, c) => q({ ...t, query: '' }, `code=${long(48)}&state=${'A'.repeat(43)}`, c),
    expect: (t) => (t.route === CALLBACK ? [400] : undefined),
  },
  {
    name: 'error= callback',
    send: (t, c) => q({ ...t, query: '' }, 'error=access_denied&error_description=Call%20us%20at%20555&state=x', c),
    expect: (t) => (t.route === CALLBACK ? [400] : undefined),
  },
  {
    name: 'a body where none belongs (GET with a body)',
    send: (t, c) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [
        ['Cookie', c],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: 'api=account-call-log&csrf=x',
    }),
  },
  ...(['PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const).map((method): Row => ({
    name: `wrong method ${method}`,
    send: (t, c) => ({
      method,
      target: withQuery(t, ''),
      headers: [
        ['Cookie', c],
        ['Content-Type', 'application/json'],
      ],
      body: '{"csrf":"x"}',
    }),
    // The backend for front-ends takes every method its operations use: there, any clear 4xx is right.
    expect: (t) => (t.jsonOnly ? undefined : [404]),
  })),
  {
    name: 'wrong method POST (form body)',
    send: (t, c) => ({
      method: 'POST',
      target: withQuery(t, ''),
      headers: [
        ['Cookie', c],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: 'x=1',
    }),
    // POST /logout exists: without the session's CSRF token it is refused.
    expect: (t) => (t.route === '/logout' ? [403] : [404]),
  },
  {
    name: 'Host header pointing elsewhere',
    send: (t, c) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [
        ['Host', 'evil.example'],
        ['Cookie', c],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-Proto', 'https'],
      ],
    }),
  },
  {
    name: 'absolute-form request target to another host',
    send: (t, c) => ({ method: t.method, target: `http://evil.example${withQuery(t, '')}`, headers: [['Cookie', c]] }),
  },
  {
    name: 'forged cookie signature',
    send: (t, c) => {
      const value = c.slice(c.indexOf('=') + 1);
      const forged = `${value.slice(0, -3)}${value.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      return { method: t.method, target: withQuery(t, ''), headers: [['Cookie', `rcsid=${forged}`]], ownCookie: true };
    },
  },
  {
    name: 'oversize cookie (5 kB)',
    send: (t) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [['Cookie', `rcsid=${long(5000)}`]],
      ownCookie: true,
    }),
  },
  {
    name: 'oversize Cookie header (40 kB)',
    send: (t) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [['Cookie', `a=${long(40_000)}`]],
      ownCookie: true,
    }),
    raw: true,
  },
  {
    name: 'garbage cookies',
    send: (t) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [['Cookie', 'rcsid=%%%; =;;; rcsid; __proto__=1; rcsid=%E0%A4%A']],
      ownCookie: true,
    }),
  },
  {
    name: 'duplicated session cookie: the real one first',
    send: (t, c) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [['Cookie', `${c}; rcsid=forged.value`]],
      ownCookie: true,
    }),
  },
  {
    name: 'duplicated Cookie headers',
    send: (t, c) => ({
      method: t.method,
      target: withQuery(t, ''),
      headers: [
        ['Cookie', 'rcsid=forged.value'],
        ['Cookie', c],
      ],
      ownCookie: true,
    }),
  },
  {
    name: 'odd Accept headers',
    send: (t, c) => ({
      method: t.method,
      target: withQuery(t, 'format=xml'),
      headers: [
        ['Cookie', c],
        ['Accept', `text/html;q=abc, application/json;q=-1, ${long(2000)}/*`],
      ],
    }),
    ownAccept: true,
    // The routes that read "format" refuse a value they do not know.
    expect: (t) => (t.route === '/test' || t.route === '/profile' ? [400] : undefined),
  },
];

function contentType(response: RawResponse): string {
  return response.headers.get('content-type')?.[0] ?? '';
}

describe('bad-input catalog (every route × every malformed input)', () => {
  let emulator: RunningEmulator;
  let app: TestApp;
  let browser: HttpClient;
  let cookie: string;
  let targets: Target[];

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    // The catalog sends hundreds of requests to the login routes from one address; the limit has its own tests.
    app = await startTestApp(undefined, { emulator, env: { LOGIN_RATE_LIMIT: 'off' } });
    await raiseLimits(emulator.url);
    browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    cookie = browser.cookieHeader();
    targets = app.routes.map((r) => {
      const bff = r.url.startsWith('/api/rc/');
      return {
        method: r.method,
        route: r.url,
        path: bff ? '/api/rc/restapi/v1.0/account/~/extension/~' : r.url.replace('*', 'app.css'),
        query:
          r.url === '/test' ? 'api=extension' : r.url === CALLBACK ? `code=${long(48)}&state=${'S'.repeat(43)}` : '',
        headers: bff ? [['X-CSRF', '1']] : [],
        jsonOnly: bff,
      };
    });
  });
  after(async () => {
    await app.close();
    await emulator.close();
  });

  it('the catalog covers every route the app registers', () => {
    const routes = new Set(app.routes.map((r) => `${r.method} ${r.url}`));
    const pages = [
      'GET /',
      'GET /index',
      'GET /login',
      `GET ${CALLBACK}`,
      'GET /test',
      'GET /profile',
      'GET /contacts',
      'GET /logout',
    ];
    for (const expected of pages) {
      assert.ok(routes.has(expected), `${expected} is registered and so in the catalog`);
    }
    assert.ok(routes.has('POST /logout'));
    assert.equal(targets.length, app.routes.length);
    assert.ok(ROWS.length >= 30, `${ROWS.length} rows`);
  });

  for (const row of ROWS) {
    it(row.name, async () => {
      for (const target of targets) {
        const sent = row.send(target, cookie);
        if (sent === undefined) continue;
        for (const kind of Object.keys(ACCEPTS) as AcceptKind[]) {
          const headers = [...target.headers, ...(sent.headers ?? [])];
          if (!headers.some(([name]) => name.toLowerCase() === 'accept')) headers.push(['Accept', ACCEPTS[kind]]);
          const what = `${row.name} → ${sent.method ?? 'GET'} ${target.route} (${kind})`;
          const response = await rawRequest(app.url, {
            ...(sent.method === undefined ? {} : { method: sent.method }),
            target: sent.target,
            headers,
            ...(sent.body === undefined ? {} : { body: sent.body }),
          });
          checkResponse(row, target, kind, response, what);
        }
        const kept = await browser.get('/test?api=extension', { accept: 'application/json' });
        assert.equal(kept.status, 200, `${row.name} → ${target.method} ${target.route}: the session still works`);
      }
    });
  }

  function checkResponse(row: Row, target: Target, kind: AcceptKind, response: RawResponse, what: string): void {
    assert.ok(response.status >= 200 && response.status < 500, `${what}: status ${response.status}`);
    const allowed = row.expect?.(target);
    if (allowed !== undefined) assert.ok(allowed.includes(response.status), `${what}: ${response.status}`);
    assertNoInternals(response.head + response.body, what);
    assertNothingReflected(response.body, what);
    assert.doesNotMatch(response.head, /^(x-injected|location: https:\/\/evil)/im, `${what}: injected header`);
    for (const value of response.headers.get('set-cookie') ?? []) {
      assert.doesNotMatch(value, /injected/, `${what}: injected cookie`);
    }
    for (const location of response.headers.get('location') ?? []) {
      assert.ok(location.startsWith('/') || location.startsWith(emulator.url), `${what}: Location ${location}`);
      assert.ok(!location.startsWith('//'), `${what}: scheme-relative Location ${location}`);
    }
    assert.ok(!response.body.includes('evil.example'), `${what}: a foreign host reflected`);
    const type = contentType(response);
    if (type.startsWith('text/html'))
      assertStrictPage(response.headers.get('content-security-policy')?.[0], response.body, what);
    if (row.raw === true || response.status < 400 || target.method === 'HEAD') return;
    if (kind === 'json' || target.jsonOnly || (row.ownAccept === true && type.startsWith('application/json'))) {
      assert.match(type, /^application\/json/, `${what}: a JSON error`);
      assert.match((JSON.parse(response.body) as { code: string }).code, /^RCAPP_[A-Z_]+$/, `${what}: an RCAPP_ code`);
    } else {
      assert.match(type, /^text\/html/, `${what}: an error page`);
      assert.match(response.body, /RCAPP_[A-Z_]+/, `${what}: the page names the error code`);
    }
  }

  it('duplicated session cookies: the first one wins (RFC 6265 §5.4 order), never a crash', async () => {
    const realFirst = await rawRequest(app.url, {
      target: '/test?api=extension',
      headers: [
        ['Cookie', `${cookie}; rcsid=forged.value`],
        ['Accept', 'application/json'],
      ],
    });
    assert.equal(realFirst.status, 200, 'the real cookie first: logged in');
    const forgedFirst = await rawRequest(app.url, {
      target: '/test?api=extension',
      headers: [
        ['Cookie', `rcsid=forged.value; ${cookie}`],
        ['Accept', 'application/json'],
      ],
    });
    assert.equal(forgedFirst.status, 401, 'a forged cookie first: treated as not logged in');
  });

  it('an expired (destroyed) session cookie is treated as no session, other sessions untouched', async () => {
    const other = new HttpClient(app.url);
    await other.loginAs(USERS[1]!.username, USERS[1]!.password);
    const stale = other.cookieHeader();
    await app.store.destroy(sessionIdOf(app, other) ?? '');
    for (const kind of Object.keys(ACCEPTS) as AcceptKind[]) {
      const response = await rawRequest(app.url, {
        target: '/test?api=extension',
        headers: [
          ['Cookie', stale],
          ['Accept', ACCEPTS[kind]],
        ],
      });
      assert.ok(response.status === 401 || response.status === 302, `${kind}: ${response.status}`);
    }
    assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
  });
});
