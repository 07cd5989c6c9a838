/**
 * @module ringcentral/answer
 * RingCentral's answer to one call, typed: status, headers, the raw body bytes (for byte-for-byte pass-through),
 * the body parsed as JSON on first use, and the rate-limit headers.
 */
import { RCAPP_UPSTREAM_ERROR, UpstreamError } from '../errors.js';
import type { Operation } from '../rc-api/operations.js';
import { parseRateLimit, type RateLimitInfo } from '../rc-api/rate-limit-headers.js';
import { headerValue, type RawAnswer } from './transport.js';

/** An answer of RingCentral to a REST call. */
export interface RcAnswer {
  readonly operation: Operation;
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: RawAnswer['headers'];
  readonly body: Buffer;
  /** True for 2xx. */
  readonly ok: boolean;
  /** A header's first value. */
  header(name: string): string | undefined;
  /**
   * The body parsed as JSON (once; later calls return the same value).
   * @throws {UpstreamError} `RCAPP_UPSTREAM_ERROR` when it is not JSON
   */
  json(): unknown;
  /** `X-Rate-Limit-*`, when RingCentral sent all four. */
  readonly rateLimit: RateLimitInfo | undefined;
}

const UNPARSED = Symbol('unparsed');

/** Wraps a transport answer. */
export function toAnswer(operation: Operation, raw: RawAnswer): RcAnswer {
  let parsed: unknown = UNPARSED;
  const header = (name: string): string | undefined => headerValue(raw.headers, name);
  return {
    operation,
    status: raw.status,
    headers: raw.headers,
    body: raw.body,
    ok: raw.status >= 200 && raw.status < 300,
    header,
    json() {
      if (parsed === UNPARSED) {
        try {
          parsed = JSON.parse(raw.body.toString('utf8'));
        } catch {
          throw new UpstreamError(
            RCAPP_UPSTREAM_ERROR,
            `RingCentral sent a response that is not JSON (HTTP ${raw.status})`,
          );
        }
      }
      return parsed;
    },
    get rateLimit() {
      return parseRateLimit(header);
    },
  };
}
