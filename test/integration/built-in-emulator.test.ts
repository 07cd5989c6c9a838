/**
 * The built-in emulator as `npm start` runs it (the app as a child process with the command of `npm start`, no
 * RC_SERVER_URL, a fresh DATA_DIR, free ports):
 * - it listens on 127.0.0.1 even when the app listens on 0.0.0.0; `EMULATOR_HOST=0.0.0.0` opens it, with one
 *   warning at start, and its control API still refuses a foreign `Host`;
 * - its logins survive a restart of the app: the same cookie still works, and a refresh after a clock jump works
 *   (the rotated pair and the clock offset survive the next restart too, even a kill -9 right after a refresh);
 * - `POST /__emulator/reset` clears the saved state; a corrupt saved state is set aside with a warning and the app
 *   starts fresh.
 * Listening addresses are read from `/proc/net/tcp*` (no traffic to anything but 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { HttpClient } from '../helpers/http-client.js';
import { freePort } from '../helpers/ports.js';
import { startChildApp, type ChildApp, type ChildAppOptions } from './support/child-app.js';
import { rawRequest } from './support/raw-http.js';
import { control, USER1 } from './support/fixtures.js';

const SECRETS = 'built-in-emulator-test-secret-0123456789-abcdef';
const JSON_ACCEPT = { accept: 'application/json' };
const EXPOSED_WARNING = /EMULATOR_HOST=0\.0\.0\.0: the built-in RingCentral emulator is reachable from other machines/g;

function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-authflow-built-in-emulator-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(t: TestContext, options: Omit<ChildAppOptions, 'sessionSecrets'>): Promise<ChildApp> {
  const app = await startChildApp({ sessionSecrets: SECRETS, launch: 'npm-start', ...options });
  t.after(() => app.kill());
  assert.ok(app.builtInEmulatorUrl, 'the app runs its built-in emulator');
  return app;
}

async function stop(app: ChildApp): Promise<void> {
  app.process.kill('SIGTERM');
  const { code } = await app.exited();
  assert.equal(code, 0, `clean exit\n${app.output().slice(-2000)}`);
}

/** The same browser against a restarted app (same origin): its cookie jar carried over. */
function sameBrowser(app: ChildApp, before: HttpClient): HttpClient {
  const browser = new HttpClient(app.url);
  for (const [name, value] of before.jar) browser.jar.set(name, value);
  return browser;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    return (hex.match(/../g) ?? [])
      .reverse()
      .map((byte) => String(parseInt(byte, 16)))
      .join('.');
  }
  if (/^0{32}$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

/** Local addresses of the sockets listening on TCP `port` (this network namespace), from /proc/net/tcp{,6}. */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const [address, portHex] = (columns[1] ?? '').split(':');
      if (columns[3] !== '0A' || address === undefined || portHex === undefined) continue;
      if (parseInt(portHex, 16) === port) addresses.push(decodeAddress(address));
    }
  }
  return addresses.sort();
}

it('HOST=0.0.0.0 leaves the built-in emulator on 127.0.0.1; EMULATOR_HOST=0.0.0.0 opens it with one warning', async (t) => {
  assert.ok(existsSync('/proc/net/tcp'), 'this test reads listening sockets from /proc/net/tcp');
  const app = await start(t, { dataDir: tempDataDir(t), env: { HOST: '0.0.0.0' } });
  const emulatorPort = Number(new URL(app.builtInEmulatorUrl!).port);
  assert.deepEqual(listeningAddresses(app.port), ['0.0.0.0'], 'the app listens on every interface, as told');
  assert.deepEqual(listeningAddresses(emulatorPort), ['127.0.0.1'], 'the emulator stays on loopback');
  assert.doesNotMatch(app.output(), EXPOSED_WARNING);
  // Logging in still works: the browser is sent to the emulator on loopback.
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  await stop(app);

  const exposed = await start(t, { dataDir: tempDataDir(t), env: { HOST: '0.0.0.0', EMULATOR_HOST: '0.0.0.0' } });
  const exposedPort = Number(new URL(exposed.builtInEmulatorUrl!).port);
  assert.deepEqual(listeningAddresses(exposedPort), ['0.0.0.0']);
  assert.equal(exposed.output().match(EXPOSED_WARNING)?.length, 1, `one warning line\n${exposed.output()}`);
  const rebound = await rawRequest(exposed.builtInEmulatorUrl!, {
    target: '/__emulator/stats',
    headers: [['Host', `rebind.example:${exposedPort}`]],
  });
  assert.equal(rebound.status, 403, 'the control API still refuses a foreign Host');
  await stop(exposed);
});

it('restarting the app keeps the built-in emulator’s logins: same cookie, 200, and refreshes keep working', async (t) => {
  const dataDir = tempDataDir(t);
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const first = await start(t, { dataDir, port, emulatorPort });
  const browser = new HttpClient(first.url);
  await browser.loginAs(USER1.username, USER1.password);
  assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  await stop(first);

  const second = await start(t, { dataDir, port, emulatorPort });
  const again = sameBrowser(second, browser);
  const response = await again.get('/test?api=extension', JSON_ACCEPT);
  assert.equal(response.status, 200, `still logged in after the restart: ${response.text.slice(0, 300)}`);
  assert.match((await again.page('/')).text, /Ben Carter/);
  const file = join(dataDir, 'emulator', 'state.json');
  assert.equal(statSync(join(dataDir, 'emulator')).mode & 0o777, 0o700, 'the state directory is private');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the state file is readable by its owner only');

  // The access token expires at the emulator: the app refreshes it once, with the refresh token saved before.
  const emulator = control(second.builtInEmulatorUrl!);
  await emulator.advanceClock(3600 + 60);
  assert.equal((await again.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'refreshed and answered');
  assert.equal((await emulator.stats())['token.refresh_token'], 1, 'exactly one refresh');
  await stop(second);

  // The rotated pair and the moved clock were saved too: no refresh is needed after the next restart.
  const third = await start(t, { dataDir, port, emulatorPort });
  const thirdBrowser = sameBrowser(third, browser);
  assert.equal((await thirdBrowser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  const thirdEmulator = control(third.builtInEmulatorUrl!);
  const stats = await thirdEmulator.stats();
  assert.equal(stats['token.refresh_token'], 0, 'the refreshed tokens survived the restart');
  assert.equal(stats['rest.unauthorized'] ?? 0, 0, 'RingCentral accepted the saved access token at once');

  // kill -9 right after a refresh: the emulator saved the new pair before it answered the app.
  await thirdEmulator.advanceClock(3600 + 60);
  assert.equal((await thirdBrowser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  assert.equal((await thirdEmulator.stats())['token.refresh_token'], 1);
  await third.kill();
  const fourth = await start(t, { dataDir, port, emulatorPort });
  assert.equal((await sameBrowser(fourth, browser).get('/test?api=extension', JSON_ACCEPT)).status, 200);
  assert.equal((await control(fourth.builtInEmulatorUrl!).stats())['token.refresh_token'], 0);
  await stop(fourth);
});

it('POST /__emulator/reset clears the saved state before it answers', async (t) => {
  const dataDir = tempDataDir(t);
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const first = await start(t, { dataDir, port, emulatorPort });
  const browser = new HttpClient(first.url);
  await browser.loginAs(USER1.username, USER1.password);
  const emulator = control(first.builtInEmulatorUrl!);
  await emulator.advanceClock(120);
  await emulator.reset();
  const saved = JSON.parse(readFileSync(join(dataDir, 'emulator', 'state.json'), 'utf8')) as {
    parts: { clock: unknown; tokens: unknown; callLog: unknown };
  };
  // The address books are back to their seed (emulator/persistence.test.ts checks that part).
  const { clock, tokens, callLog } = saved.parts;
  assert.deepEqual(
    { clock, tokens, callLog },
    { clock: { offsetMs: 0 }, tokens: { sessions: [], codes: [] }, callLog: { calls: [] } },
  );
  // Killed at once (no shutdown save): what was written by the reset is what the next start finds.
  await first.kill();

  const second = await start(t, { dataDir, port, emulatorPort });
  const again = sameBrowser(second, browser);
  const response = await again.get('/test?api=extension', JSON_ACCEPT);
  assert.equal(response.status, 401);
  assert.equal(response.json<{ code: string }>().code, 'RCAPP_SESSION_ENDED');
  await stop(second);
});

it('a corrupt saved state: the app starts with a warning (no content quoted), sets it aside, and starts fresh', async (t) => {
  const dataDir = tempDataDir(t);
  mkdirSync(join(dataDir, 'emulator'), { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'emulator', 'state.json');
  const secretLooking = 'Zq'.repeat(24);
  writeFileSync(file, `{"format":"rc-authflow-emulator-state","version":1,"parts":{"tokens":"${secretLooking}`, {
    mode: 0o600,
  });
  const app = await start(t, { dataDir });
  assert.match(
    app.output(),
    /built-in emulator: the emulator's saved state .*state\.json is unreadable \(not valid JSON\)/,
  );
  assert.ok(!app.output().includes(secretLooking), 'nothing from the file is logged');
  assert.ok(existsSync(`${file}.unreadable`), 'the unreadable file is kept aside');
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  await stop(app);
  assert.ok(existsSync(file), 'a fresh state was saved');
});
