/**
 * The README's first command as a newcomer runs it: `npm start` (built-in emulator, embedded store, generated
 * secret) reaches `/healthz` 200, prints where to go and which demo user to log in as, serves the login page,
 * and stops cleanly on SIGTERM. A bad configuration exits 1 listing every problem by name, printing no secret.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { HttpClient } from '../helpers/http-client.js';
import { redisSkip, startRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A clean environment: nothing of the developer's RC_* or session settings leaks in. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

/** Ends whatever is left of the child's process group (npm may exit before the server it started). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

function collect(child: ChildProcess): { out: () => string } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { out: () => text };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function waitFor(predicate: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('npm start: app + built-in emulator, friendly line, /healthz 200, login page, clean SIGTERM', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-authflow-start-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: baseEnv({ PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATA_DIR: dataDir }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  t.after(() => killGroup(child));

  const friendly = `Open http://localhost:${port} and log in as user1@example.com / Passw0rd!user`;
  await waitFor(() => output.out().includes(friendly), 'the friendly line', output.out);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  t.diagnostic(`npm start → first 200 in ${Date.now() - started} ms (includes npm and tsx start-up)`);

  const login = await fetch(`http://localhost:${port}/`, { headers: { accept: 'text/html' } });
  assert.equal(login.status, 200);
  const html = await login.text();
  assert.match(html, new RegExp(`href="http://localhost:${emulatorPort}/restapi/oauth/authorize\\?`));
  assert.match(html, /Login RingCentral Account/);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200);

  const secretFile = statSync(join(dataDir, 'session-secret'));
  assert.equal(secretFile.mode & 0o777, 0o600, 'the generated secret is readable by its owner only');
  assert.match(output.out(), /SESSION_SECRETS is not set/);

  process.kill(-child.pid!, 'SIGTERM');
  const { code, signal } = await exited(child);
  // npm itself may report the group's SIGTERM as exit code 143; the server's own shutdown is checked below.
  assert.ok(
    code === 0 || code === 143 || signal === 'SIGTERM',
    `clean exit (code ${code}, signal ${signal})\n${output.out()}`,
  );
  // npm may exit on the group's SIGTERM before the server's last lines reach the shared pipe: wait for them.
  await waitFor(() => /shutting down/.test(output.out()), 'the server logging its shutdown', output.out);
});

it('a bad configuration exits 1 and lists every problem by variable name, never a secret value', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: baseEnv({
      RC_SERVER_URL: 'http://ringcentral.example.com',
      RC_CLIENT_SECRET: 'client-secret-value-do-not-print',
      SESSION_SECRETS: 'too-short-secret-value',
      PORT: 'eighty',
      COOKIE_SECURE: 'sometimes',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const { code } = await exited(child);
  const text = output.out();
  assert.equal(code, 1, text);
  for (const variable of ['RC_SERVER_URL', 'RC_CLIENT_ID', 'SESSION_SECRETS', 'PORT', 'COOKIE_SECURE']) {
    assert.match(text, new RegExp(`- ${variable}: `), `${variable} is reported`);
  }
  assert.doesNotMatch(text, /client-secret-value-do-not-print|too-short-secret-value/);
  assert.doesNotMatch(text, /\bat [\w.<>]+ \(/, 'no stack trace');
});

it('SESSION_STORE=redis: the server keeps sessions in Redis', { skip: redisSkip() }, async (t) => {
  const redis = await startRedis(t);
  // The built-in emulator keeps its logins in DATA_DIR: a temporary one, not the checkout's .data/.
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-authflow-start-redis-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: baseEnv({
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      DATA_DIR: dataDir,
      SESSION_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'npmstart:',
      SESSION_SECRETS: 'redis-start-test-secret-0123456789-abcdefgh',
    }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  t.after(() => killGroup(child));
  await waitFor(() => output.out().includes(`Open http://localhost:${port}`), 'the friendly line', output.out);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);

  const browser = new HttpClient(`http://localhost:${port}`);
  await browser.loginAs('user2@example.com', 'Passw0rd!user');
  assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  t.after(() => client.quit().then(() => undefined));
  await client.connect();
  const keys = await client.keys('npmstart:s:*');
  assert.equal(keys.length, 1, 'one logged-in session in Redis (the anonymous one was replaced at login)');

  process.kill(-child.pid!, 'SIGTERM');
  const { code, signal } = await exited(child);
  assert.ok(code === 0 || signal === 'SIGTERM', `clean exit (code ${code}, signal ${signal})\n${output.out()}`);
});
