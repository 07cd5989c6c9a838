/**
 * @module doctor/check
 * One doctor check's result: what was checked, whether it would work, and a one-line fix when it would not.
 */

/** `ok` ✓, `fail` ✗ (the doctor exits 1), `warn` ! (works, but not for production), `skip` – (could not check). */
export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  readonly id: 'config' | 'server' | 'credentials' | 'redirect-uri' | 'callback' | 'session-secret' | 'session-store';
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found (never a secret). */
  readonly detail: string;
  /** One line: what to change. */
  readonly fix?: string;
}

/** A result with a fix only when there is one. */
export function result(
  id: CheckResult['id'],
  title: string,
  status: CheckStatus,
  detail: string,
  fix?: string,
): CheckResult {
  return { id, title, status, detail, ...(fix === undefined ? {} : { fix }) };
}
