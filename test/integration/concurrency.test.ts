/**
 * Many users at once over real HTTP: every response belongs to its own user (no auth state shared between users
 * anywhere), no 5xx; and one session hammered with an expired access token refreshes exactly once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { ADMIN, control, raiseLimits, startTestEmulatorFor, tokensOf, USER1, USERS } from './support/fixtures.js';

const ACCOUNT_ID = 400000001000;
const extensionIdOf = (extensionNumber: string): string => String(ACCOUNT_ID + Number(extensionNumber));

interface CallLogBody {
  uri: string;
  records: { uri: string; extension?: { id?: number | string } }[];
}

it('10 users, 1,000 concurrent /test requests mixed across them: 0 leaks, 0 5xx', async (t) => {
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  const app = await startTestApp(t, { emulator, env: { LOG_LEVEL: 'warn' } });
  const users = [ADMIN, ...USERS];
  assert.equal(users.length, 10);
  const browsers = await Promise.all(
    users.map(async (user) => {
      const browser = new HttpClient(app.url);
      await browser.loginAs(user.username, user.password);
      return { user, browser, ownId: extensionIdOf(user.extensionNumber) };
    }),
  );

  const requests = Array.from({ length: 1000 }, (_, i) => browsers[(i * 7) % browsers.length]!);
  const started = Date.now();
  const results = await Promise.all(
    requests.map(async ({ browser, ownId, user }, i) => {
      const api = i % 2 === 0 ? 'extension-call-log' : 'extension';
      const response = await browser.get(`/test?api=${api}&perPage=2`, { accept: 'application/json' });
      return { response, ownId, user, api };
    }),
  );
  const elapsed = Date.now() - started;

  let leaks = 0;
  let serverErrors = 0;
  for (const { response, ownId, api } of results) {
    if (response.status >= 500) serverErrors += 1;
    assert.equal(response.status, 200, response.text.slice(0, 200));
    if (api === 'extension-call-log') {
      const body = response.json<CallLogBody>();
      if (!body.uri.includes(`/extension/${ownId}/call-log`)) leaks += 1;
      for (const record of body.records) if (!record.uri.includes(`/extension/${ownId}/`)) leaks += 1;
    }
  }
  assert.equal(serverErrors, 0);
  assert.equal(leaks, 0);
  assert.ok(elapsed < 60_000, `finished in ${elapsed} ms`);
});

it('50 concurrent requests of one session with an expired access token cause exactly 1 refresh', async (t) => {
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  const api = control(emulator.url);
  const app = await startTestApp(t, { emulator });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  const before = await tokensOf(app, browser);

  await api.advanceClock(3600 + 60);
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => browser.get('/test?api=extension', { accept: 'application/json' })),
  );
  assert.deepEqual(
    responses.map((r) => r.status),
    Array.from({ length: 50 }, () => 200),
  );
  assert.equal((await api.stats())['token.refresh_token'], 1);
  const after = await tokensOf(app, browser);
  assert.notEqual(after.accessToken, before.accessToken);

  // Late arrivals keep using the stored tokens: still one refresh.
  const more = await Promise.all(
    Array.from({ length: 10 }, () => browser.get('/test?api=extension', { accept: 'application/json' })),
  );
  assert.ok(more.every((r) => r.status === 200));
  assert.equal((await api.stats())['token.refresh_token'], 1);
});
