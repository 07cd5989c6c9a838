/**
 * @module test/unit/logging-stdout.test
 * The logger's default destination (standard output): a line goes out while the process keeps running, and
 * lines logged just before `process.exit` are not lost.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 15_000;

/** Runs `code` (an ES module body with `createLogger` in scope) and calls `onOutput` with stdout so far. */
function run(
  code: string,
  onOutput: (out: string) => boolean = () => false,
): Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null }> {
  const script = `import { createLogger } from './src/logging.ts';\n${code}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (onOutput(out)) child.kill('SIGTERM');
  });
  return new Promise((resolve) => {
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ out, code: exitCode, signal });
    });
  });
}

it('a line reaches stdout while the process keeps running', async () => {
  const { out, signal } = await run(
    `const logger = createLogger({ level: 'info' });
     logger.info('lonely line');
     setInterval(() => {}, 1000);`,
    (text) => text.includes('lonely line'),
  );
  assert.match(out, /"msg":"lonely line"/);
  assert.equal(signal, 'SIGTERM', 'stopped by the test once the line arrived, not by the timeout');
});

it('lines logged just before process.exit are written', async () => {
  const { out, code } = await run(
    `const logger = createLogger({ level: 'info' });
     for (let i = 0; i < 3; i++) logger.info({ i }, 'before exit');
     process.exit(3);`,
  );
  assert.equal(code, 3);
  assert.equal(out.match(/"msg":"before exit"/g)?.length, 3, out);
});

it('a line logged in the same turn as an uncaught exception is written', async () => {
  const { out, code } = await run(
    `const logger = createLogger({ level: 'info' });
     logger.info('before the crash');
     throw new Error('boom');`,
  );
  assert.equal(code, 1);
  assert.match(out, /"msg":"before the crash"/);
});
