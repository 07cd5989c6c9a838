import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assets, bundleScript, BUNDLED_SCRIPTS, cachedBundle, loadAssets } from '../../../src/web/assets/index.js';

const ASSETS_DIR = fileURLToPath(new URL('../../../src/web/assets/', import.meta.url));
import { createViews } from '../../../src/web/views/index.js';
import { contactsModel, homeModel, loginModel, popupDoneModel } from './fixtures.js';
import { startTags } from './html-checks.js';

void describe('static assets', () => {
  void it('serves the stylesheet, the popup, export and Contacts scripts and the icon under /assets/', () => {
    assert.deepEqual(
      assets.map((a) => [a.path, a.contentType]),
      [
        ['/assets/app.css', 'text/css; charset=utf-8'],
        ['/assets/login.js', 'text/javascript; charset=utf-8'],
        ['/assets/popup-done.js', 'text/javascript; charset=utf-8'],
        ['/assets/export.js', 'text/javascript; charset=utf-8'],
        ['/assets/contacts.js', 'text/javascript; charset=utf-8'],
        ['/assets/favicon.svg', 'image/svg+xml'],
      ],
    );
    for (const asset of assets) assert.ok(asset.body.length > 100, asset.path);
  });

  void it('gives each asset a strong ETag: the quoted SHA-256 of its bytes', () => {
    for (const asset of assets) {
      assert.equal(asset.etag, `"${createHash('sha256').update(asset.body).digest('base64url')}"`);
      assert.doesNotMatch(asset.etag, /^W\//);
    }
    assert.equal(new Set(assets.map((a) => a.etag)).size, assets.length);
  });

  void it('is frozen', () => {
    assert.ok(Object.isFrozen(assets));
    assert.ok(assets.every((a) => Object.isFrozen(a)));
  });

  void it('bundles the Contacts app from TypeScript: one classic script, the same bytes every build', () => {
    const contacts = assets.find((a) => a.path === '/assets/contacts.js')!;
    const source = contacts.body.toString('utf8');
    assert.match(source, /^"use strict";\n\(\(\) => \{/, 'an IIFE, no module syntax');
    assert.doesNotMatch(source, /^\s*(import|export)\s/m);
    assert.doesNotMatch(source, /sourceMappingURL/);
    assert.match(source, /\/api\/rc\/restapi\/v1\.0\/account\/~\/extension\/~\/address-book\/contact/);
    assert.match(source, /"X-CSRF": "1"/);
    assert.ok(
      bundleScript(join(ASSETS_DIR, BUNDLED_SCRIPTS['contacts.js']!)).equals(contacts.body),
      'deterministic: the ETag only changes with the code',
    );
  });

  void it('keeps a built bundle between starts, by its sources, and reads it back', () => {
    const entry = join(ASSETS_DIR, BUNDLED_SCRIPTS['contacts.js']!);
    const first = cachedBundle(entry);
    assert.ok(first.equals(bundleScript(entry)), 'the kept bundle is the build');
    const cache = join(ASSETS_DIR, '../../../node_modules/.cache/rc-authflow/assets');
    const kept = readdirSync(cache).filter((name) => name.startsWith('contacts.') && name.endsWith('.js'));
    assert.equal(kept.length, 1, `one bundle of the current sources: ${kept.join(', ')}`);
    assert.ok(readFileSync(join(cache, kept[0]!)).equals(first));
    assert.ok(cachedBundle(entry).equals(first), 'read back');
  });

  void it('refuses a file with an unknown type at load time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'assets-'));
    try {
      writeFileSync(join(dir, 'x.exe'), 'x');
      assert.throws(() => loadAssets(dir, ['x.exe']), /no known content type/);
      assert.throws(() => loadAssets(dir, ['missing.css']), /ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('every asset a page links to exists', () => {
    const views = createViews();
    const paths = new Set(assets.map((a) => a.path));
    for (const html of [
      views.login(loginModel()),
      views.home(homeModel()),
      views.popupDone(popupDoneModel()),
      views.contacts(contactsModel()),
    ]) {
      for (const tag of startTags(html)) {
        const m = /\s(?:src|href)="(\/assets\/[^"]+)"/.exec(tag);
        if (m) assert.ok(paths.has(m[1]!), `${m[1]} is served`);
      }
    }
  });

  void it('the scripts use no eval-like constructs and post messages only to our own origin', () => {
    for (const name of ['/assets/login.js', '/assets/popup-done.js', '/assets/contacts.js']) {
      const source = assets.find((a) => a.path === name)!.body.toString('utf8');
      assert.doesNotMatch(source, /\beval\(|new Function|innerHTML|document\.write/, name);
    }
    const popupDone = assets.find((a) => a.path === '/assets/popup-done.js')!.body.toString('utf8');
    assert.match(popupDone, /postMessage\(message, location\.origin\)/);
    const login = assets.find((a) => a.path === '/assets/login.js')!.body.toString('utf8');
    assert.match(login, /event\.origin !== location\.origin/);
    assert.match(login, /width = 500/);
    assert.match(login, /height = 640/);
  });
});
