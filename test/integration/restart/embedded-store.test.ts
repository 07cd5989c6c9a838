/**
 * Sessions survive a restart with the embedded store: log in, stop the app (and close the store), start a new
 * app on the same DATA_DIR with the same SESSION_SECRETS: the browser is still logged in. With a different
 * secret it is not (the cookie signature and the encryption both fail closed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { openEmbeddedStore } from '../../../src/session/embedded-store.js';
import { startTestApp, TEST_SESSION_SECRETS } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { startTestEmulatorFor, USER1 } from '../support/fixtures.js';

it('restart with the embedded store: still logged in', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-authflow-restart-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const emulator = await startTestEmulatorFor(t);

  const first = await startTestApp(t, {
    emulator,
    store: await openEmbeddedStore({ dir: dataDir, now: Date.now, sweepIntervalMs: 0 }),
  });
  const browser = new HttpClient(first.url);
  await browser.loginAs(USER1.username, USER1.password);
  assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
  await first.close();

  const second = await startTestApp(t, {
    emulator,
    store: await openEmbeddedStore({ dir: dataDir, now: Date.now, sweepIntervalMs: 0 }),
  });
  const again = new HttpClient(second.url);
  for (const [name, value] of browser.jar) again.jar.set(name, value);
  const response = await again.get('/test?api=extension', { accept: 'application/json' });
  assert.equal(response.status, 200);
  const home = await again.page('/');
  assert.match(home.text, /Ben Carter/);
  await second.close();

  const rotatedAway = await startTestApp(t, {
    emulator,
    store: await openEmbeddedStore({ dir: dataDir, now: Date.now, sweepIntervalMs: 0 }),
    sessionSecrets: ['another-secret-entirely-0123456789-abcdefgh'],
  });
  const stranger = new HttpClient(rotatedAway.url);
  for (const [name, value] of browser.jar) stranger.jar.set(name, value);
  assert.equal((await stranger.get('/test?api=extension', { accept: 'application/json' })).status, 401);
  await rotatedAway.close();

  const rotated = await startTestApp(t, {
    emulator,
    store: await openEmbeddedStore({ dir: dataDir, now: Date.now, sweepIntervalMs: 0 }),
    sessionSecrets: ['the-new-first-secret-0123456789-abcdefghijk', ...TEST_SESSION_SECRETS],
  });
  const afterRotation = new HttpClient(rotated.url);
  for (const [name, value] of browser.jar) afterRotation.jar.set(name, value);
  const stillIn = await afterRotation.get('/test?api=extension', { accept: 'application/json' });
  assert.equal(stillIn.status, 200, 'a prepended secret keeps old cookies and sessions valid');
  assert.ok(
    stillIn.setCookies.some((c) => c.startsWith('rcsid=')),
    'the cookie is re-signed with the new key',
  );
});
