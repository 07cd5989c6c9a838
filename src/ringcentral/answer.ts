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

/**
 * An answer's methods live on the prototype: no answer carries closures of its own. Closures made per answer that
 * could reach its body (they shared one scope with it) kept every body, and the socket buffer it is a view of,
 * alive past the young generation until the next full collection: ~12 KB per request, which made V8 run a full
 * collection every ~250 ms under load (`bench/gc.ts`; docs/benchmarks.md, item 15).
 */
class Answer implements RcAnswer {
  readonly operation: Operation;
  readonly status: number;
  readonly headers: RawAnswer['headers'];
  readonly body: Buffer;
  readonly ok: boolean;
  #parsed: unknown = UNPARSED;

  constructor(operation: Operation, raw: RawAnswer) {
    this.operation = operation;
    this.status = raw.status;
    this.headers = raw.headers;
    this.body = raw.body;
    this.ok = raw.status >= 200 && raw.status < 300;
  }

  header(name: string): string | undefined {
    return headerValue(this.headers, name);
  }

  json(): unknown {
    if (this.#parsed === UNPARSED) {
      try {
        this.#parsed = JSON.parse(this.body.toString('utf8'));
      } catch {
        throw new UpstreamError(
          RCAPP_UPSTREAM_ERROR,
          `RingCentral sent a response that is not JSON (HTTP ${this.status})`,
        );
      }
    }
    return this.#parsed;
  }

  get rateLimit(): RateLimitInfo | undefined {
    const headers = this.headers;
    return parseRateLimit((name) => headerValue(headers, name));
  }
}

/** Wraps a transport answer. */
export function toAnswer(operation: Operation, raw: RawAnswer): RcAnswer {
  return new Answer(operation, raw);
}
