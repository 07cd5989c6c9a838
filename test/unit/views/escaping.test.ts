import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createViews } from '../../../src/web/views/index.js';
import type { Views } from '../../../src/web/views/models.js';
import {
  CALL_LOG_BODY,
  EXTENSION_BODY,
  NOW,
  apiResultModel,
  errorModel,
  homeModel,
  loginModel,
  logoutConfirmModel,
  popupDoneModel,
  profileModel,
  readinessModel,
} from './fixtures.js';
import { cspProblems, startTags } from './html-checks.js';

const views = createViews({ now: () => NOW });

const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"] as const;

/** No payload survives unescaped: no tag it would create, no attribute it would break out of. */
function assertInert(html: string, label: string): void {
  assert.doesNotMatch(html, /<script>alert/, `${label}: raw <script>`);
  assert.doesNotMatch(html, /<img src=x/, `${label}: raw <img>`);
  assert.doesNotMatch(html, /<svg onload/, `${label}: raw <svg>`);
  // Parses attributes with their quoted values, so a payload quoted inside a value is not mistaken for a handler.
  assert.deepEqual(cspProblems(html), [], `${label}: CSP problems`);
}

function pagesWith(payload: string, v: Views = views): Record<string, string> {
  const user = { name: payload, extensionNumber: payload };
  const notice = { kind: 'warning' as const, text: payload };
  const rateLimit = { group: payload, remaining: 0, limit: 10, windowSeconds: 60 };
  const extensionBody = {
    ...EXTENSION_BODY,
    records: [
      {
        id: payload,
        extensionNumber: payload,
        name: payload,
        type: payload,
        status: payload,
        contact: { email: payload },
      },
    ],
  };
  const callLogBody = {
    ...CALL_LOG_BODY,
    records: [
      {
        id: payload,
        startTime: payload,
        duration: payload,
        type: payload,
        direction: payload,
        action: payload,
        result: payload,
        from: { name: payload, phoneNumber: payload, extensionNumber: payload },
        to: { phoneNumber: payload, location: payload },
        extension: { id: payload },
      },
    ],
  };
  const errorBody = {
    errorCode: payload,
    message: payload,
    errors: [
      { errorCode: payload, message: payload, permissionName: payload },
      { errorCode: payload, message: payload },
    ],
  };
  return {
    login: v.login(
      loginModel({
        user: undefined,
        notice,
        serverLabel: payload,
        authorizeUrl: `http://127.0.0.1:5001/restapi/oauth/authorize?state=${payload}`,
        popupLoginUrl: `/login?popup=1&x=${payload}`,
        demoUsers: [{ username: payload, password: payload, note: payload }],
      }),
    ),
    home: v.home(
      homeModel({
        user,
        csrf: payload,
        notice,
        rateLimit,
        apis: [{ api: 'extension', label: payload, description: payload, href: `/test?api=${payload}` }],
      }),
    ),
    extensions: v.apiResult(
      apiResultModel({
        user,
        csrf: payload,
        notice,
        api: 'extension',
        title: payload,
        request: payload,
        body: extensionBody,
        rawJson: JSON.stringify(extensionBody, null, 2),
        jsonHref: `/test?api=extension&x=${payload}`,
        paging: { first: `/test?x=${payload}`, next: `/test?y=${payload}`, page: 1, totalPages: 2 },
        timeZone: payload,
      }),
    ),
    callLog: v.apiResult(
      apiResultModel({
        user,
        notice,
        title: payload,
        request: payload,
        body: callLogBody,
        rawJson: '',
        timeZone: payload,
      }),
    ),
    rcError: v.apiResult(apiResultModel({ user, status: 403, body: errorBody, rawJson: JSON.stringify(errorBody) })),
    rcErrorText: v.apiResult(apiResultModel({ status: 502, body: payload, rawJson: payload })),
    error: v.error(
      errorModel({
        user,
        notice,
        title: payload,
        message: payload,
        code: payload,
        actions: [{ href: `/?x=${payload}`, label: payload }],
      }),
    ),
    logoutConfirm: v.logoutConfirm(logoutConfirmModel({ user, notice, csrf: payload })),
    popupDone: v.popupDone(popupDoneModel({ ok: false, message: payload, next: `/test?x=${payload}` })),
    // Permission names come from RingCentral's token answers.
    readiness: v.readiness(
      readinessModel({
        report: {
          ...readinessModel().report,
          since: payload,
          permissions: { requested: [payload], used: [], unused: [payload] },
          criteria: [{ id: 'permissions-used', text: payload, ok: false, detail: payload }],
        },
      }),
    ),
    // Every field of the extension is RingCentral's; permission names come from its token answer.
    profile: v.profile(
      profileModel({
        user,
        notice,
        extension: { name: payload, extensionNumber: payload, status: payload, contact: { email: payload } },
        request: payload,
        permissions: [payload],
        jsonHref: `/profile?x=${payload}`,
      }),
    ),
  };
}

void describe('escaping', () => {
  for (const payload of PAYLOADS) {
    void describe(`payload ${payload}`, () => {
      const pages = pagesWith(payload);
      for (const [name, html] of Object.entries(pages)) {
        void it(`is inert on the ${name} page`, () => {
          assertInert(html, name);
        });
      }
    });
  }

  void it('shows the payload as text (escaped), in tables, notices, headers and the raw JSON', () => {
    const pages = pagesWith(PAYLOADS[0]);
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;';
    assert.match(pages.extensions!, new RegExp(`<td>${escaped.replace(/[()]/g, '\\$&')}</td>`));
    assert.match(pages.home!, new RegExp(`data-testid="user-name">${escaped.replace(/[()]/g, '\\$&')}<`));
    assert.ok(pages.home!.includes(`<p>${escaped}</p>`), 'notice');
    const jsonEscaped = '&quot;name&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;';
    assert.ok(pages.extensions!.includes(jsonEscaped), 'raw JSON');
    assert.ok(pages.callLog!.includes(jsonEscaped), 'raw JSON built from the body when rawJson is empty');
  });

  void it('drops javascript: and other-origin links instead of printing them', () => {
    const html = views.error(
      errorModel({
        actions: [
          { href: 'javascript:alert(1)', label: 'Bad' },
          { href: '//evil.example/', label: 'Evil' },
          { href: ' javascript:alert(1)', label: 'Spaced' },
          { href: '/ok', label: 'Fine' },
        ],
      }),
    );
    assert.doesNotMatch(html, /javascript:/);
    assert.doesNotMatch(html, /evil\.example/);
    assert.match(html, /href="\/ok">Fine</);
    const login = views.login(
      loginModel({ authorizeUrl: 'javascript:alert(1)', popupLoginUrl: 'https://evil.example/' }),
    );
    assert.doesNotMatch(login, /javascript:/);
    assert.doesNotMatch(login, /evil\.example/);
    const result = views.apiResult(
      apiResultModel({ jsonHref: 'javascript:alert(1)', paging: { next: 'data:text/html,x' } }),
    );
    assert.doesNotMatch(result, /javascript:|data:text/);
  });
});

void describe('content security policy', () => {
  void it('no page has inline scripts, inline styles or on* attributes', () => {
    const pages = {
      login: views.login(loginModel()),
      home: views.home(homeModel()),
      callLog: views.apiResult(apiResultModel()),
      extensions: views.apiResult(apiResultModel({ api: 'extension', body: EXTENSION_BODY })),
      error: views.error(errorModel()),
      logoutConfirm: views.logoutConfirm(logoutConfirmModel()),
      popupDone: views.popupDone(popupDoneModel()),
      profile: views.profile(profileModel()),
    };
    for (const [name, html] of Object.entries(pages)) {
      assert.deepEqual(cspProblems(html), [], name);
      for (const tag of startTags(html)) {
        if (/^<(script|link|img)\b/.test(tag)) {
          assert.doesNotMatch(tag, /\s(src|href)="(https?:)?\/\//, `${name}: external resource ${tag}`);
        }
      }
    }
  });

  void it('the checker itself catches inline scripts and handlers', () => {
    assert.equal(cspProblems('<script>x()</script>').length, 1);
    assert.equal(cspProblems('<a href="/" onclick="x()">').length, 1);
    assert.equal(cspProblems('<button ONCLICK=x>').length, 1);
    assert.equal(cspProblems('<script src="/assets/a.js"></script>').length, 0);
  });
});
