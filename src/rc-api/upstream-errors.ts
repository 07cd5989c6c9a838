/**
 * @module rc-api/upstream-errors
 * Turning transport failures and RingCentral error bodies into the app's typed errors, shared by the OAuth
 * calls and the REST client: connection refused → 503, timeout → 504, 5xx → 502, 429 → `Retry-After`.
 * @see https://developers.ringcentral.com/guide/basics/errors
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import {
  AppError,
  RCAPP_RATE_LIMITED,
  RCAPP_UPSTREAM_ERROR,
  RCAPP_UPSTREAM_TIMEOUT,
  RCAPP_UPSTREAM_UNAVAILABLE,
  UpstreamError,
} from '../errors.js';
import { DEFAULT_RETRY_AFTER_SECONDS, parseRetryAfter } from './rate-limit-headers.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ABORT_ERR',
]);

function errorCodeOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') return 'ABORT_ERR';
    if (
      typeof candidate.code === 'string' &&
      (UNREACHABLE_CODES.has(candidate.code) || TIMEOUT_CODES.has(candidate.code))
    )
      return candidate.code;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * The typed error for a failed call to RingCentral that got no HTTP response (refused, reset, DNS, timeout),
 * or `undefined` when `err` is something else (a bug: let it propagate).
 */
export function classifyTransportError(err: unknown, timeoutMs: number): UpstreamError | undefined {
  const code = errorCodeOf(err);
  if (code === undefined) {
    if (err instanceof TypeError && err.message === 'fetch failed') {
      return new UpstreamError(RCAPP_UPSTREAM_UNAVAILABLE, 'RingCentral could not be reached', { cause: err });
    }
    return undefined;
  }
  if (TIMEOUT_CODES.has(code)) {
    return new UpstreamError(RCAPP_UPSTREAM_TIMEOUT, `RingCentral did not answer within ${timeoutMs} ms`, {
      cause: err,
    });
  }
  return new UpstreamError(RCAPP_UPSTREAM_UNAVAILABLE, `RingCentral could not be reached (${code})`, { cause: err });
}

/** The typed error for an HTTP status RingCentral answered with that the caller cannot use (429 or 5xx or other). */
export function errorForStatus(status: number, retryAfter: string | null | undefined, now: number): AppError {
  if (status === 429) {
    const seconds = parseRetryAfter(retryAfter, now) ?? DEFAULT_RETRY_AFTER_SECONDS;
    return new AppError(RCAPP_RATE_LIMITED, `RingCentral rate limit reached; try again in ${seconds} s`, {
      retryAfterSeconds: seconds,
    });
  }
  return new UpstreamError(RCAPP_UPSTREAM_ERROR, `RingCentral answered with HTTP ${status}`);
}
