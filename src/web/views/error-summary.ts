/**
 * @module web/views/error-summary
 * Reads a RingCentral error body into display text. RingCentral REST errors look like
 * `{ errorCode, message, errors: [{ errorCode, message, permissionName }], permissionName }`; OAuth endpoints send
 * `{ error, error_description }`. Both, and anything else, are handled without throwing.
 * @see https://developers.ringcentral.com/guide/basics/errors
 */
import { asRecord, toText } from './format.js';

/** What the page shows about a failed RingCentral call. */
export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
  /** The missing permission for a 403, e.g. `FullCompanyCallLog`. */
  readonly permissionName: string;
  /** Every entry of `errors[]` (code + message), for bodies with several. */
  readonly details: readonly { readonly code: string; readonly message: string }[];
}

/** Summarises an error body; `undefined` when it holds nothing recognisable. */
export function toErrorSummary(body: unknown): ErrorSummary | undefined {
  const top = asRecord(body);
  if (!top) {
    const text = toText(body).trim();
    return text ? { code: '', message: text.slice(0, 500), permissionName: '', details: [] } : undefined;
  }
  const details: { code: string; message: string }[] = [];
  let permissionName = toText(top.permissionName);
  if (Array.isArray(top.errors)) {
    for (const item of (top.errors as unknown[]).slice(0, 20)) {
      const entry = asRecord(item);
      if (!entry) continue;
      details.push({ code: toText(entry.errorCode), message: toText(entry.message) });
      permissionName ||= toText(entry.permissionName);
    }
  }
  const first = details[0];
  const code = toText(top.errorCode) || toText(top.error) || first?.code || '';
  const message = toText(top.message) || toText(top.error_description) || first?.message || '';
  if (!code && !message && !permissionName && details.length === 0) return undefined;
  return { code, message, permissionName, details };
}
