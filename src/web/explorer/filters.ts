/**
 * @module web/explorer/filters
 * The call-log filters of the explorer pages and the CSV export, read from the query string so that every view is
 * a shareable URL. Each filter is one of RingCentral's own call-log query parameters (`dateFrom`, `dateTo`,
 * `direction`, `type`, `view`), checked here so that a bad value gets a clear 400 naming the parameter and never
 * reaches RingCentral. Dates are either a calendar day (`2026-01-31`, a whole day in the page's time zone) or an
 * ISO 8601 date-time with a zone (`2026-01-31T12:00:00.000Z`, as in RingCentral's own paging links).
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readUserCallLog
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readCompanyCallLog
 */
import { AppError, RCAPP_BAD_REQUEST } from '../../errors.js';
import { singleParam } from '../query.js';
import { isTimeZone, parseDayKey, type ZonedCalendar } from './time-zone.js';

export const CALL_DIRECTIONS = ['Inbound', 'Outbound'] as const;
export const CALL_TYPES = ['Voice', 'Fax'] as const;
export const CALL_LOG_VIEWS = ['Simple', 'Detailed'] as const;

export type CallDirection = (typeof CALL_DIRECTIONS)[number];
export type CallType = (typeof CALL_TYPES)[number];
export type CallLogView = (typeof CALL_LOG_VIEWS)[number];

/** Validated filters, as the user wrote them (dates stay text until the time zone is known). */
export interface CallLogFilters {
  /** `YYYY-MM-DD` or an ISO date-time with zone; absent = RingCentral's default (24 hours before `dateTo`). */
  readonly dateFrom?: string;
  /** `YYYY-MM-DD` (the whole day) or an ISO date-time with zone; absent = now. */
  readonly dateTo?: string;
  /** Empty = both directions. */
  readonly direction: readonly CallDirection[];
  /** Empty = every type. */
  readonly type: readonly CallType[];
  /** Absent = RingCentral's default, `Simple`. */
  readonly view?: CallLogView;
  /** `tz`: the IANA zone for days and times; absent = the user's RingCentral time zone. */
  readonly timeZone?: string;
}

/** The instants of a date range, ms since epoch; a missing end is left to RingCentral's default. */
export interface DateRange {
  readonly from?: number;
  readonly to?: number;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function badParameter(name: string, rule: string): AppError {
  return new AppError(RCAPP_BAD_REQUEST, `parameter "${name}" ${rule}`);
}

/** Every non-empty value of a repeatable parameter (a form's "any" option sends it empty). */
function listParam(query: unknown, name: string): string[] {
  if (query === null || typeof query !== 'object') return [];
  const raw = (query as Record<string, string | string[] | undefined>)[name];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (values.length > 8) throw badParameter(name, 'is repeated too often');
  return values.filter((value) => value !== '');
}

function enumList<T extends string>(query: unknown, name: string, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const value of listParam(query, name)) {
    if (!(allowed as readonly string[]).includes(value)) throw badParameter(name, `must be ${allowed.join(' or ')}`);
    if (!out.includes(value as T)) out.push(value as T);
  }
  // Every value selected means no filter at all; sent as is it would only lengthen the URL.
  return out.length === allowed.length ? [] : out;
}

function dateParam(query: unknown, name: string): string | undefined {
  // An unencoded `+` of a zone offset arrives as a space (form encoding): read it as the `+` it was.
  const value = singleParam(query, name)
    ?.trim()
    .replace(/ (\d{2}:\d{2})$/, '+$1');
  if (value === undefined || value === '') return undefined;
  const day = parseDayKey(value) !== undefined;
  // `Date.parse` accepts `2026-02-31T00:00Z`, so the calendar part of a date-time is checked on its own too.
  const instant = DATE_TIME.test(value) && Number.isFinite(Date.parse(value)) && !!parseDayKey(value.slice(0, 10));
  if (!day && !instant) {
    throw badParameter(name, 'must be a date like 2026-01-31 or a date-time like 2026-01-31T12:00:00.000Z');
  }
  return value;
}

/**
 * Reads the call-log filters of a query string (`dateFrom`, `dateTo`, `direction`, `type`, `view`, `tz`).
 * @throws {AppError} `RCAPP_BAD_REQUEST` naming the first bad parameter
 */
export function parseCallLogFilters(query: unknown): CallLogFilters {
  const dateFrom = dateParam(query, 'dateFrom');
  const dateTo = dateParam(query, 'dateTo');
  const direction = enumList(query, 'direction', CALL_DIRECTIONS);
  const type = enumList(query, 'type', CALL_TYPES);
  const viewRaw = singleParam(query, 'view');
  if (viewRaw !== undefined && viewRaw !== '' && !(CALL_LOG_VIEWS as readonly string[]).includes(viewRaw)) {
    throw badParameter('view', 'must be Simple or Detailed');
  }
  // Two days or two instants compare without a time zone: refuse a reversed range before anything else happens.
  if (dateFrom !== undefined && dateTo !== undefined && isDayValue(dateFrom) === isDayValue(dateTo)) {
    const reversed = isDayValue(dateFrom) ? dateFrom > dateTo : Date.parse(dateFrom) > Date.parse(dateTo);
    if (reversed) throw badParameter('dateFrom', 'must not be after "dateTo"');
  }
  const tz = singleParam(query, 'tz')?.trim();
  if (tz !== undefined && tz !== '' && !isTimeZone(tz)) {
    throw badParameter('tz', 'must be an IANA time zone name such as Europe/Berlin or UTC');
  }
  return {
    ...(dateFrom === undefined ? {} : { dateFrom }),
    ...(dateTo === undefined ? {} : { dateTo }),
    direction,
    type,
    ...(viewRaw === undefined || viewRaw === '' ? {} : { view: viewRaw as CallLogView }),
    ...(tz === undefined || tz === '' ? {} : { timeZone: tz }),
  };
}

/** True when a date filter is a calendar day rather than an instant. */
export function isDayValue(value: string | undefined): value is string {
  return value !== undefined && parseDayKey(value) !== undefined;
}

/**
 * The instants of the filters' dates: a day starts at local midnight (`dateFrom`) or ends at its last millisecond
 * (`dateTo`) in `calendar`'s zone.
 * @throws {AppError} `RCAPP_BAD_REQUEST` when the range ends before it starts
 */
export function resolveDateRange(filters: CallLogFilters, calendar: ZonedCalendar): DateRange {
  const from =
    filters.dateFrom === undefined
      ? undefined
      : isDayValue(filters.dateFrom)
        ? calendar.startOfDay(filters.dateFrom)
        : Date.parse(filters.dateFrom);
  const to =
    filters.dateTo === undefined
      ? undefined
      : isDayValue(filters.dateTo)
        ? calendar.endOfDay(filters.dateTo)
        : Date.parse(filters.dateTo);
  if (from !== undefined && to !== undefined && from > to) {
    throw badParameter('dateFrom', 'must not be after "dateTo"');
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** Paging and per-call options of a RingCentral call-log request. */
export interface CallLogPaging {
  readonly page?: number | undefined;
  readonly perPage?: number | undefined;
  /** Overrides the filters' view (the chart and the export only need `Simple`). */
  readonly view?: CallLogView;
}

/**
 * The RingCentral query for the filters: dates as UTC ISO 8601 instants, `direction`/`type` repeated, then the
 * view and paging. Keys in a fixed order so equal requests are equal strings.
 */
export function toRingCentralQuery(
  filters: CallLogFilters,
  range: DateRange,
  paging: CallLogPaging = {},
): URLSearchParams {
  const query = new URLSearchParams();
  if (range.from !== undefined) query.set('dateFrom', new Date(range.from).toISOString());
  if (range.to !== undefined) query.set('dateTo', new Date(range.to).toISOString());
  for (const direction of filters.direction) query.append('direction', direction);
  for (const type of filters.type) query.append('type', type);
  const view = paging.view ?? filters.view;
  if (view !== undefined) query.set('view', view);
  if (paging.page !== undefined) query.set('page', String(paging.page));
  if (paging.perPage !== undefined) query.set('perPage', String(paging.perPage));
  return query;
}

/**
 * The filters as query parameters of our own links (paging, JSON, export), in the user's own words: a day stays a
 * day, so the link means the same thing to whoever opens it.
 */
export function filterSearchParams(filters: CallLogFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.dateFrom !== undefined) params.set('dateFrom', filters.dateFrom);
  if (filters.dateTo !== undefined) params.set('dateTo', filters.dateTo);
  for (const direction of filters.direction) params.append('direction', direction);
  for (const type of filters.type) params.append('type', type);
  if (filters.view !== undefined) params.set('view', filters.view);
  if (filters.timeZone !== undefined) params.set('tz', filters.timeZone);
  return params;
}
