// Runs every test file under test/ with node:test (through tsx).
// Node 20 does not expand globs itself, and a run with no files reports 0 tests and exits 0, so we list the
// files here and fail loudly when none are found.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
