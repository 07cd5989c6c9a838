/**
 * The log spy itself: the scanner finds a secret in any of its encodings and nothing else, and the recording
 * side really writes what an app logs and what it saw (so a silent spy cannot pass the suite).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeReport, formsOf, indexSecrets, scanLogDir } from '../../../scripts/log-spy.js';
import { startEmulator } from '../../../emulator/index.js';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { LOG_SPY_ENV } from '../../helpers/log-spy.js';
import { USER1 } from '../support/fixtures.js';

const SECRET = 'Zq9-secret_value+/=.~42';

it('the scanner finds a secret raw, URL-encoded, base64, base64url and JSON-escaped, and nothing else', () => {
  const index = indexSecrets([SECRET, 'short', 'another-secret-0123456789']);
  assert.equal(index.secrets, 2, 'values under 8 characters are not scanned');
  for (const { form, text } of formsOf(SECRET)) {
    const found = index.find(`{"msg":"x","value":"prefix${text}suffix"}`);
    assert.deepEqual(found, { secret: SECRET, form }, form);
  }
  assert.equal(index.find('{"msg":"nothing to see","reqId":"Zq9-secre"}'), undefined);
  assert.equal(index.find(''), undefined);
  assert.equal(index.find('Zq9-secret_value+/=.~4'), undefined, 'one character short');
});

it('a directory scan reports files, lines, secrets and every find with file and line (not the secret)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-authflow-spy-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'secrets-1.txt'), `${JSON.stringify(SECRET)}\n"cut-off-li`);
  writeFileSync(join(dir, 'log-1-1-a.log'), '{"msg":"fine"}\n{"msg":"also fine"}\n');
  writeFileSync(join(dir, 'log-1-2-b.log'), `{"msg":"ok"}\n{"url":"/x?t=${encodeURIComponent(SECRET)}"}\n`);
  const report = scanLogDir(dir);
  assert.equal(report.logFiles, 2);
  assert.equal(report.lines, 4);
  assert.equal(report.secrets, 1);
  assert.deepEqual(report.findings, [{ file: 'log-1-2-b.log', line: 2, secret: 'Zq9-… (23 chars)', form: 'url' }]);
  assert.equal(describeReport(report), 'log spy: 4 lines scanned in 2 files, 1 secrets, 1 found');
});

it('the helpers record: an app started with the spy on writes its log lines and the secrets it saw', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-authflow-spy-live-'));
  const previous = process.env[LOG_SPY_ENV];
  process.env[LOG_SPY_ENV] = dir;
  t.after(() => {
    if (previous === undefined) delete process.env[LOG_SPY_ENV];
    else process.env[LOG_SPY_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  });
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  const app = await startTestApp(undefined, { emulator });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  assert.equal((await browser.get('/test?api=extension', { accept: 'application/json' })).status, 200);
  await app.close();
  // The exit handler flushes the rest; closing the app flushes what it wrote.
  const files = readdirSync(dir);
  assert.ok(
    files.some((f) => f.startsWith('log-')),
    'a log file',
  );
  const report = scanLogDir(dir);
  assert.ok(report.lines >= 4, `${report.lines} log lines recorded`);
  assert.equal(report.findings.length, 0);
  const secretsFile = files.find((f) => f.startsWith('secrets-'));
  const recorded = secretsFile === undefined ? '' : readFileSync(join(dir, secretsFile), 'utf8');
  const cookie = decodeURIComponent(browser.jar.get('rcsid') ?? '');
  for (const [what, value] of [
    ['the session secret', app.sessionSecrets[0]!],
    ['the client secret', 'demo-client-secret'],
    ['the session cookie', cookie],
  ] as const) {
    assert.ok(recorded.includes(JSON.stringify(value)), `${what} is recorded`);
  }
  assert.ok(recorded.split('\n').length >= 8, 'tokens, code and verifier recorded too');
});
