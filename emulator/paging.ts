/**
 * @module emulator/paging
 * RingCentral's `paging` (`EnumeratedPagingModel`) and `navigation` (`PageNavigationModel`) objects. Navigation
 * URIs are absolute and carry the normalized query with only `page` changed.
 *
 * @see ringcentral-contract.md §4.3
 */

/** Largest `perPage` (and `page`) RingCentral's paging model allows. */
export const MAX_PER_PAGE = 1000;
export const MAX_PAGE = 1000;

/** One page of `items` with its `paging` and `navigation` objects. */
export interface Page<T> {
  readonly records: readonly T[];
  readonly paging: Record<string, number>;
  readonly navigation: Record<string, { uri: string }>;
}

/** Slices `items` (1-based `page`) and builds paging/navigation; `uriFor(n)` gives the URI of page `n`. */
export function paginate<T>(
  items: readonly T[],
  page: number,
  perPage: number,
  uriFor: (page: number) => string,
): Page<T> {
  const totalElements = items.length;
  const totalPages = Math.ceil(totalElements / perPage);
  const start = (page - 1) * perPage;
  const records = items.slice(start, start + perPage);
  // RingCentral omits page/pageStart/pageEnd when the page is empty.
  const paging: Record<string, number> =
    records.length > 0
      ? { page, totalPages, perPage, totalElements, pageStart: start, pageEnd: start + records.length - 1 }
      : { totalPages, perPage, totalElements };
  // Links never point past page 1000, the highest page RingCentral's paging model allows.
  const lastReachable = Math.min(totalPages, MAX_PAGE);
  const navigation: Record<string, { uri: string }> = { firstPage: { uri: uriFor(1) } };
  if (page < lastReachable) navigation.nextPage = { uri: uriFor(page + 1) };
  if (page > 1) navigation.previousPage = { uri: uriFor(Math.min(page - 1, Math.max(lastReachable, 1))) };
  if (lastReachable > 0) navigation.lastPage = { uri: uriFor(lastReachable) };
  return { records, paging, navigation };
}

/** Serializes query pairs the way RingCentral echoes them (`:` in timestamps left readable). */
export function toQueryString(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%3A/gi, ':')}`).join('&');
}
