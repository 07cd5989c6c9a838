import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createViews } from '../../../src/web/views/index.js';
import {
  AUTHORIZE_URL,
  EXTENSION_BODY,
  NOW,
  PERMISSION_DENIED_BODY,
  apiResultModel,
  contactsModel,
  errorModel,
  homeModel,
  loginModel,
  logoutConfirmModel,
  popupDoneModel,
  profileModel,
  readinessModel,
} from './fixtures.js';
import { attributeOf, startTags, textOf } from './html-checks.js';

const views = createViews({ now: () => NOW });

function assertPage(html: string): void {
  assert.match(html, /^<!doctype html>\n<html lang="en">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /<link rel="stylesheet" href="\/assets\/app\.css">/);
  assert.match(html, /<main id="main"/);
  assert.match(html, /<\/body>\n<\/html>$/);
}

void describe('login page', () => {
  const html = views.login(loginModel());

  void it('has the quick start title as <title> and heading', () => {
    assertPage(html);
    assert.match(html, /<title>RingCentral Authorization Code Flow Authentication<\/title>/);
    assert.match(html, /<h1 id="login-title">RingCentral Authorization Code Flow Authentication<\/h1>/);
  });

  void it('links "Login RingCentral Account" exactly to the authorize URL', () => {
    assert.equal(attributeOf(html, /id="login-link"/, 'href'), AUTHORIZE_URL);
    assert.match(html, /id="login-link" href="[^"]*">Login RingCentral Account<\/a>/);
    const links = startTags(html).filter(
      (t) => t.startsWith('<a ') && t.includes(AUTHORIZE_URL.replace(/&/g, '&amp;')),
    );
    assert.equal(links.length, 1);
  });

  void it('offers the popup login as a plain link to the login URL without "popup" (works without JavaScript)', () => {
    assert.match(html, />Log in in a popup<\/a>/);
    assert.equal(attributeOf(html, /id="popup-login"/, 'href'), '/login');
    assert.equal(attributeOf(html, /id="popup-login"/, 'data-popup-url'), '/login?popup=1');
    assert.match(html, /<script src="\/assets\/login\.js" defer><\/script>/);
  });

  void it('keeps other query parameters when removing "popup" from the fallback link', () => {
    const page = views.login(loginModel({ popupLoginUrl: '/login?popup=1&returnTo=%2Ftest' }));
    assert.equal(attributeOf(page, /id="popup-login"/, 'href'), '/login?returnTo=%2Ftest');
  });

  void it('shows the demo users table and the server label', () => {
    const text = textOf(html);
    assert.match(text, /Connected to the built-in RingCentral emulator/);
    assert.match(text, /Username Password Note/);
    assert.match(text, /user1@example\.com Passw0rd!user ext\. 102/);
    assert.equal((html.match(/<th scope="col">/g) ?? []).length, 3);
  });

  void it('leaves out the demo table when no demo users are given', () => {
    const page = views.login(loginModel({ demoUsers: undefined }));
    assert.doesNotMatch(page, /Demo accounts/);
    assert.doesNotMatch(page, /<table/);
  });

  void it('has no logout form or API navigation when nobody is logged in', () => {
    assert.doesNotMatch(html, /action="\/logout"/);
    assert.doesNotMatch(html, /aria-label="RingCentral APIs"/);
  });
});

void describe('home page', () => {
  const html = views.home(homeModel());

  void it('lists the three APIs with the quick start labels and links', () => {
    assertPage(html);
    assert.match(html, /<a href="\/test\?api=extension">Read Extension Info<\/a>/);
    assert.match(html, /<a href="\/test\?api=extension-call-log">Read Extension Call Log<\/a>/);
    assert.match(html, /<a href="\/test\?api=account-call-log">Read Account Call Log<\/a>/);
    assert.match(textOf(html), /Every call of the account\./);
    assert.match(html, /<code>GET \/<wbr>restapi\/<wbr>v1\.0\/<wbr>account\/<wbr>~\/<wbr>call-log<wbr><\/code>/);
  });

  void it('says when the login expires, in words and as a machine-readable time', () => {
    assert.match(textOf(html), /Your login stays valid until Dec 2, 2026, 12:00 PM UTC \(in 7 days\)\./);
    assert.match(html, /<time datetime="2026-12-02T12:00:00\.000Z">/);
  });

  void it('says the login has expired when the time is past', () => {
    const page = views.home(homeModel({ sessionExpiresAt: NOW - 60_000 }));
    assert.match(textOf(page), /Your login expired on Nov 25, 2026, 11:59 AM UTC\./);
  });

  void it('shows the user in the header with a Logout POST form carrying the csrf token', () => {
    assert.match(html, /data-testid="user-name">Alice Smith</);
    assert.match(html, /data-testid="user-extension">Ext\. 102</);
    assert.match(
      html,
      /<form class="logout-form" method="post" action="\/logout">\n<input type="hidden" name="csrf" value="csrf-token-1">\n<button type="submit" class="button button-quiet">Logout<\/button>/,
    );
  });

  void it('falls back to a Logout link (GET /logout asks for confirmation) when no csrf token is given', () => {
    const page = views.home(homeModel({ csrf: undefined }));
    assert.doesNotMatch(page, /method="post"/);
    assert.match(page, /<a class="button button-quiet" href="\/logout">Logout<\/a>/);
  });

  void it('shows a notice and a low rate-limit warning', () => {
    const page = views.home(
      homeModel({
        notice: { kind: 'info', text: 'You have been logged out.' },
        rateLimit: { group: 'Heavy', remaining: 1, limit: 10, windowSeconds: 60 },
      }),
    );
    assert.match(page, /<div class="notice notice-info" role="status">\n<p>You have been logged out\.<\/p>/);
    assert.match(textOf(page), /RingCentral rate limit is running low: 1 of 10 "Heavy" requests left per 60 s\./);
    const plenty = views.home(homeModel({ rateLimit: { group: 'Heavy', remaining: 8, limit: 10, windowSeconds: 60 } }));
    assert.doesNotMatch(plenty, /rate limit is running low/);
  });

  void it('announces error notices as alerts', () => {
    const page = views.home(homeModel({ notice: { kind: 'error', text: 'Nope.' } }));
    assert.match(page, /<div class="notice notice-error" role="alert">/);
  });
});

void describe('API result page', () => {
  void it('shows a call log as a table with times, parties, h:mm:ss durations and paging', () => {
    const html = views.apiResult(apiResultModel());
    assertPage(html);
    const text = textOf(html);
    assert.match(html, /data-testid="call-log-table"/);
    assert.match(text, /Start time Direction Type From To Duration Result Action/);
    assert.match(
      text,
      /Nov 25, 2026, 9:15:02 AM UTC Inbound Voice Bob Caller \+16505550100 Alice Smith ext\. 102 1:02:05 Accepted Phone Call/,
    );
    assert.match(text, /Outbound Fax Alice Smith ext\. 102 \+442071234567 0:00:42 Sent Outgoing Fax/);
    assert.match(html, /<tr data-call-id="AAA1" data-extension-id="400000001002">/);
    assert.match(text, /Calls 3–4 of 260/);
    assert.match(text, /Page 2 of 130 · 260 in total/);
    assert.match(html, /<a href="\/test\?api=extension-call-log&amp;page=3" rel="next">/);
    assert.match(html, /<a href="\/test\?api=extension-call-log&amp;page=130" rel="last">/);
    assert.match(html, /<a href="\/test\?api=extension-call-log&amp;page=1" rel="first">/);
  });

  void it('shows the request line, RingCentral status, raw JSON in <details> and the JSON link', () => {
    const html = views.apiResult(apiResultModel());
    assert.match(
      html,
      /<code class="request" data-testid="request">GET \/<wbr>restapi\/<wbr>v1\.0\/<wbr>account\/<wbr>~\/<wbr>extension\/<wbr>~\/<wbr>call-log<wbr><\/code>/,
    );
    assert.match(html, /data-testid="status">RingCentral 200 OK</);
    assert.match(html, /<details class="raw-json">\n<summary>Raw JSON from RingCentral<\/summary>/);
    assert.match(html, /&quot;sessionId&quot;: &quot;4000001&quot;/);
    assert.match(
      html,
      /<a class="button button-secondary" href="\/test\?api=extension-call-log&amp;page=2&amp;format=json">View as JSON<\/a>/,
    );
  });

  void it('marks the current API in the header navigation', () => {
    const html = views.apiResult(apiResultModel());
    assert.match(html, /<a href="\/test\?api=extension-call-log" aria-current="page">My call log<\/a>/);
  });

  void it('shows the extension list as a table of number, name, type, status and email', () => {
    const html = views.apiResult(
      apiResultModel({
        api: 'extension',
        title: 'Read Extension Info',
        request: 'GET /restapi/v1.0/account/~/extension',
        body: EXTENSION_BODY,
        paging: { page: 1, totalPages: 7, totalElements: 13, next: '/test?api=extension&page=2' },
      }),
    );
    const text = textOf(html);
    assert.match(html, /data-testid="extension-table"/);
    assert.match(text, /Extension Name Type Status Email/);
    assert.match(text, /101 Ada Admin User Enabled admin@example\.com/);
    assert.match(text, /102 Alice Smith User Enabled user1@example\.com/);
    assert.match(html, /<tr data-extension-id="400000001002">/);
    assert.match(html, /<th scope="row" class="num">101<\/th>/);
    assert.match(text, /Extensions 1–2 of 13/);
    assert.match(
      html,
      /<span class="paging-off" aria-disabled="true"><span aria-hidden="true">‹<\/span> Previous<\/span>/,
    );
  });

  void it('disables "First" on the first page and "Last" on the last page', () => {
    const links = { first: '/test?api=extension&page=1', last: '/test?api=extension&page=3' };
    const first = views.apiResult(apiResultModel({ paging: { ...links, page: 1, totalPages: 3 } }));
    assert.doesNotMatch(first, /rel="first"/);
    assert.match(first, /rel="last"/);
    const last = views.apiResult(apiResultModel({ paging: { ...links, page: 3, totalPages: 3 } }));
    assert.match(last, /rel="first"/);
    assert.doesNotMatch(last, /rel="last"/);
    const only = views.apiResult(apiResultModel({ paging: { ...links, page: 1, totalPages: 1 } }));
    assert.doesNotMatch(only, /rel="(first|last)"/);
    assert.match(textOf(only), /Page 1 of 1/);
  });

  void it('shows a 403 with the RingCentral message, code and the missing permission', () => {
    const html = views.apiResult(
      apiResultModel({
        api: 'account-call-log',
        title: 'Read Account Call Log',
        status: 403,
        body: PERMISSION_DENIED_BODY,
        rawJson: JSON.stringify(PERMISSION_DENIED_BODY),
        paging: {},
      }),
    );
    const text = textOf(html);
    assert.match(text, /RingCentral 403 Forbidden/);
    assert.match(text, /user needs to have \[FullCompanyCallLog\] permission/);
    assert.match(text, /Error code CMN-408/);
    assert.match(text, /Missing permission FullCompanyCallLog/);
    assert.doesNotMatch(html, /<table/);
    assert.doesNotMatch(html, /class="paging"/);
  });

  void it('shows an empty call log with a hint about the default 24-hour window', () => {
    const html = views.apiResult(
      apiResultModel({ body: { records: [], paging: { perPage: 100 }, navigation: {} }, paging: {} }),
    );
    assert.match(textOf(html), /0 calls/);
    assert.match(textOf(html), /RingCentral returns the last 24 hours of calls/);
  });
});

void describe('error page', () => {
  void it('shows status, title, message, code, the wait time and the actions', () => {
    const html = views.error(
      errorModel({
        actions: [
          { href: '/', label: 'Back to home' },
          { href: '/test?api=extension', label: 'Retry' },
        ],
      }),
    );
    assertPage(html);
    const text = textOf(html);
    assert.match(text, /Error 429 · Too Many Requests/);
    assert.match(html, /<h1 id="error-title">RingCentral rate limit reached<\/h1>/);
    assert.match(text, /RingCentral asked us to slow down\./);
    assert.match(text, /try again in 30 s\./);
    assert.match(text, /Error code RCAPP_RATE_LIMITED/);
    assert.match(html, /<a class="button button-primary" href="\/">Back to home<\/a>/);
    assert.match(html, /<a class="button button-secondary" href="\/test\?api=extension">Retry<\/a>/);
  });

  void it('offers a way home when no actions are given and leaves out what is missing', () => {
    const html = views.error({ status: 400, title: 'No Auth code', message: 'RingCentral sent no "code".' });
    assert.match(html, /<a class="button button-primary" href="\/">Back to home<\/a>/);
    assert.doesNotMatch(html, /try again in/);
    assert.doesNotMatch(html, /Error code/);
    assert.match(textOf(html), /Error 400 · Bad Request No Auth code/);
  });

  void it('rounds a fractional Retry-After up', () => {
    assert.match(textOf(views.error(errorModel({ retryAfterSeconds: 1.2 }))), /try again in 2 s\./);
  });
});

void describe('logout confirmation page', () => {
  void it('asks "Log out of rc-authflow?" with a POST form carrying the csrf token and a Cancel link to /', () => {
    const html = views.logoutConfirm(logoutConfirmModel({ csrf: 'confirm-csrf' }));
    assertPage(html);
    assert.match(html, /<h1 id="logout-title">Log out of rc-authflow\?<\/h1>/);
    assert.match(
      html,
      /<form method="post" action="\/logout" class="actions">\n<input type="hidden" name="csrf" value="confirm-csrf">\n<button type="submit" class="button button-primary">Log out<\/button>\n<a class="button button-secondary" href="\/">Cancel<\/a>/,
    );
  });
});

void describe('contacts page', () => {
  void it('is a shell: the header with Contacts current, an empty app root, its script and a note without JavaScript', () => {
    const html = views.contacts(contactsModel());
    assertPage(html);
    assert.match(html, /<script src="\/assets\/contacts\.js" defer><\/script>/);
    assert.match(html, /<div id="contacts-app" class="contacts-app" data-testid="contacts-app"><\/div>/);
    assert.match(html, /<noscript>[\s\S]*needs JavaScript[\s\S]*<\/noscript>/);
    assert.match(html, /<a href="\/contacts" aria-current="page">Contacts<\/a>/);
    assert.match(html, /<a href="\/test\?api=extension">Extensions<\/a>/, 'the API pages are not current');
    assert.doesNotMatch(html, /<table|access_token|refresh_token/);
  });

  void it('links Contacts from the header of every logged-in page, and from no page of someone logged out', () => {
    assert.match(views.home(homeModel()), /<a href="\/contacts">Contacts<\/a>/);
    assert.doesNotMatch(views.login(loginModel()), /href="\/contacts"/);
  });
});

void describe('popup done page', () => {
  void it('loads the external popup script and carries the result in data attributes, with a visible fallback link', () => {
    const html = views.popupDone(popupDoneModel());
    assertPage(html);
    assert.match(html, /<script src="\/assets\/popup-done\.js" defer><\/script>/);
    assert.equal(attributeOf(html, /id="popup-done"/, 'data-ok'), 'true');
    assert.equal(attributeOf(html, /id="popup-done"/, 'data-next'), '/test');
    assert.match(html, /<a class="button button-primary" id="popup-continue" href="\/test">Continue<\/a>/);
    assert.match(textOf(html), /Login complete/);
    assert.doesNotMatch(html, /class="site-header"/);
  });

  void it('reports a failed login with its message', () => {
    const html = views.popupDone(popupDoneModel({ ok: false, message: 'Access denied by the user.', next: '/' }));
    assert.equal(attributeOf(html, /id="popup-done"/, 'data-ok'), 'false');
    assert.equal(attributeOf(html, /id="popup-done"/, 'data-message'), 'Access denied by the user.');
    assert.match(textOf(html), /Login did not complete Access denied by the user\./);
  });

  void it('never sends the opener to another origin', () => {
    for (const next of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)', '/\\evil.example']) {
      const html = views.popupDone(popupDoneModel({ next }));
      assert.equal(attributeOf(html, /id="popup-done"/, 'data-next'), '/', next);
      assert.equal(attributeOf(html, /id="popup-continue"/, 'href'), '/', next);
    }
  });
});

void describe('user without a name', () => {
  void it('shows the extension and a neutral label', () => {
    const html = views.home(homeModel({ user: { extensionNumber: '105' } }));
    assert.match(html, /data-testid="user-name">Signed in</);
    assert.match(html, /data-testid="user-extension">Ext\. 105</);
  });
});

void describe('readiness page', () => {
  const html = views.readiness(readinessModel());

  void it('gives the verdict, the period and every criterion with its detail', () => {
    assertPage(html);
    assert.match(html, /<title>Production readiness · rc-authflow<\/title>/);
    assert.match(html, /<span class="status-badge status-fail" data-testid="verdict">Not ready yet<\/span>/);
    assert.match(html, /<time datetime="2026-11-24T00:00:00\.000Z">Nov 24, 2026, 12:00 AM UTC<\/time>/);
    assert.match(textOf(html), /✗ not met 5 successful calls per endpoint: readUserCallLog: 3/);
    assert.match(html, /<li data-criterion="permissions-used">/);
  });

  void it('lists the calls per endpoint with formatted counts and the 4xx share', () => {
    const text = textOf(html);
    assert.match(
      text,
      /listExtensions GET \/restapi\/v1\.0\/account\/\{accountId\}\/extension Medium 1,234 1,200 30 0 4 0 2\.4% yes/,
    );
    assert.match(text, /readUserCallLog .* Heavy 3 3 0 0 0 0 0% no/);
  });

  void it('shows the token figures and the permissions, "none" for an empty list', () => {
    const text = textOf(html);
    assert.match(text, /Token requests: 12 \(refreshes: 10, failed: 1\); revocations: 2/);
    assert.match(text, /Permissions requested: ReadAccounts, ReadCallLog, ReadMessages/);
    assert.match(text, /Unused: ReadMessages/);
    const ready = readinessModel();
    const none = views.readiness({
      report: { ...ready.report, endpoints: [], permissions: { requested: [], used: [], unused: [] }, ready: true },
    });
    assert.match(none, /data-testid="verdict">Ready</);
    assert.match(textOf(none), /No RingCentral API call was made in this period\./);
    assert.match(textOf(none), /Unused: none/);
  });
});

void describe('profile page', () => {
  const html = views.profile(profileModel());

  void it('has its title, the request it makes and a JSON link', () => {
    assertPage(html);
    assert.match(html, /<title>My profile · rc-authflow<\/title>/);
    assert.ok(html.includes('>GET /<wbr>restapi/<wbr>v1.0/<wbr>account/<wbr>~/<wbr>extension/<wbr>~<wbr></code>'));
    assert.equal(attributeOf(html, /class="button button-secondary"/, 'href'), '/profile?format=json');
  });

  void it('shows name, extension number, email and status from RingCentral’s answer', () => {
    const text = textOf(html);
    assert.match(text, /Name Alice Smith Extension number 102 Email user1@example\.com Status Enabled/);
    assert.match(html, /<span class="pill pill-ok">Enabled<\/span>/);
    const disabled = views.profile(profileModel({ extension: { status: 'Disabled', contact: {} } }));
    assert.match(disabled, /<span class="pill pill-muted">Disabled<\/span>/);
  });

  void it('takes the name from the contact when RingCentral sends no "name"', () => {
    const html2 = views.profile(profileModel({ extension: { contact: { firstName: 'Ada', lastName: 'Admin' } } }));
    assert.match(textOf(html2), /Name Ada Admin/);
  });

  void it('lists the login’s permissions, or says there are none', () => {
    assert.match(textOf(html), /ReadAccounts ReadCallLog ReadPresence/);
    assert.equal((html.match(/<li><code>/g) ?? []).length, 3);
    assert.match(textOf(views.profile(profileModel({ permissions: [] }))), /RingCentral named no permission/);
  });

  void it('says until when the login and the session last', () => {
    const text = textOf(html);
    assert.match(text, /valid until Dec 2, 2026, 12:00 PM UTC \(in 7 days\)/);
    assert.match(text, /session ends Nov 25, 2026, 8:00 PM UTC \(in 8 hours\)/);
    const past = views.profile(profileModel({ sessionExpiresAt: NOW - 1000, sessionEndsAt: undefined }));
    assert.match(textOf(past), /valid until Nov 25, 2026, 11:59 AM UTC \(over\)/);
    assert.doesNotMatch(past, /data-testid="session-ends"/);
    const none = views.profile(profileModel({ sessionExpiresAt: undefined, sessionEndsAt: undefined }));
    assert.match(textOf(none), /RingCentral did not say when this login expires\./);
  });
});
