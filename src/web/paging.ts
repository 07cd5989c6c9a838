/**
 * @module web/paging
 * RingCentral's paging of a list answer, read once for every page that links to its neighbours: the page numbers
 * (and page size) of its `navigation` links, and the counts of its `paging` object. Pages build their own links
 * from these (so a link never carries RingCentral's host or anything else of its URI).
 * @see https://developers.ringcentral.com/guide/basics/paging
 */
import type { PagingLinks } from './views/models.js';
import { asRecord } from './views/format.js';

export type NavigationKey = 'first' | 'previous' | 'next' | 'last';

/** Page numbers of RingCentral's navigation links, and their page size. */
export interface NavigationPages extends Partial<Record<NavigationKey, number>> {
  readonly perPage?: number;
}

const NAVIGATION: readonly (readonly [NavigationKey, string])[] = [
  ['first', 'firstPage'],
  ['previous', 'previousPage'],
  ['next', 'nextPage'],
  ['last', 'lastPage'],
];

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The page numbers (and page size) of `body.navigation`; an unreadable link is left out. */
export function navigationPages(body: unknown): NavigationPages {
  const navigation = asRecord(asRecord(body)?.navigation);
  const out: Partial<Record<NavigationKey, number>> & { perPage?: number } = {};
  for (const [key, name] of NAVIGATION) {
    const uri = asRecord(navigation?.[name])?.uri;
    if (typeof uri !== 'string') continue;
    try {
      const url = new URL(uri);
      const page = Number(url.searchParams.get('page') ?? '1');
      if (Number.isInteger(page) && page >= 1) out[key] = page;
      const perPage = Number(url.searchParams.get('perPage'));
      if (Number.isInteger(perPage) && perPage >= 1 && perPage <= 1000) out.perPage = perPage;
    } catch {
      // An unreadable link is left out; the others still work.
    }
  }
  return out;
}

/**
 * Paging links of a list page: one link per navigation page, made by `href(page, perPage)`, plus the counts of
 * `body.paging`.
 */
export function pagingLinksOf(
  body: unknown,
  href: (page: number, perPage: number | undefined) => string,
  fallbackPerPage?: number,
): PagingLinks {
  const pages = navigationPages(body);
  const perPage = pages.perPage ?? fallbackPerPage;
  const links: Record<string, string | number> = {};
  for (const [key] of NAVIGATION) {
    const page = pages[key];
    if (page !== undefined) links[key] = href(page, perPage);
  }
  const paging = asRecord(asRecord(body)?.paging);
  for (const key of ['page', 'totalPages', 'totalElements', 'perPage'] as const) {
    const value = numberOf(paging?.[key]);
    if (value !== undefined) links[key] = value;
  }
  return links;
}
