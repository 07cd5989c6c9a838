/**
 * Session lifetime and the smooth re-login: pages show when the RingCentral login (refresh token) expires, and
 * when it has died, logging in again from the notice page lands the user back on the page they were on, filters
 * and all (a same-origin path only).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestEmulator } from '../../helpers/emulator.js';
import { findAuthorizeLink, HttpClient, signInAtAuthorizeUrl, unescapeHtml } from '../../helpers/http-client.js';
import { USER1 } from '../support/fixtures.js';
import { startGovernedApp } from './support.js';

describe('session lifetime and re-login', () => {
  it('pages show when the login expires', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator });
    const browser = new HttpClient(app.url);
    const before = Date.now();
    await browser.loginAs(USER1.username, USER1.password);
    const page = await browser.page('/test?api=extension');
    assert.equal(page.status, 200);
    const match = /data-testid="session-expiry">Login valid until <time datetime="([^"]+)">/.exec(page.text);
    assert.ok(match?.[1], 'the header says until when the login is valid');
    const expiresAt = Date.parse(match[1]);
    // RingCentral's refresh tokens live 7 days (the emulator's default, counted from the login).
    assert.ok(Math.abs(expiresAt - (before + 7 * 86_400_000)) < 60_000, match[1]);
    const home = await browser.page('/');
    assert.match(home.text, /Your login stays valid until <time datetime="/);
    // Every page with the signed-in header says it too: the logout confirmation, an error page (the user lacks
    // the company call-log permission).
    for (const path of ['/logout', '/test?api=account-call-log']) {
      const other = await browser.page(path);
      assert.ok(other.status === 200 || other.status === 403, `${path}: HTTP ${other.status}`);
      assert.match(other.text, /data-testid="session-expiry">Login valid until <time datetime="/, path);
    }
  });

  it('after the refresh token died, logging in again returns to the same page with its filters', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    const page = '/test?api=extension-call-log&direction=Inbound&type=Voice&perPage=25';
    // Only the emulator's clock jumps 8 days; the app's copy of the call log (kept an hour by the app's clock) would
    // still serve `page` without RingCentral, so the page the login returns to is one not read before.
    assert.equal((await browser.page('/test?api=extension')).status, 200);
    const oldCookie = browser.jar.get('rcsid');

    await emulator.control.advanceClock(8 * 86_400);
    const ended = await browser.page(page);
    assert.equal(ended.status, 302);
    assert.equal(ended.location, `${app.url}/?notice=session-ended`);
    assert.notEqual(browser.jar.get('rcsid'), oldCookie, 'the old session is gone; a new one holds the new login');
    assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 401);

    const notice = await browser.page('/?notice=session-ended');
    assert.match(notice.text, /Your RingCentral session has ended, please log in again\./);
    const callback = await signInAtAuthorizeUrl(findAuthorizeLink(notice.text), USER1);
    const landed = await browser.page(callback);
    assert.equal(landed.status, 302);
    assert.equal(landed.location, `${app.url}${page}`, 'back to the page, filters and all');
    const again = await browser.page(page);
    assert.equal(again.status, 200);
    assert.match(unescapeHtml(again.text), /Inbound/);
  });

  it('a page address too long to keep is not kept: the login then ends on the API page', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    await emulator.control.advanceClock(8 * 86_400);
    const long = `/test?api=extension&perPage=25&note=${'a'.repeat(600)}`;
    const ended = await browser.page(long);
    assert.equal(ended.location, `${app.url}/?notice=session-ended`);
    const notice = await browser.page('/?notice=session-ended');
    const landed = await browser.page(await signInAtAuthorizeUrl(findAuthorizeLink(notice.text), USER1));
    assert.equal(landed.location, `${app.url}/test`);
  });
});
