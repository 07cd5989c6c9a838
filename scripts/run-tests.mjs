// Runs every test file under test/ with node:test (through tsx).
// Node 20 does not expand globs itself, and a run with no files reports 0 tests and exits 0, so we list the
// files here and fail loudly when none are found.
//
// Log spy: the run gets a fresh RC_LOG_SPY_DIR; the test helpers tee every app log line and every secret they see
// (tokens, codes, verifiers, client/session secrets, cookie values) into it, and after the tests
// scripts/log-spy.ts scans every line for every secret and fails the run on a find. The runner's summary lines
// (tests/pass/fail/...) are printed again after the spy's line, so the output still ends with them.
// RC_LOG_SPY=off skips the spy.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

let files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .sort();
if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error(`run-tests: no test files found${filter.length ? ` matching ${filter.join(' ')}` : ''}`);
  process.exit(1);
}

const spyOn = process.env.RC_LOG_SPY !== 'off';
const spyDir = spyOn ? mkdtempSync(join(tmpdir(), 'rc-authflow-log-spy-')) : undefined;
const env = { ...process.env, ...(spyDir === undefined ? {} : { RC_LOG_SPY_DIR: spyDir }) };
// The output goes through a pipe (to keep the summary for the end); keep the reporter a terminal would get.
const tty = process.stdout.isTTY === true;
if (tty && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';

const args = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=180000',
  ...(tty ? ['--test-reporter=spec'] : []),
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] });

const TAIL_BYTES = 64 * 1024;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
});

const SUMMARY = /^(?:# |ℹ )(?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;
// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;

/** The runner's last block of summary lines (tap `# tests 5` or spec `ℹ tests 5`), as printed. */
function summaryLines(text) {
  const lines = text.split('\n');
  const picked = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    const plain = line.replace(ANSI, '');
    if (SUMMARY.test(plain)) picked.unshift(line);
    else if (picked.length > 0 && plain.trim() !== '') break;
  }
  return picked;
}

// 'close': after the child's output has been read to the end.
child.on('close', (code, signal) => {
  const testsCode = signal ? 1 : (code ?? 1);
  let spyCode = 0;
  if (spyDir !== undefined) {
    const spy = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/log-spy.ts'), spyDir], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    const report = spy.stdout.trimEnd();
    const summary = summaryLines(tail);
    process.stdout.write(`\n${report}\n${summary.length > 0 ? `${summary.join('\n')}\n` : ''}`);
    spyCode = spy.status ?? 1;
    rmSync(spyDir, { recursive: true, force: true });
  }
  process.exit(testsCode !== 0 ? testsCode : spyCode);
});
