/**
 * Restarts of the app as a real process (`node --import tsx src/server.ts`, embedded store, fixed
 * SESSION_SECRETS, RingCentral = an emulator):
 * - `kill -9` in the middle of traffic (refreshes included): started again on the same DATA_DIR, every user is
 *   still logged in and the store opens and reads;
 * - SIGTERM with slow requests in flight: they complete (200), new connections are refused, the process exits 0
 *   within the bound; a request slower than SHUTDOWN_TIMEOUT_MS makes it exit 1 at the bound instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { openEmbeddedStore } from '../../../src/session/embedded-store.js';
import { HttpClient } from '../../helpers/http-client.js';
import { control, raiseLimits, USERS } from '../support/fixtures.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';

const SECRETS = 'restart-test-secret-0123456789-abcdefghijklmnop';
const JSON_ACCEPT = { accept: 'application/json' };

async function setUp(t: TestContext): Promise<{ emulator: RunningEmulator; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-authflow-hardening-restart-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  await raiseLimits(emulator.url);
  return { emulator, dataDir };
}

async function start(
  t: TestContext,
  emulator: RunningEmulator,
  dataDir: string,
  extra: object = {},
): Promise<ChildApp> {
  const app = await startChildApp({ emulatorUrl: emulator.url, dataDir, sessionSecrets: SECRETS, ...extra });
  t.after(() => app.kill());
  emulator.registerRedirectUri(app.redirectUrl);
  return app;
}

function sessionId(browser: HttpClient): string {
  const signed = decodeURIComponent(browser.jar.get('rcsid') ?? '');
  return signed.slice(0, signed.lastIndexOf('.'));
}

it('kill -9 under traffic (with refreshes in flight): every session survives, the store is readable', async (t) => {
  const { emulator, dataDir } = await setUp(t);
  const first = await start(t, emulator, dataDir);
  const users = USERS.slice(0, 6);
  const browsers = users.map(() => new HttpClient(first.url));
  for (const [i, browser] of browsers.entries()) await browser.loginAs(users[i]!.username, users[i]!.password);

  // Access tokens expire now: the traffic below refreshes them while the process is killed.
  await control(emulator.url).advanceClock(3600 + 120);
  let ok = 0;
  let stop = false;
  const traffic = browsers.map(async (browser) => {
    for (let i = 0; i < 500 && !stop; i++) {
      try {
        const api = i % 3 === 0 ? 'extension' : 'extension-call-log';
        const response = await browser.get(`/test?api=${api}`, JSON_ACCEPT);
        if (response.status === 200) ok += 1;
        else assert.fail(`status ${response.status} before the kill: ${response.text.slice(0, 200)}`);
      } catch (err) {
        if (stop) return;
        throw err;
      }
    }
  });
  const deadline = Date.now() + 20_000;
  while (ok < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(ok >= 40, `traffic is flowing (${ok} responses)`);
  stop = true;
  first.process.kill('SIGKILL');
  await first.exited();
  await Promise.all(traffic);
  t.diagnostic(`killed with SIGKILL after ${ok} successful requests`);

  const second = await start(t, emulator, dataDir, { port: first.port });
  for (const [i, browser] of browsers.entries()) {
    const response = await browser.get('/test?api=extension', JSON_ACCEPT);
    assert.equal(response.status, 200, `${users[i]!.username} is still logged in`);
    const home = await browser.page('/');
    assert.match(home.text, /Logout/, `${users[i]!.username} sees the logged-in page`);
  }
  second.process.kill('SIGTERM');
  assert.equal((await second.exited()).code, 0);

  const store = await openEmbeddedStore({ dir: join(dataDir, 'sessions'), now: Date.now, sweepIntervalMs: 0 });
  t.after(() => store.close());
  for (const browser of browsers) {
    const record = await store.get(sessionId(browser));
    assert.ok(record !== undefined, 'the session record reads back from the store after the restarts');
  }
  assert.equal(await store.sweep(), 0, 'the store can be swept (nothing expired)');
});

it('SIGTERM drains: in-flight requests complete, new connections are refused, exit 0 within the bound', async (t) => {
  const { emulator, dataDir } = await setUp(t);
  const app = await start(t, emulator, dataDir);
  const browsers = USERS.slice(0, 3).map(() => new HttpClient(app.url));
  for (const [i, browser] of browsers.entries()) await browser.loginAs(USERS[i]!.username, USERS[i]!.password);
  const api = control(emulator.url);
  await api.fault({ route: 'rest', delayMs: 1500, count: 3 });
  const restBefore = (await api.stats()).rest!;
  const inFlight = browsers.map((browser) => browser.get('/test?api=extension', JSON_ACCEPT));
  for (let i = 0; i < 200 && (await api.stats()).rest! < restBefore + 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal((await api.stats()).rest, restBefore + 3, 'the three requests are waiting on RingCentral');

  const signalled = performance.now();
  app.process.kill('SIGTERM');
  let refused = false;
  for (let i = 0; i < 100 && !refused; i++) {
    try {
      const response = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(500) });
      refused = response.status === 503;
    } catch {
      refused = true;
    }
    if (!refused) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(refused, 'new connections are refused while draining');

  const responses = await Promise.all(inFlight);
  assert.deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200],
    'the in-flight requests complete',
  );
  const { code } = await app.exited();
  const took = performance.now() - signalled;
  assert.equal(code, 0, app.output().slice(-2000));
  assert.ok(took < 15_000, `exited ${Math.round(took)} ms after SIGTERM`);
  t.diagnostic(`SIGTERM → exit 0 in ${Math.round(took)} ms (in-flight requests held by RingCentral for 1.5 s)`);
  assert.match(app.output(), /"msg":"shutting down"/);
});

it('SIGTERM with a request slower than SHUTDOWN_TIMEOUT_MS: exit 1 at the bound, with a log line saying why', async (t) => {
  const { emulator, dataDir } = await setUp(t);
  const app = await start(t, emulator, dataDir, {
    env: { SHUTDOWN_TIMEOUT_MS: '1000', UPSTREAM_TIMEOUT_MS: '60000' },
  });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USERS[0]!.username, USERS[0]!.password);
  const api = control(emulator.url);
  await api.fault({ route: 'rest', delayMs: 30_000, count: 1 });
  const restBefore = (await api.stats()).rest!;
  const hanging = browser.get('/test?api=extension', JSON_ACCEPT).catch(() => undefined);
  for (let i = 0; i < 200 && (await api.stats()).rest! <= restBefore; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const signalled = performance.now();
  app.process.kill('SIGTERM');
  const { code } = await app.exited();
  const took = performance.now() - signalled;
  assert.equal(code, 1);
  assert.ok(took >= 900 && took < 5000, `exited ${Math.round(took)} ms after SIGTERM (bound 1000 ms)`);
  assert.match(app.output(), /shutdown took too long/);
  await hanging;
});
