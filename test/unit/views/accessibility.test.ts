import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createViews } from '../../../src/web/views/index.js';
import {
  EXTENSION_BODY,
  NOW,
  PERMISSION_DENIED_BODY,
  apiResultModel,
  errorModel,
  explorerModel,
  homeModel,
  loginModel,
  logoutConfirmModel,
  popupDoneModel,
  profileModel,
  contactsModel,
  readinessModel,
} from './fixtures.js';
import { attributeNames, startTags } from './html-checks.js';

const views = createViews({ now: () => NOW });

const PAGES: Record<string, string> = {
  login: views.login(loginModel()),
  home: views.home(homeModel()),
  callLog: views.apiResult(apiResultModel()),
  explorer: views.apiResult(apiResultModel({ explorer: explorerModel() })),
  extensions: views.apiResult(apiResultModel({ api: 'extension', body: EXTENSION_BODY })),
  denied: views.apiResult(apiResultModel({ status: 403, body: PERMISSION_DENIED_BODY })),
  error: views.error(errorModel()),
  logoutConfirm: views.logoutConfirm(logoutConfirmModel()),
  popupDone: views.popupDone(popupDoneModel()),
  readiness: views.readiness(readinessModel()),
  profile: views.profile(profileModel()),
  contacts: views.contacts(contactsModel()),
};

describe('accessibility basics', () => {
  for (const [name, html] of Object.entries(PAGES)) {
    it(`${name}: language, one h1, a main landmark and a skip link`, () => {
      assert.match(html, /<html lang="en">/);
      assert.equal((html.match(/<h1\b/g) ?? []).length, 1);
      assert.equal((html.match(/<main id="main"/g) ?? []).length, 1);
      assert.match(html, /<a class="skip-link" href="#main">Skip to main content<\/a>/);
    });

    it(`${name}: every table header has a scope, every table a caption or label`, () => {
      for (const tag of startTags(html).filter((t) => /^<th\b/.test(t))) {
        assert.match(tag, /\sscope="(col|row)"/, tag);
      }
      for (const table of html.match(/<table\b[\s\S]*?<\/table>/g) ?? []) {
        assert.ok(/^<table\b[^>]*aria-labelledby="[^"]+"/.test(table) || /<caption\b/.test(table), 'table is named');
      }
    });

    it(`${name}: scrollable regions are focusable and named, graphics hidden or named images`, () => {
      for (const tag of startTags(html).filter((t) => /class="(table|chart)-scroll"/.test(t))) {
        assert.match(tag, /role="region"/);
        assert.match(tag, /aria-labelledby="[^"]+"/);
        assert.match(tag, /tabindex="0"/);
      }
      for (const tag of startTags(html).filter((t) => /^<svg\b/.test(t))) {
        if (/role="img"/.test(tag)) {
          // A chart: one image named by its <title> and <desc>, both present.
          const ids = /aria-labelledby="([^"]+)"/.exec(tag)?.[1]?.split(' ') ?? [];
          assert.ok(ids.length > 0, tag);
          for (const id of ids) assert.match(html, new RegExp(`<(title|desc) id="${id}">[^<]+</`), id);
        } else {
          assert.match(tag, /aria-hidden="true"/);
        }
      }
    });

    it(`${name}: every visible form control has an accessible name`, () => {
      for (const tag of startTags(html).filter((t) => /^<(input|select|textarea)\b/.test(t))) {
        if (/type="hidden"/.test(tag)) continue;
        const names = attributeNames(tag);
        assert.ok(names.includes('aria-label') || names.includes('id'), tag);
      }
      for (const button of html.match(/<button\b[^>]*>[^<]*<\/button>/g) ?? []) {
        assert.match(button, />[^<\s][^<]*<\/button>/, 'button has text');
      }
    });

    it(`${name}: links have text`, () => {
      for (const link of html.match(/<a\b[^>]*>([\s\S]*?)<\/a>/g) ?? []) {
        const text = link.replace(/<[^>]*>/g, '').trim();
        assert.ok(text !== '' || /aria-label="[^"]+"/.test(link), link);
      }
    });
  }

  it('marks the current page in the navigation', () => {
    assert.match(PAGES.home!, /<a class="brand" href="\/" aria-current="page">/);
    assert.match(PAGES.extensions!, /<a href="\/test\?api=extension" aria-current="page">Extensions<\/a>/);
    assert.match(PAGES.profile!, /<a href="\/profile" aria-current="page">My profile<\/a>/);
    assert.match(PAGES.home!, /<a href="\/profile">My profile<\/a>/);
  });

  it('announces notices: status for info and warnings, alert for errors', () => {
    const html = views.home(homeModel({ notice: { kind: 'warning', text: 'Careful.' } }));
    assert.match(html, /<div class="notice notice-warning" role="status">/);
  });
});
