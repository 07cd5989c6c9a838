/**
 * @module scripts/log-spy
 * The scanning half of the suite-wide log spy. `scripts/run-tests.mjs` sets `RC_LOG_SPY_DIR`, the test helpers
 * (`test/helpers/log-spy.ts`) write every app log line (`log-*.log`) and every secret they saw
 * (`secrets-*.txt`: tokens, codes, verifiers, client and session secrets, cookie values) there, and after the
 * run this scans every line for every secret — raw, URL-encoded, base64, base64url and JSON-escaped — and fails
 * when any is found. Findings name the file, line and the secret's first 4 characters and length only.
 *
 * Usage: `node --import tsx scripts/log-spy.ts <dir>` (exit 1 on a finding; with no log lines at all, exit 1
 * only under `RC_TEST_REQUIRE=all`).
 *
 * One pass over the text per run, whatever the number of secrets: a rolling hash of every 8-character window is
 * looked up among the secrets' first 8 characters, and only hits are compared in full.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Window of the rolling hash; shorter secrets are not scanned. */
export const WINDOW = 8;
const BASE = 257;

/** One secret found in a log line. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  /** The secret's first 4 characters, `…`, its length: enough to find it, not enough to use it. */
  readonly secret: string;
  /** Which encoding matched (`raw`, `url`, `base64`, `base64url`, `json`). */
  readonly form: string;
}

/** What a scan saw. */
export interface SpyReport {
  readonly logFiles: number;
  readonly lines: number;
  readonly secrets: number;
  readonly findings: readonly Finding[];
}

/** The encodings of `secret` a log line could carry it in. */
export function formsOf(secret: string): { form: string; text: string }[] {
  const forms = [
    { form: 'raw', text: secret },
    { form: 'url', text: encodeURIComponent(secret) },
    { form: 'base64', text: Buffer.from(secret).toString('base64') },
    { form: 'base64url', text: Buffer.from(secret).toString('base64url') },
    { form: 'json', text: JSON.stringify(secret).slice(1, -1) },
  ];
  const seen = new Set<string>();
  return forms.filter(({ text }) => text.length >= WINDOW && !seen.has(text) && seen.add(text));
}

function hashOf(text: string, start: number): number {
  let h = 0;
  for (let i = start; i < start + WINDOW; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

/** An index of secret forms by the hash of their first {@link WINDOW} characters. */
export interface SecretIndex {
  readonly secrets: number;
  find(text: string): { secret: string; form: string } | undefined;
}

/** Builds the index (secrets shorter than {@link WINDOW} are left out). */
export function indexSecrets(secrets: Iterable<string>): SecretIndex {
  const byHash = new Map<number, { secret: string; form: string; text: string }[]>();
  let count = 0;
  for (const secret of new Set(secrets)) {
    if (secret.length < WINDOW) continue;
    count += 1;
    for (const { form, text } of formsOf(secret)) {
      const h = hashOf(text, 0);
      const list = byHash.get(h);
      if (list === undefined) byHash.set(h, [{ secret, form, text }]);
      else list.push({ secret, form, text });
    }
  }
  // B^(WINDOW-1) mod 2^32, to take the leaving character out of the rolling hash.
  let top = 1;
  for (let i = 0; i < WINDOW - 1; i++) top = Math.imul(top, BASE);
  return {
    secrets: count,
    find(text) {
      if (text.length < WINDOW) return undefined;
      let h = hashOf(text, 0);
      for (let i = 0; ; i++) {
        const candidates = byHash.get(h);
        if (candidates !== undefined) {
          for (const c of candidates) if (text.startsWith(c.text, i)) return { secret: c.secret, form: c.form };
        }
        if (i + WINDOW >= text.length) return undefined;
        h = (Math.imul(h - Math.imul(text.charCodeAt(i), top), BASE) + text.charCodeAt(i + WINDOW)) | 0;
      }
    },
  };
}

/** Reads the secrets files of `dir` (one JSON string per line). */
export function readSecrets(dir: string): string[] {
  const secrets: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('secrets-')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'string') secrets.push(value);
      } catch {
        // a line cut short by a killed process: skip it
      }
    }
  }
  return secrets;
}

/** Scans every log file of `dir` for every recorded secret. */
export function scanLogDir(dir: string): SpyReport {
  const index = indexSecrets(readSecrets(dir));
  const findings: Finding[] = [];
  let lines = 0;
  let logFiles = 0;
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith('log-')) continue;
    logFiles += 1;
    const content = readFileSync(join(dir, name), 'utf8').split('\n');
    for (let n = 0; n < content.length; n++) {
      const line = content[n] ?? '';
      if (line === '') continue;
      lines += 1;
      const hit = index.find(line);
      if (hit !== undefined) {
        findings.push({
          file: name,
          line: n + 1,
          secret: `${hit.secret.slice(0, 4)}… (${hit.secret.length} chars)`,
          form: hit.form,
        });
      }
    }
  }
  return { logFiles, lines, secrets: index.secrets, findings };
}

/** The one-line summary the test runner prints. */
export function describeReport(report: SpyReport): string {
  return `log spy: ${report.lines} lines scanned in ${report.logFiles} files, ${report.secrets} secrets, ${report.findings.length} found`;
}

function main(): void {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error('usage: log-spy <dir>');
    process.exit(2);
  }
  const report = scanLogDir(resolve(dir));
  if (report.lines === 0) {
    const required = process.env.RC_TEST_REQUIRE === 'all';
    console.log(`log spy: no log lines were written (no suite started an app)${required ? ' — required' : ''}`);
    process.exit(required ? 1 : 0);
  }
  console.log(describeReport(report));
  for (const f of report.findings.slice(0, 50)) {
    console.log(`log spy: FOUND a secret ${f.secret} (${f.form}) in ${f.file} line ${f.line}`);
  }
  process.exit(report.findings.length > 0 ? 1 : 0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
