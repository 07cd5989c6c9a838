/**
 * Lifecycle: `startEmulator({ port: 0 })` serves real HTTP and `close()` stops it; `npm run emulator` as a child
 * process prints its URL, serves, and exits cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { it } from 'node:test';

import { DEMO, buildEmulator, emulatorStateOf, startEmulator } from '../../emulator/index.js';
import { demoBasicAuth, loginAndGetTokens } from '../helpers/emulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('startEmulator on port 0 serves over real HTTP and close() stops it', async () => {
  const emu = await startEmulator({ port: 0, redirectUris: ['http://127.0.0.1:1/cb'] });
  let closed = false;
  try {
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${emu.url}/__emulator/state`);
    assert.equal(res.status, 200);
    const state = (await res.json()) as { accountId: string; redirectUris: string[] };
    assert.equal(state.accountId, DEMO.accountId);
    assert.ok(state.redirectUris.includes('http://127.0.0.1:1/cb'));
    assert.equal(emu.state.data.accountId, DEMO.accountId);
    await emu.close();
    closed = true;
    await assert.rejects(fetch(`${emu.url}/__emulator/state`));
  } finally {
    if (!closed) await emu.close();
  }
});

it('buildEmulator answers inject() requests and exposes its state', async (t) => {
  const app = buildEmulator();
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/__emulator/stats' });
  assert.equal(res.statusCode, 200);
  assert.equal(emulatorStateOf(app).stats.get('authorize'), 0);
  assert.throws(() => emulatorStateOf({} as never), /not an emulator instance/);
});

it('with its logger on, the emulator logs paths only: no code, token, verifier, secret or password', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const emu = await startEmulator({ port: 0, logger: { level: 'info', stream } });
  t.after(() => emu.close());
  const tokens = await loginAndGetTokens(emu.url);
  await fetch(`${emu.url}/restapi/v1.0/account/~/extension?access_token=${tokens.access_token}`);
  await fetch(`${emu.url}/restapi/oauth/revoke?token=${tokens.access_token}`, {
    method: 'POST',
    headers: { authorization: demoBasicAuth() },
  });
  const log = lines.join('');
  assert.ok(lines.length >= 6, 'requests are logged');
  assert.match(log, /\/restapi\/oauth\/token/);
  for (const secret of [
    tokens.access_token,
    tokens.refresh_token,
    DEMO.clientSecret,
    DEMO.admin.password,
    'code=',
    'Basic ',
  ]) {
    assert.ok(!log.includes(secret), `log must not contain ${secret.slice(0, 6)}...`);
  }
});

it('npm run emulator prints its URL, serves, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s; output: ${output}`)), 20_000);
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const match = /RingCentral emulator listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited early with ${code}; output: ${output}`));
    });
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(output, /demo-client-id/);
  assert.match(output, /admin@example\.com/);
  const res = await fetch(`${url}/restapi/oauth/authorize?response_type=code&client_id=${DEMO.clientId}`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<form method="post"/);

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  clearTimeout(timeout);
  assert.equal(signal, null);
  assert.equal(code, 0);
});

it('the CLI refuses a bad EMULATOR_PORT with a clear message and exit code 1', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_PORT: 'eighty' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timeout);
  assert.equal(code, 1);
  assert.match(stderr, /EMULATOR_PORT must be an integer/);
});

it('starting the emulator loads no JSON-schema compiler (Ajv), and a route declaring a schema is refused', async () => {
  // A fresh process: which modules a start loads is only visible before anything else loaded them.
  const probe = `
    import { createRequire } from 'node:module';
    const { startEmulator } = await import('./emulator/index.ts');
    const emu = await startEmulator({ port: 0 });
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[/]ajv[/]|ajv-compiler|fast-json-stringify-compiler/.test(f));
    await emu.close();
    console.log(JSON.stringify(loaded));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1) ?? 'null'), []);

  const emu = buildEmulator();
  emu.post('/with-schema', { schema: { body: { type: 'object' } } }, () => 'never');
  await assert.rejects(async () => {
    await emu.ready();
  }, /declare no JSON schema/);
});
