/**
 * `npm run doctor` against a test emulator: a table of broken configurations, each found by the check it breaks and
 * named with its fix (wrong secret, unknown client id, a public app given a secret, a confidential app without
 * one, unregistered redirect URI, unreachable server, weak session secret, callback port mismatch, unreachable
 * Redis, an invalid variable), good configurations that pass, the callback of a running app, and the CLI itself
 * as a child process (exit codes, `--explain`, `--readiness`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../../../src/doctor/check.js';
import { runDoctor } from '../../../src/doctor/run-doctor.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startGovernedApp } from '../governor/support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STRONG = 'kY3v9Qm_2xLr8TzW-4bNc7HpFa1Ue6JsDg0Ro5Vi';

/** A port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let emulator: TestEmulator;
let dataDir: string;
let port: number;
let redirect: string;

before(async () => {
  emulator = await startTestEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'rc-doctor-'));
  port = await closedPort();
  redirect = `http://127.0.0.1:${port}/oauth2callback`;
  emulator.registerRedirectUri(redirect);
});
after(async () => {
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A good configuration against the emulator, with `change` applied. */
function envWith(change: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    RC_SERVER_URL: emulator.url,
    RC_CLIENT_ID: 'demo-client-id',
    RC_CLIENT_SECRET: 'demo-client-secret',
    RC_REDIRECT_URL: redirect,
    PORT: String(port),
    SESSION_SECRETS: STRONG,
    SESSION_STORE: 'embedded',
    DATA_DIR: dataDir,
    ...change,
  };
}

async function doctor(change: Record<string, string | undefined> = {}) {
  const report = await runDoctor({ env: envWith(change), timeoutMs: 2_000 });
  const byId = new Map<string, CheckResult>(report.results.map((r) => [r.id, r]));
  return { report, byId, failed: report.results.filter((r) => r.status === 'fail').map((r) => r.id) };
}

describe('doctor: broken configurations', () => {
  const rows: {
    name: string;
    change: () => Record<string, string | undefined>;
    failed: CheckResult['id'][];
    fix: RegExp;
  }[] = [
    {
      name: 'wrong client secret',
      change: () => ({ RC_CLIENT_SECRET: 'not-the-secret' }),
      failed: ['credentials'],
      fix: /^RC_CLIENT_SECRET is not this app's client secret: copy it again from the RingCentral Developer Console/,
    },
    {
      name: 'unknown client id',
      change: () => ({ RC_CLIENT_ID: 'no-such-app' }),
      failed: ['credentials', 'redirect-uri'],
      fix: /^RingCentral does not know the client id "no-such-app" \(RC_CLIENT_ID\)/,
    },
    {
      name: 'a public (PKCE-only) app given a client secret',
      change: () => ({ RC_CLIENT_ID: 'demo-public-client-id', RC_CLIENT_SECRET: 'some-secret' }),
      failed: ['credentials'],
      fix: /^this app takes no client secret \(a public, PKCE-only app\): leave RC_CLIENT_SECRET empty$/,
    },
    {
      name: 'a confidential app without its secret',
      change: () => ({ RC_CLIENT_SECRET: '' }),
      failed: ['credentials'],
      fix: /^this app is confidential \(a server-side web app\): set RC_CLIENT_SECRET/,
    },
    {
      name: 'redirect URI not registered with RingCentral',
      change: () => ({ RC_REDIRECT_URL: `http://127.0.0.1:${port}/other-callback` }),
      failed: ['redirect-uri'],
      fix: /^register exactly "http:\/\/127\.0\.0\.1:\d+\/other-callback" \(RC_REDIRECT_URL\)/,
    },
    {
      name: 'RingCentral server unreachable',
      change: () => ({ RC_SERVER_URL: `http://127.0.0.1:${port}` }),
      failed: ['server'],
      fix: /^check RC_SERVER_URL/,
    },
    {
      name: 'weak session secret',
      change: () => ({ SESSION_SECRETS: 'somesecretstringsomesecretstring' }),
      failed: ['session-secret'],
      fix: /^set SESSION_SECRETS to a random value of 32\+ characters/,
    },
    {
      name: 'redirect URI on another port than the app',
      change: () => ({ PORT: String(port + 1 === 65536 ? port - 1 : port + 1) }),
      failed: ['callback'],
      fix: /^use the same port in both/,
    },
    {
      name: 'Redis unreachable',
      change: () => ({ SESSION_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` }),
      failed: ['session-store'],
      fix: /^start Redis or fix REDIS_URL/,
    },
    {
      name: 'an invalid variable',
      change: () => ({ SESSION_STORE: 'floppy' }),
      failed: ['config'],
      fix: /^fix SESSION_STORE in \.env or the environment$/,
    },
  ];

  for (const row of rows) {
    it(`${row.name}: found, with its fix`, async () => {
      const { report, failed } = await doctor(row.change());
      assert.equal(report.ok, false);
      assert.deepEqual(failed, row.failed);
      const first = report.results.find((r) => r.id === row.failed[0]);
      assert.match(first?.fix ?? '', row.fix);
    });
  }

  it('an unreachable server skips the checks that need it', async () => {
    const { byId } = await doctor({ RC_SERVER_URL: `http://127.0.0.1:${port}` });
    assert.equal(byId.get('credentials')?.status, 'skip');
    assert.equal(byId.get('redirect-uri')?.status, 'skip');
    assert.match(byId.get('server')?.detail ?? '', /the connection failed \(ECONNREFUSED\)/);
  });
});

describe('doctor: good configurations pass', () => {
  it('a confidential app: every check passes (the app is not running: its callback is not checked)', async () => {
    const { report, byId } = await doctor();
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.results.map((r) => [r.id, r.status]),
      [
        ['config', 'ok'],
        ['server', 'ok'],
        ['credentials', 'ok'],
        ['redirect-uri', 'ok'],
        ['callback', 'skip'],
        ['session-secret', 'ok'],
        ['session-store', 'ok'],
      ],
    );
    assert.match(byId.get('credentials')?.detail ?? '', /accepted client id "demo-client-id"/);
    assert.doesNotMatch(JSON.stringify(report), /demo-client-secret|kY3v9Qm_/, 'no secret in the report');
  });

  it('a public PKCE app without a secret passes; the memory store and a generated secret only warn', async () => {
    const { report, byId } = await doctor({
      RC_CLIENT_ID: 'demo-public-client-id',
      RC_CLIENT_SECRET: '',
      SESSION_SECRETS: undefined,
      SESSION_STORE: 'memory',
    });
    assert.equal(report.ok, true);
    assert.match(byId.get('credentials')?.detail ?? '', /public client, no secret/);
    assert.equal(byId.get('session-store')?.status, 'warn');
    assert.equal(byId.get('session-secret')?.status, 'warn');
  });
});

describe('doctor: the running app', () => {
  it("the app's callback is checked when it runs, and a different RC_REDIRECT_URL path is named", async (t) => {
    const app = await startGovernedApp(t, { emulator });
    const env = (path: string) =>
      envWith({ RC_REDIRECT_URL: `${app.url}${path}`, PORT: new URL(app.url).port, SESSION_STORE: 'memory' });
    emulator.registerRedirectUri(`${app.url}/elsewhere`);
    const good = await runDoctor({ env: env('/oauth2callback'), timeoutMs: 2_000 });
    const callback = good.results.find((r) => r.id === 'callback');
    assert.equal(callback?.status, 'ok', callback?.detail);
    const bad = await runDoctor({ env: env('/elsewhere'), timeoutMs: 2_000 });
    const wrong = bad.results.find((r) => r.id === 'callback');
    assert.equal(wrong?.status, 'fail');
    assert.match(wrong?.detail ?? '', /does not serve the OAuth callback at \/elsewhere \(HTTP 404\)/);
    assert.equal(bad.ok, false);
  });
});

/** Runs `npm run doctor`'s script as a child process. */
function cli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/doctor.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run doctor (CLI)', () => {
  it('exit 1 with ✗ and the fix for a wrong secret; exit 0 for a good configuration', async () => {
    const bad = await cli(['--timeout', '3000'], envWith({ RC_CLIENT_SECRET: 'wrong-secret-value' }));
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.output, /✗ Client id and secret accepted: RingCentral refused: invalid_client OAU-146/);
    assert.match(bad.output, /\n {4}fix: RC_CLIENT_SECRET is not this app's client secret/);
    assert.match(bad.output, /1 problem found\./);
    assert.doesNotMatch(bad.output, /wrong-secret-value/, 'the secret is never printed');
    const good = await cli([], envWith());
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /No problem found\./);
  });

  it('without RC_SERVER_URL it checks against a fresh built-in emulator', async () => {
    const result = await cli([], { SESSION_SECRETS: STRONG, DATA_DIR: dataDir, PORT: String(port) });
    assert.equal(result.code, 0, result.output);
    assert.match(
      result.output,
      /^rc-authflow doctor, with the built-in emulator \(RingCentral at http:\/\/127\.0\.0\.1:\d+\)/,
    );
    assert.match(result.output, /✓ Redirect URI registered/);
  });

  it('--explain prints the fix of a code; an unknown code exits 1', async () => {
    const known = await cli(['--explain', 'OAU-109'], { RC_REDIRECT_URL: 'https://app.example/cb' });
    assert.equal(known.code, 0, known.output);
    assert.match(
      known.output,
      /^OAU-109: Redirect URIs do not match\n {4}fix: register exactly "https:\/\/app\.example\/cb"/,
    );
    const unknown = await cli(['--explain', 'XYZ-999'], {});
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /not a code the doctor knows\. Known: OAU-109/);
  });

  it("--readiness prints the running app's report and exits 1 while it is not ready", async (t) => {
    const token = 'admin-token-0123456789-abcdefghijklmnop';
    const app = await startGovernedApp(t, { emulator, env: { ADMIN_TOKEN: token } });
    const result = await cli(['--readiness', '--app-url', app.url], envWith({ ADMIN_TOKEN: token }));
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /^Production readiness since .*: NOT READY YET/);
    assert.match(
      result.output,
      /✗ At least 5 successful \(2xx\) calls to each endpoint used: no RingCentral API call was made yet/,
    );
    const noToken = await cli(['--readiness', '--app-url', app.url], envWith());
    assert.equal(noToken.code, 1);
    assert.match(noToken.output, /ADMIN_TOKEN is not set/);
  });
});
