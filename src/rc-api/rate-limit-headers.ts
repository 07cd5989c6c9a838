/**
 * @module rc-api/rate-limit-headers
 * Reading what RingCentral's answers say about rate limits: the `X-Rate-Limit-*` headers and a 429's
 * `Retry-After`.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */

/** A response header by lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

/** RingCentral's `X-Rate-Limit-*` headers. */
export interface RateLimitInfo {
  readonly group: string;
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds: number;
}

/** Used when a 429 carries no usable `Retry-After` (RingCentral docs: retry after at least 30 s). */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;
const MAX_RETRY_AFTER_SECONDS = 3600;

/** Parses the `X-Rate-Limit-*` headers; `undefined` unless all four are present and numeric. */
export function parseRateLimit(header: HeaderReader): RateLimitInfo | undefined {
  const group = header('x-rate-limit-group');
  const limit = Number(header('x-rate-limit-limit'));
  const remaining = Number(header('x-rate-limit-remaining'));
  const windowSeconds = Number(header('x-rate-limit-window'));
  if (!group || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(windowSeconds)) {
    return undefined;
  }
  return { group, limit, remaining, windowSeconds };
}

/** Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), clamped to 0..3600. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.ceil((date - now) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}
