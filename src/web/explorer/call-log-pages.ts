/**
 * @module web/explorer/call-log-pages
 * Reads every page of a call-log query, one page at a time, paced by the user's RingCentral rate-limit budget:
 * before each call it waits until the call leaves the reserve (see `rate-budget.ts`), and a 429 that happens anyway
 * (another client of the same user spent the budget) is waited out for its `Retry-After` and retried, never passed
 * on. Pages are yielded as they come, so a caller can stream them out without holding the whole result; aborting
 * `signal` (the client left) stops the reading at the next wait or call.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://developers.ringcentral.com/guide/basics/paging
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RCAPP_UPSTREAM_ERROR, UpstreamError } from '../../errors.js';
import { parseRateLimit } from '../../ringcentral/rc-error.js';
import { headerValue, type RestResponse } from '../../ringcentral/rest-client.js';
import { DEFAULT_RETRY_AFTER_SECONDS, parseRetryAfter } from '../../ringcentral/upstream-errors.js';
import { asRecord } from '../views/format.js';
import type { RateBudget } from './rate-budget.js';

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real clock's sleep. */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, { signal });
};

/** RingCentral's throttling group of both call-log endpoints. */
export const CALL_LOG_GROUP = 'Heavy';

/** One page of a call log as read. */
export interface CallLogPage {
  /** 1-based. */
  readonly page: number;
  readonly records: readonly unknown[];
  /** `paging.totalElements` of the answer, when given. */
  readonly totalElements?: number;
  /** `paging.totalPages` of the answer, when given. */
  readonly totalPages?: number;
  /** RingCentral has a page after this one (`navigation.nextPage`): on the last page read, the result is cut. */
  readonly hasNext: boolean;
}

/** Options of {@link readCallLogPages}. */
export interface ReadPagesOptions {
  /** Fetches page `n` (with the token and query of the caller's choice). */
  readonly fetchPage: (page: number) => Promise<RestResponse>;
  /** Turns a non-2xx, non-429 answer (or a last 429) into the error to throw. */
  readonly errorFor: (response: RestResponse) => Error;
  readonly budget: RateBudget;
  /** Whose budget: the RingCentral user. */
  readonly subject: string;
  readonly sleep: Sleep;
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Calls of the group left unused for the user's own page views. */
  readonly reserve: number;
  /** Stop after this many pages even if RingCentral has more. */
  readonly maxPages: number;
  /** 429s retried per page before giving up. Default 3. */
  readonly maxRetries?: number;
  /** Called with each wait before it starts (progress, logs). */
  readonly onWait?: (ms: number) => void;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** One page call in the user's queue: wait for the budget, call, record what RingCentral said. */
async function pacedCall(options: ReadPagesOptions, page: number): Promise<RestResponse> {
  const { budget, subject, signal } = options;
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt += 1) {
    const response = await budget.exclusive(subject, async () => {
      signal.throwIfAborted();
      const wait = budget.delayBefore(subject, CALL_LOG_GROUP, options.reserve);
      if (wait > 0) {
        options.onWait?.(wait);
        await options.sleep(wait, signal);
      }
      signal.throwIfAborted();
      const answer = await options.fetchPage(page);
      budget.observe(subject, parseRateLimit(answer.headers));
      if (answer.status === 429) {
        const seconds =
          parseRetryAfter(headerValue(answer.headers, 'retry-after'), options.now()) ?? DEFAULT_RETRY_AFTER_SECONDS;
        budget.block(subject, parseRateLimit(answer.headers)?.group ?? CALL_LOG_GROUP, seconds);
      }
      return answer;
    });
    if (response.status !== 429 || attempt >= maxRetries) return response;
  }
}

/**
 * Yields the pages of a call-log query in order until RingCentral has no next page, or `maxPages` were read (the
 * last page then says `hasNext`, so a caller can tell a cut result from a whole one).
 * @throws whatever `errorFor` makes of a failed page; the signal's reason once aborted
 */
export async function* readCallLogPages(options: ReadPagesOptions): AsyncGenerator<CallLogPage, void, undefined> {
  for (let page = 1; page <= options.maxPages; page += 1) {
    const response = await pacedCall(options, page);
    if (response.status < 200 || response.status >= 300) throw options.errorFor(response);
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new UpstreamError(
        RCAPP_UPSTREAM_ERROR,
        `RingCentral sent a response that is not JSON (HTTP ${response.status})`,
      );
    }
    const json = asRecord(body);
    const records = Array.isArray(json?.records) ? (json.records as unknown[]) : [];
    const paging = asRecord(json?.paging);
    const totalElements = numberField(paging?.totalElements);
    const totalPages = numberField(paging?.totalPages);
    const hasNext =
      asRecord(json?.navigation)?.nextPage !== undefined &&
      records.length > 0 &&
      (totalPages === undefined || page < totalPages);
    yield {
      page,
      records,
      ...(totalElements === undefined ? {} : { totalElements }),
      ...(totalPages === undefined ? {} : { totalPages }),
      hasNext,
    };
    if (!hasNext) return;
  }
}
