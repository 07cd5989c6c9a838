/**
 * @module web/explorer/call-log-explorer
 * The call-log explorer behind `/test?api=extension-call-log|account-call-log` (HTML) and the CSV export: it
 * resolves the filters (time zone, dates) into RingCentral's query, and builds what the page shows around
 * RingCentral's table page: the filter form, paging links that keep the filters, the calls-per-day chart and the
 * export link.
 *
 * The chart and the rate-limit budget. Call-log reads are RingCentral "Heavy" calls (10 a minute per user by
 * default), and a chart needs every record of the range, not just the table's page. So the chart is drawn
 * 1. from the table's own answer when that page already holds the whole range (no extra call: the common case for
 *    the default 24 hours);
 * 2. else from a short-lived cache per user and filters (paging through a range costs one call per page);
 * 3. else by reading the range at 1,000 records per call, only when that takes at most `maxChartPages` calls and
 *    leaves `chartReserve` calls of the user's budget, with no waiting; otherwise the page says why there is no
 *    chart (and the CSV export, which paces itself, still gets every record).
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://developers.ringcentral.com/guide/voice/call-log
 */
import { AppError, RCAPP_SESSION_ENDED, RCAPP_UPSTREAM_ERROR, UpstreamError } from '../../errors.js';
import { CURRENT_EXTENSION_PATH, ENDPOINTS } from '../../ringcentral/endpoints.js';
import { parseRateLimit, parseRcError, refusalError } from '../../ringcentral/rc-error.js';
import type { RestResponse } from '../../ringcentral/rest-client.js';
import type { Session } from '../../session/session-manager.js';
import type { AppContext } from '../context.js';
import { asRecord, toText } from '../views/format.js';
import type {
  CallChartModel,
  CallLogExplorerModel,
  CallLogFilterFormModel,
  Chrome,
  PagingLinks,
} from '../views/models.js';
import { CALL_LOG_GROUP, readCallLogPages, realSleep, type Sleep } from './call-log-pages.js';
import { createDailyCounter, dayCountOf, type DayCount } from './daily-counts.js';
import {
  filterSearchParams,
  isDayValue,
  resolveDateRange,
  toRingCentralQuery,
  type CallLogFilters,
  type DateRange,
} from './filters.js';
import { createRateBudget, type RateBudget } from './rate-budget.js';
import { addDays, createZonedCalendar, isTimeZone, type ZonedCalendar } from './time-zone.js';
import { createTtlCache } from './ttl-cache.js';

const DAY_MS = 86_400_000;

/** A chart read that would have had to wait for the budget. */
class ChartNotAffordable extends Error {
  override readonly name = 'ChartNotAffordable';
}

/** The two call logs, by their `/test?api=` name. */
export type CallLogApi = 'extension-call-log' | 'account-call-log';

/** Tunables of the explorer; every one has a default. */
export interface ExplorerOptions {
  /** Waits between paced calls (tests may inject one). Default: real timers. */
  readonly sleep?: Sleep;
  /** Zone when neither `?tz=` nor the user's RingCentral settings give one. Default `UTC`. */
  readonly defaultTimeZone?: string;
  /** Records per call when the chart reads a range. Default 1000 (RingCentral's maximum). */
  readonly chartPageSize?: number;
  /** Calls the chart may make for one page view. Default 5. */
  readonly maxChartPages?: number;
  /** Heavy calls the chart leaves to the user. Default 2. */
  readonly chartReserve?: number;
  /** Days one chart covers at most. Default 366. */
  readonly maxChartDays?: number;
  /** How long chart counts are reused. Default 60 s. */
  readonly chartTtlMs?: number;
  /** Records per call of the CSV export. Default 1000. */
  readonly exportPageSize?: number;
  /** Calls one export makes at most. Default 1000 (RingCentral's last page). */
  readonly maxExportPages?: number;
  /** Heavy calls the export leaves to the user's page views. Default 1. */
  readonly exportReserve?: number;
  /** How long the user's RingCentral time zone is reused. Default 1 hour. */
  readonly timeZoneTtlMs?: number;
}

/** A call-log request with its time zone and dates resolved. */
export interface PreparedCallLog {
  readonly api: CallLogApi;
  readonly filters: CallLogFilters;
  readonly page?: number | undefined;
  readonly perPage?: number | undefined;
  readonly timeZone: string;
  readonly calendar: ZonedCalendar;
  readonly range: DateRange;
  /** The query of RingCentral's table request. */
  readonly query: URLSearchParams;
}

/** What a call-log page adds to (or replaces in) the `/test` page model. */
export interface CallLogPageExtras {
  /** The RingCentral request as shown, timestamps readable (`:` rather than `%3A`). */
  readonly request: string;
  readonly paging: PagingLinks;
  readonly jsonHref: string;
  readonly timeZone: string;
  readonly explorer: CallLogExplorerModel;
  readonly rateLimit?: NonNullable<Chrome['rateLimit']>;
}

/** The explorer of one app instance. */
export interface CallLogExplorer {
  readonly settings: Readonly<Required<ExplorerOptions>>;
  readonly budget: RateBudget;
  /** Whose rate-limit budget a session spends (its RingCentral user). */
  subjectOf(session: Session): string;
  /**
   * Resolves the time zone (`?tz=`, else with `lookupTimeZone` the user's RingCentral zone, else the default) and
   * the dates, and builds RingCentral's query.
   * @throws {AppError} `RCAPP_BAD_REQUEST` when the range ends before it starts
   */
  prepare(
    session: Session,
    input: { api: CallLogApi; filters: CallLogFilters; page?: number | undefined; perPage?: number | undefined },
    lookupTimeZone: boolean,
  ): Promise<PreparedCallLog>;
  /** Records the rate-limit headers of an answer for the session's user. */
  observe(session: Session, response: RestResponse): void;
  /** The page model parts of a call-log page, given RingCentral's (2xx) answer and its parsed body. */
  pageModel(session: Session, prepared: PreparedCallLog, body: unknown): Promise<CallLogPageExtras>;
  /** The user's RingCentral time zone (cached), or `undefined`. */
  userTimeZone(session: Session): Promise<string | undefined>;
  /** The app error for a failed RingCentral answer (403 naming the permission, 429, 5xx, other). */
  errorFor(response: RestResponse): AppError;
}

/** `/test` link of a call log with filters and paging. */
export function callLogHref(
  api: CallLogApi,
  filters: CallLogFilters,
  paging: { page?: number | undefined; perPage?: number | undefined } = {},
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({ api });
  for (const [key, value] of filterSearchParams(filters)) params.append(key, value);
  if (paging.page !== undefined) params.set('page', String(paging.page));
  if (paging.perPage !== undefined) params.set('perPage', String(paging.perPage));
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `/test?${params.toString()}`;
}

/** The `dateFrom` RingCentral echoed in a call log's `uri` (its default window start when none was sent). */
export function echoedDateFrom(body: unknown): string | undefined {
  const uri = asRecord(body)?.uri;
  if (typeof uri !== 'string') return undefined;
  try {
    const value = new URL(uri).searchParams.get('dateFrom');
    return value !== null && Number.isFinite(Date.parse(value)) && /Z$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Page numbers (and page size) of RingCentral's navigation links. */
function navigationPages(body: unknown): Partial<Record<'first' | 'previous' | 'next' | 'last', number>> & {
  perPage?: number;
} {
  const navigation = asRecord(asRecord(body)?.navigation);
  const out: Partial<Record<'first' | 'previous' | 'next' | 'last', number>> & { perPage?: number } = {};
  for (const [key, name] of [
    ['first', 'firstPage'],
    ['previous', 'previousPage'],
    ['next', 'nextPage'],
    ['last', 'lastPage'],
  ] as const) {
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

/** Creates the explorer for one app instance. */
export function createCallLogExplorer(ctx: AppContext, options: ExplorerOptions = {}): CallLogExplorer {
  const settings: Required<ExplorerOptions> = {
    sleep: options.sleep ?? realSleep,
    defaultTimeZone: options.defaultTimeZone ?? 'UTC',
    chartPageSize: options.chartPageSize ?? 1000,
    maxChartPages: options.maxChartPages ?? 5,
    chartReserve: options.chartReserve ?? 2,
    maxChartDays: options.maxChartDays ?? 366,
    chartTtlMs: options.chartTtlMs ?? 60_000,
    exportPageSize: options.exportPageSize ?? 1000,
    maxExportPages: options.maxExportPages ?? 1000,
    exportReserve: options.exportReserve ?? 1,
    timeZoneTtlMs: options.timeZoneTtlMs ?? 3_600_000,
  };
  const { now } = ctx;
  const budget = createRateBudget({ now });
  const charts = createTtlCache<{ days: DayCount[]; sourceText: string }>({
    now,
    ttlMs: settings.chartTtlMs,
    maxEntries: 2000,
  });
  const zones = createTtlCache<string>({ now, ttlMs: settings.timeZoneTtlMs, maxEntries: 10_000 });
  const numbers = new Intl.NumberFormat('en-US');

  const subjectOf = (session: Session): string => session.data.tokens?.ownerId ?? session.id;

  async function userTimeZone(session: Session): Promise<string | undefined> {
    const subject = subjectOf(session);
    const cached = zones.get(subject);
    if (cached !== undefined) return cached === '' ? undefined : cached;
    let zone = '';
    try {
      const response = await ctx.keeper.withAccessToken(session, (token) =>
        ctx.rest.get(CURRENT_EXTENSION_PATH, token),
      );
      if (response.status === 200) {
        const body = asRecord(JSON.parse(response.body.toString('utf8')));
        const name = toText(asRecord(asRecord(body?.regionalSettings)?.timezone)?.name);
        if (isTimeZone(name)) zone = name;
      }
    } catch (err) {
      // Times are then shown in the default zone; the page itself does not depend on this call.
      ctx.logger.debug({ err }, 'could not read the user time zone');
    }
    // A failed lookup is retried after a minute, not an hour.
    zones.set(subject, zone, zone === '' ? 60_000 : settings.timeZoneTtlMs);
    return zone === '' ? undefined : zone;
  }

  function errorFor(response: RestResponse): AppError {
    if (response.status === 401)
      return new AppError(RCAPP_SESSION_ENDED, 'your RingCentral session has ended, please log in again');
    const refusal = refusalError(response, now());
    if (refusal) return refusal;
    const info = parseRcError(response.body);
    return new UpstreamError(
      RCAPP_UPSTREAM_ERROR,
      `RingCentral answered with HTTP ${response.status}${info?.message ? `: ${info.message}` : ''}`,
    );
  }

  function describeRange(prepared: PreparedCallLog): string {
    const { filters, range, timeZone } = prepared;
    const dayFormat = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium' });
    const timeFormat = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
    const show = (value: string | undefined, ms: number | undefined): string =>
      ms === undefined ? '' : isDayValue(value) ? dayFormat.format(ms) : timeFormat.format(ms);
    const from = show(filters.dateFrom, range.from);
    const to = show(filters.dateTo, range.to);
    if (from === '' && to === '') return 'the last 24 hours';
    if (from === '') return `the 24 hours up to ${to}`;
    if (to === '') return `${from} until now`;
    return from === to ? from : `${from} – ${to}`;
  }

  function filterForm(prepared: PreparedCallLog): CallLogFilterFormModel {
    const { api, filters, calendar } = prepared;
    const dayOf = (value: string | undefined): string =>
      value === undefined ? '' : isDayValue(value) ? value : calendar.dayKey(Date.parse(value));
    const today = calendar.dayKey(now());
    const keep: CallLogFilters = {
      direction: filters.direction,
      type: filters.type,
      ...(filters.view === undefined ? {} : { view: filters.view }),
      ...(filters.timeZone === undefined ? {} : { timeZone: filters.timeZone }),
    };
    const paging = { perPage: prepared.perPage };
    const presets = [
      { label: 'Last 24 hours', href: callLogHref(api, keep, paging), current: !filters.dateFrom && !filters.dateTo },
      ...[7, 30].map((days) => {
        const dateFrom = addDays(today, -days);
        return {
          label: `Last ${days} days`,
          href: callLogHref(api, { ...keep, dateFrom, dateTo: today }, paging),
          current: filters.dateFrom === dateFrom && filters.dateTo === today,
        };
      }),
    ];
    return {
      api,
      dateFrom: dayOf(filters.dateFrom),
      dateTo: dayOf(filters.dateTo),
      direction: filters.direction.length === 1 ? filters.direction[0]! : '',
      type: filters.type.length === 1 ? filters.type[0]! : '',
      view: filters.view ?? 'Simple',
      ...(prepared.perPage === undefined ? {} : { perPage: prepared.perPage }),
      timeZone: prepared.timeZone,
      rangeText: describeRange(prepared),
      presets,
      resetHref: callLogHref(api, { direction: [], type: [] }),
    };
  }

  function pagingLinks(prepared: PreparedCallLog, body: unknown): PagingLinks {
    const pages = navigationPages(body);
    // Without a start date RingCentral's window moves with the clock; its echoed start keeps the pages in place.
    const pinnedFrom = prepared.filters.dateFrom ?? echoedDateFrom(body);
    const filters = pinnedFrom === undefined ? prepared.filters : { ...prepared.filters, dateFrom: pinnedFrom };
    const perPage = pages.perPage ?? prepared.perPage;
    const links: Record<string, string | number> = {};
    for (const key of ['first', 'previous', 'next', 'last'] as const) {
      const page = pages[key];
      if (page !== undefined) links[key] = callLogHref(prepared.api, filters, { page, perPage });
    }
    const paging = asRecord(asRecord(body)?.paging);
    for (const key of ['page', 'totalPages', 'totalElements', 'perPage'] as const) {
      const value = numberOf(paging?.[key]);
      if (value !== undefined) links[key] = value;
    }
    return links;
  }

  async function chartFor(
    session: Session,
    prepared: PreparedCallLog,
    body: unknown,
  ): Promise<{ chart?: CallChartModel; chartNote?: string }> {
    const { calendar, filters, range, timeZone } = prepared;
    const to = range.to ?? now();
    const echoed = echoedDateFrom(body);
    const from = range.from ?? (echoed === undefined ? to - DAY_MS : Date.parse(echoed));
    if (from > to) return { chartNote: 'The date range is empty, so there is no chart.' };
    const days = dayCountOf(calendar, from, to);
    if (days > settings.maxChartDays) {
      return {
        chartNote: `The chart covers at most ${numbers.format(settings.maxChartDays)} days; this range has ${numbers.format(days)}. Narrow the dates to see it.`,
      };
    }
    const subject = subjectOf(session);
    const key = [
      subject,
      prepared.api,
      from,
      range.to ?? 'now',
      filters.direction.join(','),
      filters.type.join(','),
      timeZone,
    ].join('|');
    const chartOf = (counts: { days: DayCount[]; sourceText: string }): { chart: CallChartModel } => ({
      chart: { timeZone, days: counts.days, sourceText: counts.sourceText },
    });
    const cached = charts.get(key);
    if (cached !== undefined) return chartOf(cached);

    const json = asRecord(body);
    const records = Array.isArray(json?.records) ? (json.records as unknown[]) : [];
    const total = numberOf(asRecord(json?.paging)?.totalElements);
    const counter = createDailyCounter(calendar, from, to, settings.maxChartDays);
    // RingCentral may leave out `totalElements` on call logs; then "no next page" says the first page is all.
    const wholeRange =
      (prepared.page ?? 1) === 1 &&
      (total !== undefined ? records.length >= total : asRecord(json?.navigation)?.nextPage === undefined);
    if (wholeRange) {
      counter.add(records);
      const counts = {
        days: counter.days(),
        sourceText: `${numbers.format(records.length)} call${records.length === 1 ? '' : 's'}, from this page`,
      };
      charts.set(key, counts);
      return chartOf(counts);
    }

    const calls = total === undefined ? settings.maxChartPages : Math.max(1, Math.ceil(total / settings.chartPageSize));
    if (calls > settings.maxChartPages) {
      return {
        chartNote:
          `The chart is left out: the ${numbers.format(total ?? 0)} calls of this range would take ` +
          `${numbers.format(calls)} RingCentral requests (at most ${numbers.format(settings.maxChartPages)} are spent ` +
          `on a chart). Narrow the dates or filters to see it; the CSV export still has every call.`,
      };
    }
    if (!budget.affords(subject, CALL_LOG_GROUP, calls, settings.chartReserve)) {
      const left = budget.current(subject, CALL_LOG_GROUP);
      return {
        chartNote:
          `The chart is left out to save your RingCentral rate limit: it needs ${numbers.format(calls)} more ` +
          `"${CALL_LOG_GROUP}" request${calls === 1 ? '' : 's'}` +
          (left
            ? ` and ${numbers.format(left.remaining)} of ${numbers.format(left.limit)} are left (RingCentral ` +
              `refills them within ${numbers.format(left.windowSeconds)} s)`
            : '') +
          '. Reload the page after that to see it.',
      };
    }
    const path = ENDPOINTS[prepared.api].path;
    const noWaiting = new AbortController();
    try {
      const pages = readCallLogPages({
        fetchPage: (page) =>
          ctx.keeper.withAccessToken(session, (token) =>
            ctx.rest.get(
              path,
              token,
              toRingCentralQuery(
                filters,
                { from, ...(range.to === undefined ? {} : { to: range.to }) },
                {
                  page,
                  perPage: settings.chartPageSize,
                  view: 'Simple',
                },
              ),
            ),
          ),
        errorFor,
        budget,
        subject,
        // A page view never waits for the budget: needing to wait means the chart is not affordable after all.
        sleep: () => Promise.reject(new ChartNotAffordable()),
        signal: noWaiting.signal,
        now,
        reserve: settings.chartReserve - 1,
        maxPages: calls,
        maxRetries: 0,
      });
      let read = 0;
      let cut = false;
      for await (const page of pages) {
        counter.add(page.records);
        read += 1;
        cut = page.hasNext;
      }
      if (cut) {
        // Without a total the size was a guess, and the range holds more than a chart may read.
        return {
          chartNote:
            `The chart is left out: this range holds more calls than ${numbers.format(settings.maxChartPages)} ` +
            'RingCentral requests return. Narrow the dates or filters to see it; the CSV export still has every call.',
        };
      }
      const counts = {
        days: counter.days(),
        sourceText: `${numbers.format(counter.counted)} calls, read in ${numbers.format(read)} RingCentral request${read === 1 ? '' : 's'}`,
      };
      charts.set(key, counts);
      return chartOf(counts);
    } catch (err) {
      if (err instanceof ChartNotAffordable || (err instanceof AppError && err.status === 429)) {
        return {
          chartNote: 'The chart is left out to save your RingCentral rate limit. Reload the page shortly to see it.',
        };
      }
      if (err instanceof AppError && err.code === RCAPP_SESSION_ENDED) throw err;
      ctx.logger.info({ err }, 'call-log chart could not be read');
      return {
        chartNote: `The chart could not be drawn: ${err instanceof AppError ? err.message : 'RingCentral did not answer'}.`,
      };
    }
  }

  return {
    settings,
    budget,
    subjectOf,
    userTimeZone,
    errorFor,

    async prepare(session, input, lookupTimeZone) {
      const timeZone =
        input.filters.timeZone ??
        (lookupTimeZone ? await userTimeZone(session) : undefined) ??
        settings.defaultTimeZone;
      const calendar = createZonedCalendar(timeZone);
      const range = resolveDateRange(input.filters, calendar);
      return {
        ...input,
        timeZone,
        calendar,
        range,
        query: toRingCentralQuery(input.filters, range, { page: input.page, perPage: input.perPage }),
      };
    },

    observe(session, response) {
      budget.observe(subjectOf(session), parseRateLimit(response.headers));
    },

    async pageModel(session, prepared, body) {
      const { api, filters } = prepared;
      const chart = await chartFor(session, prepared, body);
      const total = numberOf(asRecord(asRecord(body)?.paging)?.totalElements);
      const exportParams = new URLSearchParams({ scope: api === 'account-call-log' ? 'account' : 'extension' });
      for (const [key, value] of filterSearchParams({ ...filters, timeZone: prepared.timeZone })) {
        if (key !== 'view') exportParams.append(key, value);
      }
      const hasDay = isDayValue(filters.dateFrom) || isDayValue(filters.dateTo);
      const left = budget.current(subjectOf(session), CALL_LOG_GROUP);
      const query = prepared.query.toString().replace(/%3A/gi, ':');
      return {
        request: `GET ${ENDPOINTS[api].path}${query === '' ? '' : `?${query}`}`,
        paging: pagingLinks(prepared, body),
        jsonHref: callLogHref(
          api,
          // Calendar days mean the page's zone: the JSON link names it so it returns the same calls.
          hasDay ? { ...filters, timeZone: prepared.timeZone } : filters,
          { page: prepared.page, perPage: prepared.perPage },
          { format: 'json' },
        ),
        timeZone: prepared.timeZone,
        explorer: {
          filters: filterForm(prepared),
          ...chart,
          export: {
            href: `/export/call-log.csv?${exportParams.toString()}`,
            ...(total === undefined
              ? {}
              : { total, requests: Math.max(1, Math.ceil(total / settings.exportPageSize)) }),
          },
        },
        ...(left === undefined
          ? {}
          : {
              rateLimit: {
                group: left.group,
                remaining: left.remaining,
                limit: left.limit,
                windowSeconds: left.windowSeconds,
              },
            }),
      };
    },
  };
}
