/**
 * @module test/helpers/log-spy
 * The recording half of the log spy over the whole test suite (`scripts/log-spy.ts` is the scanning half, run by
 * `scripts/run-tests.mjs` after the tests). When `RC_LOG_SPY_DIR` is set, the test helpers
 * - tee every log line of the apps they start into `<dir>/log-<pid>-<n>.log` ({@link teeLogLines});
 * - note every secret they see into `<dir>/secrets-<pid>.txt`, one JSON string per line ({@link recordSecrets}):
 *   tokens and codes the emulator issues, verifiers and codes the app sends, the client and session secrets,
 *   and every cookie value the app sets.
 * Without the variable every function here does nothing. Writes are buffered and flushed synchronously when an
 * app closes and when the process exits, so a test file's data is complete before the scan starts.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable that turns the spy on (a directory). */
export const LOG_SPY_ENV = 'RC_LOG_SPY_DIR';

/** Shorter values are not recorded: they are not secrets, and would match by chance. */
export const MIN_SECRET_LENGTH = 8;
const MIN_DISTINCT_CHARACTERS = 5;

const FLUSH_BYTES = 256 * 1024;

interface Recorder {
  readonly dir: string;
  readonly seen: Set<string>;
  pendingSecrets: string[];
  readonly logs: Map<string, string[]>;
  files: number;
}

let recorder: Recorder | undefined;

function flush(r: Recorder): void {
  if (r.pendingSecrets.length > 0) {
    appendFileSync(join(r.dir, `secrets-${process.pid}.txt`), r.pendingSecrets.join(''));
    r.pendingSecrets = [];
  }
  for (const [file, lines] of r.logs) {
    if (lines.length === 0) continue;
    appendFileSync(file, lines.join(''));
    lines.length = 0;
  }
}

/** The process's recorder, created on first use when the spy is on. */
function active(): Recorder | undefined {
  const dir = process.env[LOG_SPY_ENV];
  if (dir === undefined || dir === '') return undefined;
  if (recorder === undefined || recorder.dir !== dir) {
    const created: Recorder = { dir, seen: new Set(), pendingSecrets: [], logs: new Map(), files: 0 };
    recorder = created;
    process.once('exit', () => flush(created));
  }
  return recorder;
}

/** True when the spy is recording in this process. */
export function logSpyEnabled(): boolean {
  return active() !== undefined;
}

/** Notes secret values (undefined, empty and short values are skipped; duplicates once). */
export function recordSecrets(...values: (string | undefined | null)[]): void {
  const r = active();
  if (r === undefined) return;
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || r.seen.has(value)) continue;
    // A run of one character ('xxxx…', 'AAAA…') is a test's filler, not a secret: it would match filler elsewhere.
    if (new Set(value).size < MIN_DISTINCT_CHARACTERS) continue;
    r.seen.add(value);
    r.pendingSecrets.push(`${JSON.stringify(value)}\n`);
  }
  if (r.pendingSecrets.length > 256) flush(r);
}

/** Notes a cookie value as sent (`Set-Cookie` value), its URL-decoded form and the session id inside it. */
export function recordCookieValue(value: string): void {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // keep the raw form only
  }
  const dot = decoded.lastIndexOf('.');
  recordSecrets(value, decoded, dot > 0 ? decoded.slice(0, dot) : undefined);
}

/** Notes the secret query parameters of a URL (`code`, tokens), e.g. an OAuth callback URL. */
export function recordUrlSecrets(url: string): void {
  if (active() === undefined) return;
  try {
    const params = new URL(url, 'http://x.invalid').searchParams;
    for (const name of ['code', 'access_token', 'refresh_token', 'code_verifier', 'token']) {
      recordSecrets(params.get(name));
    }
  } catch {
    // not a URL: nothing to note
  }
}

/** Notes the token fields of an OAuth token response body (JSON text). */
export function recordTokenResponse(text: string): void {
  if (active() === undefined) return;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const name of ['access_token', 'refresh_token', 'id_token']) {
      const value = body[name];
      if (typeof value === 'string') recordSecrets(value);
    }
  } catch {
    // not JSON: no tokens in it
  }
}

/**
 * A sink for one app's log lines (each without its trailing newline), or `undefined` when the spy is off.
 * Call `flush()` when the app closes.
 */
export function teeLogLines(label: string): { write(line: string): void; flush(): void } | undefined {
  const r = active();
  if (r === undefined) return undefined;
  r.files += 1;
  const file = join(r.dir, `log-${process.pid}-${r.files}-${label.replace(/[^A-Za-z0-9_-]/g, '_')}.log`);
  const lines: string[] = [];
  r.logs.set(file, lines);
  let bytes = 0;
  return {
    write(line) {
      lines.push(`${line}\n`);
      bytes += line.length + 1;
      if (bytes > FLUSH_BYTES) {
        flush(r);
        bytes = 0;
      }
    },
    flush() {
      flush(r);
      bytes = 0;
    },
  };
}

/**
 * Wraps a `fetch` (the app's OAuth calls) so that what it sends and receives is noted: `code`, `code_verifier`,
 * `refresh_token` and `token` from form bodies, the `Authorization` header, and the tokens RingCentral returns.
 */
export function spyOnFetch(inner: typeof fetch): typeof fetch {
  if (active() === undefined) return inner;
  return async (input, init) => {
    const body = init?.body;
    if (body instanceof URLSearchParams || typeof body === 'string') {
      const params = new URLSearchParams(body);
      for (const name of ['code', 'code_verifier', 'refresh_token', 'token', 'client_secret']) {
        recordSecrets(params.get(name));
      }
    }
    try {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization !== null) recordSecrets(authorization, authorization.replace(/^\w+\s+/, ''));
    } catch {
      // headers fetch itself will refuse: let it say so
    }
    const response = await inner(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith('/restapi/oauth/token')) {
      // Read a copy (the caller reads the original), before handing it over, so the note is never late.
      try {
        recordTokenResponse(await response.clone().text());
      } catch {
        // an aborted body: the caller sees the same failure
      }
    }
    return response;
  };
}
