/**
 * Property-based fuzzing (fast-check) of query and cookie handling on the routes that read them — `/`, `/test`,
 * `/profile`, the OAuth callback, `/logout`, `/login`: arbitrary query strings (broken and overlong percent-encoding, unicode,
 * encoded control characters, repeated keys, brackets) and arbitrary Cookie headers (forged, repeated, quoted,
 * latin-1), sent as raw bytes. Never a 5xx, never internals, nothing reflected — and the logged-in user who
 * watched it all is still logged in. Bounded: 200 runs per route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { raiseLimits, USER1 } from '../support/fixtures.js';
import { assertNoInternals, assertNothingReflected } from '../support/checks.js';
import { rawRequest } from '../support/raw-http.js';

const RUNS = 200;
const ROUTES = ['/', '/test', '/profile', '/contacts', '/oauth2callback', '/logout', '/login'] as const;

const hexByte = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`);
/** Pieces of a query string: what parsers trip over. */
const queryPiece = fc.oneof(
  fc.constantFrom(
    'api',
    'api=extension',
    'api=extension-call-log',
    'api=account-call-log',
    'page',
    'perPage',
    'dateFrom',
    'format',
    'notice',
    'returnTo',
    'popup',
    'code',
    'state',
    'error',
    'error_description',
    'csrf',
    '__proto__',
    'constructor',
    '[]',
    '[0]',
    '=',
    '&',
    '&&',
    '%',
    '%2',
    '%zz',
    '%00',
    '%0D%0A',
    '%E0%A4%A',
    '%C0%AF',
    '%ED%A0%80',
    '%F4%90%80%80',
    '+',
    '//evil.example',
    '%2F%2Fevil.example',
    '/%5Cevil.example',
    'javascript:alert(1)',
    '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    '9'.repeat(400),
  ),
  hexByte,
  fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[A-Za-z0-9._~!$'()*,;:@/?-]{0,12}$/),
);
const queryString = fc.array(queryPiece, { maxLength: 24 }).map((parts) => parts.join(''));

/** Cookie header pieces (no CR, LF or NUL: those would end the header itself). */
function cookiePiece(real: string) {
  return fc.oneof(
    fc.constantFrom('rcsid=', '__Host-rcsid=', 'rcsid', ';', '; ', '=', '"', ',', '%', '%zz', '%E0%A4%A', '.', real),
    fc.stringMatching(/^[A-Za-z0-9_.+/=-]{0,60}$/),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  );
}

describe('fuzzing query strings and cookies', () => {
  let emulator: RunningEmulator;
  let app: TestApp;
  let browser: HttpClient;
  let realCookie: string;

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    app = await startTestApp(undefined, { emulator, env: { LOGIN_RATE_LIMIT: 'off' } });
    await raiseLimits(emulator.url);
    browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    realCookie = browser.cookieHeader();
  });
  after(async () => {
    await app.close();
    await emulator.close();
  });

  for (const route of ROUTES) {
    it(`${route}: arbitrary query strings and cookies → never a 5xx, never internals`, async () => {
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(
          queryString,
          fc.array(cookiePiece(realCookie), { maxLength: 8 }).map((parts) => parts.join('')),
          fc.constantFrom('application/json', 'text/html', '*/*', ''),
          async (query, cookie, accept) => {
            sent += 1;
            const headers: [string, string][] = [];
            if (cookie.trim() !== '') headers.push(['Cookie', cookie]);
            if (accept !== '') headers.push(['Accept', accept]);
            const response = await rawRequest(app.url, {
              target: Buffer.from(`${route}?${query}`, 'latin1'),
              headers,
            });
            const what = `${route}?${query.slice(0, 120)} cookie=${cookie.slice(0, 60)}`;
            assert.ok(response.status >= 200 && response.status < 500, `${what}: ${response.status}`);
            assertNoInternals(response.head + response.body, what);
            assertNothingReflected(response.body, what);
          },
        ),
        { numRuns: RUNS },
      );
      assert.equal(sent >= RUNS, true, `${sent} requests sent`);
      const kept = await browser.get('/test?api=extension', { accept: 'application/json' });
      assert.equal(kept.status, 200, 'the logged-in user is still logged in');
    });
  }
});
