/**
 * @module web/views/result-paging
 * The paging of a RingCentral list page: the table caption ("Calls 3–4 of 260") and the First / Previous / Next /
 * Last controls. Links come from the route's typed {@link PagingLinks} (checked as links: they may carry
 * RingCentral's values); positions and totals from it, else from the body's `paging` object, which is RingCentral's
 * JSON and read defensively.
 * @see https://developers.ringcentral.com/guide/basics/paging
 */
import { asRecord, toSafeHref } from './format.js';
import type { PagingLinks } from './models.js';

/** What `paging.eta` prints; a missing link is shown disabled. */
export interface PagingView {
  readonly first?: string;
  readonly previous?: string;
  readonly next?: string;
  readonly last?: string;
  /** e.g. `Page 2 of 130`, or `''`. */
  readonly position: string;
  /** e.g. `260 in total`, or `''`. */
  readonly total: string;
}

/** RingCentral's `paging` object of a list body, the numbers that are numbers. */
interface BodyPaging {
  readonly page?: number;
  readonly totalPages?: number;
  readonly totalElements?: number;
  readonly pageStart?: number;
  readonly pageEnd?: number;
}

function bodyPagingOf(body: unknown): BodyPaging {
  const paging = asRecord(asRecord(body)?.paging);
  const read = (key: keyof BodyPaging): number | undefined => {
    const value = paging?.[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  return {
    page: read('page'),
    totalPages: read('totalPages'),
    totalElements: read('totalElements'),
    pageStart: read('pageStart'),
    pageEnd: read('pageEnd'),
  };
}

/**
 * The caption of a result table: the rows' range and the total when RingCentral says them (`Extensions 1–2 of 13`),
 * else the number of rows (`0 calls`).
 * @param what plural noun of a row, e.g. `calls`
 */
export function toTableCaption(
  what: 'extensions' | 'calls',
  rowCount: number,
  body: unknown,
  paging: PagingLinks,
  number: Intl.NumberFormat,
): string {
  const { pageStart: start, pageEnd: end, totalElements } = bodyPagingOf(body);
  const total = paging.totalElements ?? totalElements;
  const ofTotal = total === undefined ? '' : ` of ${number.format(total)}`;
  if (rowCount > 0 && start !== undefined && end !== undefined && end >= start) {
    return `${what.charAt(0).toUpperCase()}${what.slice(1)} ${number.format(start + 1)}–${number.format(end + 1)}${ofTotal}`;
  }
  return `${number.format(rowCount)} ${rowCount === 1 ? what.replace(/s$/, '') : what}${ofTotal}`;
}

/** The paging controls, or `undefined` when there is nothing to show (no link, no position, no total). */
export function toPagingView(paging: PagingLinks, body: unknown, number: Intl.NumberFormat): PagingView | undefined {
  const fromBody = bodyPagingOf(body);
  const pageNo = paging.page ?? fromBody.page;
  const totalPages = paging.totalPages ?? fromBody.totalPages;
  const totalElements = paging.totalElements ?? fromBody.totalElements;
  // "First" on the first page and "Last" on the last page would only reload the page: show them disabled.
  const onFirst = pageNo === 1;
  const onLast = pageNo !== undefined && totalPages !== undefined && pageNo >= totalPages;
  const view: PagingView = {
    first: onFirst ? undefined : toSafeHref(paging.first),
    previous: toSafeHref(paging.previous),
    next: toSafeHref(paging.next),
    last: onLast ? undefined : toSafeHref(paging.last),
    position:
      pageNo === undefined
        ? ''
        : totalPages === undefined
          ? `Page ${number.format(pageNo)}`
          : `Page ${number.format(pageNo)} of ${number.format(totalPages)}`,
    total: totalElements === undefined ? '' : `${number.format(totalElements)} in total`,
  };
  const anyLink = view.first ?? view.previous ?? view.next ?? view.last;
  return anyLink || view.position || view.total ? view : undefined;
}
