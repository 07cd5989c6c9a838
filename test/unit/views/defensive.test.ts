import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createViews } from '../../../src/web/views/index.js';
import type { ApiName } from '../../../src/web/views/models.js';
import { NOW, apiResultModel, errorModel, homeModel, loginModel, popupDoneModel, profileModel } from './fixtures.js';
import { textOf } from './html-checks.js';

const views = createViews({ now: () => NOW });
const TEMPLATES = fileURLToPath(new URL('../../../src/web/views/templates/', import.meta.url));

const ODD_BODIES: readonly [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'Service Unavailable'],
  ['a number', 42],
  ['an array', [1, 2, 3]],
  ['records not an array', { records: 'nope', paging: 'x', navigation: 5 }],
  ['records null', { records: null }],
  ['records of odd items', { records: [null, 1, 'x', [], { id: {} }] }],
  [
    'records with wrong field types',
    {
      records: [
        {
          id: { nested: true },
          extensionNumber: 102,
          name: ['a'],
          contact: 'x',
          status: null,
          startTime: 'yesterday',
          duration: -5,
          from: 'someone',
          to: { name: { first: 'x' } },
          extension: [],
        },
      ],
      paging: { page: 'one', totalPages: null, pageStart: 'a', pageEnd: {} },
    },
  ],
  [
    'a cyclic object',
    (() => {
      const o: Record<string, unknown> = { records: [] };
      o.self = o;
      return o;
    })(),
  ],
  ['a bigint', { records: [{ id: 10n }] }],
];

void describe('defensive rendering of RingCentral bodies', () => {
  for (const api of ['extension', 'extension-call-log', 'account-call-log'] as ApiName[]) {
    for (const status of [200, 403, 500]) {
      for (const [label, body] of ODD_BODIES) {
        void it(`${api} ${status} with ${label} renders a page`, () => {
          const html = views.apiResult(apiResultModel({ api, status, body, rawJson: '', paging: {} }));
          assert.match(html, /<\/html>$/);
          assert.match(html, /Raw JSON from RingCentral|could not be displayed/);
        });
      }
    }
  }

  for (const [label, body] of ODD_BODIES) {
    void it(`profile with ${label} renders the page, each missing field "not set"`, () => {
      const html = views.profile(profileModel({ extension: body }));
      assert.match(html, /<h1>My profile<\/h1>/);
      assert.match(textOf(html), /Name not set Extension number not set Email not set Status not set/);
    });
  }

  void it('shows "no table" and the raw JSON for a 2xx body without records', () => {
    const html = views.apiResult(
      apiResultModel({ body: { hello: 'world' }, rawJson: '{"hello":"world"}', paging: {} }),
    );
    assert.match(textOf(html), /RingCentral's response has no table to show\. The raw JSON is below\./);
    assert.match(html, /\{&quot;hello&quot;:&quot;world&quot;\}/);
    assert.doesNotMatch(html, /<table/);
  });

  void it('shows a non-JSON error body as the error message', () => {
    const html = views.apiResult(
      apiResultModel({ status: 503, body: 'Service Unavailable', rawJson: 'Service Unavailable' }),
    );
    assert.match(
      textOf(html),
      /RingCentral 503 Service Unavailable View as JSON RingCentral returned an error Service Unavailable Raw JSON/,
    );
  });

  void it('shows an OAuth-style error body (error, error_description)', () => {
    const body = { error: 'invalid_grant', error_description: 'Token is revoked' };
    const html = views.apiResult(apiResultModel({ status: 400, body, rawJson: JSON.stringify(body) }));
    assert.match(textOf(html), /Token is revoked Error code invalid_grant/);
  });

  void it('skips odd records and keeps the good ones', () => {
    const body = {
      records: [null, { id: 'C1', startTime: '2026-11-25T10:00:00Z', direction: 'Outbound', duration: 61 }],
    };
    const html = views.apiResult(apiResultModel({ body, rawJson: '' }));
    assert.equal((html.match(/<tr data-call-id=/g) ?? []).length, 1);
    assert.match(textOf(html), /Nov 25, 2026, 10:00:00 AM UTC Outbound/);
    assert.match(textOf(html), /0:01:01/);
  });

  void it('gives the plain fallback page, never an exception, for a model that breaks its type', () => {
    const payload = '<b>echo</b>';
    // Models are trusted as typed (TypeScript checks the routes); one that lies about its shape must still not
    // turn into a 500 with a stack trace.
    const broken: [string, () => string][] = [
      ['home, apis not a list', () => views.home({ ...homeModel({ user: { name: payload } }), apis: 'x' } as never)],
      ['home, an api entry of null', () => views.home({ ...homeModel(), apis: [null] } as never)],
      ['login, a demo user of null', () => views.login({ ...loginModel(), demoUsers: [null] } as never)],
      ['error, an action of null', () => views.error({ ...errorModel({ title: payload }), actions: [null] } as never)],
      ['API result, no paging', () => views.apiResult({ ...apiResultModel(), paging: undefined } as never)],
      ['readiness, no report', () => views.readiness({} as never)],
      ['profile, permissions not a list', () => views.profile({ ...profileModel(), permissions: payload } as never)],
    ];
    for (const [label, render] of broken) {
      let html = '';
      assert.doesNotThrow(() => (html = render()), label);
      assert.match(html, /<h1>This page could not be displayed<\/h1>/, label);
      assert.match(html, /<a class="button button-primary" href="\/">Back to home<\/a>/, label);
      assert.doesNotMatch(html, /echo/, `${label}: echoes nothing of the model`);
    }
  });

  void it('says "unknown" when RingCentral gave no status, and shows times in UTC for an unknown time zone', () => {
    const html = views.apiResult(
      apiResultModel({ status: 0, body: null, rawJson: '', paging: {}, timeZone: 'Not/AZone' }),
    );
    assert.match(html, /<span class="status-badge status-fail" data-testid="status">RingCentral unknown<\/span>/);
    assert.match(textOf(html), /RingCentral returned an error The response did not say why\./);
    const times = views.apiResult(apiResultModel({ timeZone: 'Not/AZone' }));
    assert.match(textOf(times), /Nov 25, 2026, 9:15:02 AM UTC Inbound/);
  });

  void it('leaves out an empty notice and warns of no rate limit it cannot work out', () => {
    const html = views.home(
      homeModel({
        notice: { kind: 'info', text: '' },
        rateLimit: { group: 'Heavy', remaining: 0, limit: 0, windowSeconds: 60 },
      }),
    );
    assert.doesNotMatch(html, /class="notice/);
    assert.doesNotMatch(html, /rate limit is running low/);
  });

  void it('shows no wait for a Retry-After that is negative or not finite, and no expiry that is not a time', () => {
    for (const retryAfterSeconds of [-1, Number.NaN, Infinity]) {
      const html = views.error(errorModel({ retryAfterSeconds }));
      assert.doesNotMatch(html, /try again in/, String(retryAfterSeconds));
      assert.doesNotMatch(html, /could not be displayed/, String(retryAfterSeconds));
    }
    const home = views.home(homeModel({ sessionExpiresAt: Number.NaN }));
    assert.doesNotMatch(home, /login stays valid|login expired|Login valid until/);
    assert.match(home, /data-testid="user-name">Alice Smith</);
  });

  void it('says what happened on a popup login without a message', () => {
    assert.match(textOf(views.popupDone(popupDoneModel())), /You are logged in\. This window closes by itself\./);
    assert.match(
      textOf(views.popupDone(popupDoneModel({ ok: false, next: '/' }))),
      /Login did not complete The login did not complete\./,
    );
  });

  void it('falls back to a plain page when a template fails at render time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'views-'));
    try {
      cpSync(TEMPLATES, dir, { recursive: true });
      writeFileSync(join(dir, 'error.eta'), "<% layout('@layout') %><%= it.nothing.here %>");
      const broken = createViews({ templatesDir: dir });
      const html = broken.error(errorModel({ title: '<b>Oops</b>' }));
      assert.match(html, /<h1>This page could not be displayed<\/h1>/);
      assert.doesNotMatch(html, /Oops/);
      assert.match(html, /<a class="button button-primary" href="\/">Back to home<\/a>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('template compilation', () => {
  void it('compiles every template once at createViews: rendering reads no files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'views-'));
    cpSync(TEMPLATES, dir, { recursive: true });
    const compiled = createViews({ templatesDir: dir, now: () => NOW });
    rmSync(dir, { recursive: true, force: true });
    const html = compiled.home(homeModel());
    assert.match(html, /Read Extension Info/);
    assert.doesNotMatch(html, /could not be displayed/);
  });

  void it('fails at start, not per request, when the templates are missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'views-'));
    try {
      assert.throws(() => createViews({ templatesDir: dir }), /no templates found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('fails at start when a template does not compile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'views-'));
    try {
      cpSync(TEMPLATES, dir, { recursive: true });
      writeFileSync(join(dir, 'home.eta'), '<% if ( %>');
      assert.throws(() => createViews({ templatesDir: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
