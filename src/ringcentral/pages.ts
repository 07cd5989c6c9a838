/**
 * @module ringcentral/pages
 * Reads every page of a paged RingCentral list (a call log, say), one page at a time through a session's client,
 * so each page call takes its slot in the user's rate-limit budget like any other call. A 429 that RingCentral
 * sends anyway (another client of the same user spent the budget) is not passed on: the governor now blocks the
 * group for its `Retry-After`, and the page is asked again within the caller's wait bound. Pages are yielded as
 * they come, so a caller can stream them out without holding the whole result.
 * @see https://developers.ringcentral.com/guide/basics/paging
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { refusalError } from '../rc-api/error-body.js';
import type { OperationId } from '../rc-api/operations.js';
import { RCAPP_UPSTREAM_ERROR, UpstreamError, type AppError } from '../errors.js';
import type { RcAnswer } from './answer.js';
import type { CallOptions, SessionClient } from './client.js';

/** One page of a list as read. */
export interface ListPage {
  /** 1-based. */
  readonly page: number;
  readonly records: readonly unknown[];
  /** `paging.totalElements` of the answer, when given. */
  readonly totalElements?: number;
  /** `paging.totalPages` of the answer, when given. */
  readonly totalPages?: number;
  /** RingCentral has a page after this one (`navigation.nextPage`): on the last page read, the result is cut. */
  readonly hasNext: boolean;
  /** The answer itself (its rate-limit headers, say). */
  readonly answer: RcAnswer;
}

/** Options of {@link readPages}. */
export interface ReadPagesOptions extends Omit<CallOptions, 'query'> {
  /** The query of page `n`. */
  readonly query: (page: number) => URLSearchParams;
  /** Stop after this many pages even if RingCentral has more. */
  readonly maxPages: number;
  /** RingCentral 429s asked again per page before giving up. Default 3. */
  readonly maxRetries?: number;
  /**
   * Turns a failed answer into the error to throw (`undefined`: the default). Default: RingCentral's refusal, else
   * an upstream error.
   */
  readonly errorFor?: (answer: RcAnswer) => AppError | undefined;
  readonly now: () => number;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The error of a failed page: RingCentral's refusal explained, else its status. */
export function pageError(answer: RcAnswer, now: number): AppError {
  return (
    refusalError(answer, now) ??
    new UpstreamError(RCAPP_UPSTREAM_ERROR, `RingCentral answered with HTTP ${answer.status}`)
  );
}

/**
 * Yields the pages in order until RingCentral has no next page, or `maxPages` were read (the last page then says
 * `hasNext`, so a caller can tell a cut result from a whole one).
 * @throws the error of a failed page; whatever the client's call throws (a governor 429 beyond the wait bound,
 * the signal's reason once aborted, a session that ended)
 */
export async function* readPages(
  client: SessionClient,
  operationId: OperationId,
  options: ReadPagesOptions,
): AsyncGenerator<ListPage, void, undefined> {
  const maxRetries = options.maxRetries ?? 3;
  const { query, maxPages, errorFor, now, ...callOptions } = options;
  for (let page = 1; page <= maxPages; page += 1) {
    let answer = await client.call(operationId, { ...callOptions, query: query(page) });
    for (let retry = 0; answer.status === 429 && retry < maxRetries; retry += 1) {
      options.signal?.throwIfAborted();
      answer = await client.call(operationId, { ...callOptions, query: query(page) });
    }
    if (!answer.ok) throw errorFor?.(answer) ?? pageError(answer, now());
    const json = record(answer.json());
    const records = Array.isArray(json?.records) ? (json.records as unknown[]) : [];
    const paging = record(json?.paging);
    const totalElements = numberField(paging?.totalElements);
    const totalPages = numberField(paging?.totalPages);
    const hasNext =
      record(json?.navigation)?.nextPage !== undefined &&
      records.length > 0 &&
      (totalPages === undefined || page < totalPages);
    yield {
      page,
      records,
      answer,
      ...(totalElements === undefined ? {} : { totalElements }),
      ...(totalPages === undefined ? {} : { totalPages }),
      hasNext,
    };
    if (!hasNext) return;
  }
}
