/**
 * A log spy over a full login → refresh → logout (at `trace` level, so every line the app can write is written)
 * finds no token, code, verifier, state, client secret, session secret, CSRF token or cookie value — in any
 * encoding — while the lines that matter are there with request ids.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestApp, TEST_SESSION_SECRETS } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl } from '../../helpers/http-client.js';
import { control, sessionOf, startTestEmulatorFor, tokensOf, USER1 } from '../support/fixtures.js';

it('no secret reaches a log line over login → refresh → logout', async (t) => {
  const emulator = await startTestEmulatorFor(t);
  const api = control(emulator.url);
  const app = await startTestApp(t, { emulator, env: { LOG_LEVEL: 'trace' } });
  const browser = new HttpClient(app.url);
  const secrets = new Set<string>(['demo-client-secret', ...TEST_SESSION_SECRETS]);
  secrets.add(Buffer.from('demo-client-id:demo-client-secret').toString('base64'));

  const authorizeUrl = new URL(await browser.startLogin());
  secrets.add(authorizeUrl.searchParams.get('state') ?? '');
  secrets.add(authorizeUrl.searchParams.get('code_challenge') ?? '');
  const pending = await sessionOf(app, browser);
  secrets.add(pending?.data.login?.codeVerifier ?? '');
  for (const value of browser.jar.values()) secrets.add(value);

  const callback = new URL(await signInAtAuthorizeUrl(authorizeUrl.href, USER1));
  secrets.add(callback.searchParams.get('code') ?? '');
  assert.equal((await browser.page(callback.href)).status, 302);
  for (const value of browser.jar.values()) secrets.add(value);
  const first = await tokensOf(app, browser);
  const session = await sessionOf(app, browser);
  secrets.add(session?.data.csrf ?? '');
  secrets.add(session?.id ?? '');

  // A browser-style request with credentials in headers the app must not log either.
  assert.equal(
    (await browser.page('/test?api=extension', { authorization: 'Bearer leaked-header-value-123' })).status,
    200,
  );
  secrets.add('leaked-header-value-123');
  await api.advanceClock(3600 + 60);
  assert.equal((await browser.get('/test?api=extension-call-log', { accept: 'application/json' })).status, 200);
  const second = await tokensOf(app, browser);
  assert.equal((await api.stats())['token.refresh_token'], 1);
  for (const token of [first, second]) {
    secrets.add(token.accessToken);
    secrets.add(token.refreshToken ?? '');
  }
  // A request that carries secret-looking query values: they are redacted in the URL the log shows.
  await browser.get('/oauth2callback?code=query-code-value-456&state=query-state-value-789');
  secrets.add('query-code-value-456');
  secrets.add('query-state-value-789');

  const logout = await browser.post('/logout', { csrf: session?.data.csrf ?? '' });
  assert.equal(logout.status, 302);
  assert.equal((await api.stats()).revoke, 1);

  const log = app.logLines.join('\n');
  assert.ok(app.logLines.length >= 8, `the app logged the flow (${app.logLines.length} lines)`);
  assert.match(log, /"msg":"login completed"/);
  assert.match(log, /"msg":"logged out"/);
  assert.match(log, /"reqId":"[0-9a-f-]{36}"/);
  assert.match(log, /code=\[REDACTED\]&state=\[REDACTED\]/);
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), decodeURIComponent(secret)])) {
      assert.ok(!log.includes(form), `a secret value (${secret.slice(0, 4)}…, ${secret.length} chars) is in the log`);
    }
  }
});
