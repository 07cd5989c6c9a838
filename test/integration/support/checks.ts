/**
 * @module test/integration/support/checks
 * What every hardening response must satisfy: no stack trace or internals, the error format the client asked
 * for, the CSP on every page, nothing reflected unescaped, no injected header.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Stack frames, file paths, framework error codes and JS error class names: none may reach a client. */
export const INTERNALS = new RegExp(
  [
    String.raw`\n\s+at\s`,
    String.raw`\bat [^\s()]+ \([^)]*:\d+:\d+\)`,
    'node_modules',
    'file://',
    escapeRegExp(ROOT),
    String.raw`\.ts:\d+`,
    String.raw`\bFST_[A-Z_]+`,
    String.raw`\b(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError)\b`,
  ].join('|'),
);

/** Markup the catalog sends; none may come back unescaped. */
export const XSS_PAYLOADS = ['"><script>alert(1)</script>', '<img src=x onerror=alert(2)>', "'><svg onload=alert(3)>"];

/** Asserts that `text` shows no stack trace or internals. */
export function assertNoInternals(text: string, what: string): void {
  const match = INTERNALS.exec(text);
  assert.equal(match, null, `${what}: internals leaked (${match?.[0] ?? ''}): ${text.slice(0, 300)}`);
}

/** Asserts that no payload of {@link XSS_PAYLOADS} (or its dangerous core) is in `text` as raw markup. */
export function assertNothingReflected(text: string, what: string): void {
  for (const marker of ['<script>alert(', '<img src=x onerror=', '<svg onload=']) {
    assert.ok(!text.includes(marker), `${what}: "${marker}" reflected unescaped`);
  }
}

/** Asserts the strict CSP of every page and that the page has no inline script. */
export function assertStrictPage(csp: string | undefined, html: string, what: string): void {
  assert.ok(csp, `${what}: a page without Content-Security-Policy`);
  assert.match(csp, /(^|;)\s*script-src 'self'(;|$)/, `${what}: script-src is 'self' only`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: no framing`);
  assert.match(csp, /object-src 'none'/, `${what}: no plugins`);
  assert.match(csp, /base-uri 'none'/, `${what}: no <base> tricks`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: no unsafe-* source`);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${what}: an inline <script> without src`);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${what}: an inline event handler attribute`);
}
