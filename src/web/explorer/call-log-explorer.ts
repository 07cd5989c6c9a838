/**
 * @module web/explorer/call-log-explorer
 * The call-log explorer behind `/test?api=extension-call-log|account-call-log` (HTML) and the CSV export, as pure
 * functions with no I/O of their own: filters → RingCentral's query ({@link planCallLog}); RingCentral's answers
 * → the page model around the table ({@link callLogPageModel}: filter form, paging links that keep the filters,
 * export link) and the calls-per-day chart ({@link planChart}, {@link chartFromRecords}). The route makes the
 * calls, through the session's RingCentral client.
 *
 * The chart and the rate-limit budget. Call-log reads are RingCentral "Heavy" calls (10 a minute per user by
 * default), and a chart needs every record of the range, not just the table's page. So the chart is drawn
 * 1. from the table's own answer when that page already holds the whole range (no extra call: the common case for
 *    the default 24 hours);
 * 2. else from a short-lived cache per user and filters (paging through a range costs one call per page);
 * 3. else by reading the range at 1,000 records per call, only when that takes at most `maxChartPages` calls and
 *    leaves `chartReserve` calls of the user's budget (as the rate-limit governor sees it), with no waiting;
 *    otherwise the page says why there is no chart (and the CSV export still gets every record).
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://developers.ringcentral.com/guide/voice/call-log
 */
import type { BudgetSnapshot } from '../../governor/budget-store.js';
import type { RateLimitInfo } from '../../rc-api/rate-limit-headers.js';
import { apiPage } from '../api-pages.js';
import { pagingLinksOf } from '../paging.js';
import { asRecord } from '../views/format.js';
import type {
  CallChartModel,
  CallLogExplorerModel,
  CallLogFilterFormModel,
  Chrome,
  PagingLinks,
} from '../views/models.js';
import { createDailyCounter, dayCountOf, type DayCount } from './daily-counts.js';
import {
  filterSearchParams,
  isDayValue,
  resolveDateRange,
  toRingCentralQuery,
  type CallLogFilters,
  type DateRange,
} from './filters.js';
import { dateTimeFormat } from '../intl-formats.js';
import { addDays, createZonedCalendar, type ZonedCalendar } from './time-zone.js';
import { createTtlCache, type TtlCache } from './ttl-cache.js';

const DAY_MS = 86_400_000;

/** The two call logs, by their `/test?api=` name. */
export type CallLogApi = 'extension-call-log' | 'account-call-log';

/** Tunables of the explorer; every one has a default. */
export interface ExplorerOptions {
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
}

export type ExplorerSettings = Readonly<Required<ExplorerOptions>>;

/** The settings with every default filled in. */
export function explorerSettings(options: ExplorerOptions = {}): ExplorerSettings {
  return Object.freeze({
    defaultTimeZone: options.defaultTimeZone ?? 'UTC',
    chartPageSize: options.chartPageSize ?? 1000,
    maxChartPages: options.maxChartPages ?? 5,
    chartReserve: options.chartReserve ?? 2,
    maxChartDays: options.maxChartDays ?? 366,
    chartTtlMs: options.chartTtlMs ?? 60_000,
    exportPageSize: options.exportPageSize ?? 1000,
    maxExportPages: options.maxExportPages ?? 1000,
  });
}

/** A call-log request with its time zone and dates resolved. */
export interface CallLogPlan {
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

/** Counts of a chart, kept for reuse. */
export interface ChartCounts {
  readonly days: readonly DayCount[];
  readonly sourceText: string;
}

/** The chart part of a page: a chart, or why there is none. */
export interface ChartOutcome {
  readonly chart?: CallChartModel;
  readonly chartNote?: string;
}

/** What drawing the chart of a page takes. */
export type ChartPlan =
  /** Done: a chart (from the page or the cache) or a note. */
  | { readonly kind: 'done'; readonly outcome: ChartOutcome }
  /** Read the range: `calls` calls at most, pages from `query(page)`; then {@link chartFromRecords}. */
  | {
      readonly kind: 'read';
      readonly calls: number;
      readonly query: (page: number) => URLSearchParams;
      readonly from: number;
      readonly to: number;
      readonly key: string;
    };

const numbers = new Intl.NumberFormat('en-US');

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

/** Resolves the dates in `timeZone` and builds RingCentral's query for the table. */
export function planCallLog(
  input: { api: CallLogApi; filters: CallLogFilters; page?: number | undefined; perPage?: number | undefined },
  timeZone: string,
): CallLogPlan {
  const calendar = createZonedCalendar(timeZone);
  const range = resolveDateRange(input.filters, calendar);
  return {
    ...input,
    timeZone,
    calendar,
    range,
    query: toRingCentralQuery(input.filters, range, { page: input.page, perPage: input.perPage }),
  };
}

function describeRange(plan: CallLogPlan): string {
  const { filters, range, timeZone } = plan;
  const dayFormat = dateTimeFormat('en-US', { timeZone, dateStyle: 'medium' });
  const timeFormat = dateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const show = (value: string | undefined, ms: number | undefined): string =>
    ms === undefined ? '' : isDayValue(value) ? dayFormat.format(ms) : timeFormat.format(ms);
  const from = show(filters.dateFrom, range.from);
  const to = show(filters.dateTo, range.to);
  if (from === '' && to === '') return 'the last 24 hours';
  if (from === '') return `the 24 hours up to ${to}`;
  if (to === '') return `${from} until now`;
  return from === to ? from : `${from} – ${to}`;
}

function filterForm(plan: CallLogPlan, now: number): CallLogFilterFormModel {
  const { api, filters, calendar } = plan;
  const dayOf = (value: string | undefined): string =>
    value === undefined ? '' : isDayValue(value) ? value : calendar.dayKey(Date.parse(value));
  const today = calendar.dayKey(now);
  const keep: CallLogFilters = {
    direction: filters.direction,
    type: filters.type,
    ...(filters.view === undefined ? {} : { view: filters.view }),
    ...(filters.timeZone === undefined ? {} : { timeZone: filters.timeZone }),
  };
  const paging = { perPage: plan.perPage };
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
    ...(plan.perPage === undefined ? {} : { perPage: plan.perPage }),
    timeZone: plan.timeZone,
    rangeText: describeRange(plan),
    presets,
    resetHref: callLogHref(api, { direction: [], type: [] }),
  };
}

function pagingLinks(plan: CallLogPlan, body: unknown): PagingLinks {
  // Without a start date RingCentral's window moves with the clock; its echoed start keeps the pages in place.
  const pinnedFrom = plan.filters.dateFrom ?? echoedDateFrom(body);
  const filters = pinnedFrom === undefined ? plan.filters : { ...plan.filters, dateFrom: pinnedFrom };
  return pagingLinksOf(body, (page, perPage) => callLogHref(plan.api, filters, { page, perPage }), plan.perPage);
}

/** The key of a chart in the chart cache: the user, the log, the instants and the filters. */
function chartKey(owner: string, plan: CallLogPlan, from: number): string {
  const { api, filters, range, timeZone } = plan;
  return [owner, api, from, range.to ?? 'now', filters.direction.join(','), filters.type.join(','), timeZone].join('|');
}

/** Calls left of a budget for something that needs them, keeping `reserve` for the user. */
export function affords(budget: BudgetSnapshot, calls: number, reserve: number): boolean {
  return budget.blockedForMs === 0 && budget.limit - budget.used - budget.planned - calls >= reserve;
}

/** The short-lived chart counts of one app instance, per user and filters. */
export type ChartCache = TtlCache<ChartCounts>;

/** A chart cache for `settings`. */
export function createChartCache(settings: ExplorerSettings, now: () => number): ChartCache {
  return createTtlCache<ChartCounts>({ now, ttlMs: settings.chartTtlMs, maxEntries: 2000 });
}

function chartOf(plan: CallLogPlan, counts: ChartCounts): ChartOutcome {
  return { chart: { timeZone: plan.timeZone, days: counts.days, sourceText: counts.sourceText } };
}

/**
 * What the chart of a page takes, given the table's answer: nothing more (the page holds the whole range, or the
 * cache has it, or there is a reason for no chart), or reading the range.
 */
export function planChart(
  plan: CallLogPlan,
  body: unknown,
  context: { owner: string; settings: ExplorerSettings; cache: ChartCache; now: number },
): ChartPlan {
  const { settings, cache } = context;
  const { calendar, filters, range } = plan;
  const to = range.to ?? context.now;
  const echoed = echoedDateFrom(body);
  const from = range.from ?? (echoed === undefined ? to - DAY_MS : Date.parse(echoed));
  const done = (outcome: ChartOutcome): ChartPlan => ({ kind: 'done', outcome });
  if (from > to) return done({ chartNote: 'The date range is empty, so there is no chart.' });
  const days = dayCountOf(calendar, from, to);
  if (days > settings.maxChartDays) {
    return done({
      chartNote: `The chart covers at most ${numbers.format(settings.maxChartDays)} days; this range has ${numbers.format(days)}. Narrow the dates to see it.`,
    });
  }
  const key = chartKey(context.owner, plan, from);
  const cached = cache.get(key);
  if (cached !== undefined) return done(chartOf(plan, cached));

  const json = asRecord(body);
  const records = Array.isArray(json?.records) ? (json.records as unknown[]) : [];
  const total = numberOf(asRecord(json?.paging)?.totalElements);
  // RingCentral may leave out `totalElements` on call logs; then "no next page" says the first page is all.
  const wholeRange =
    (plan.page ?? 1) === 1 &&
    (total !== undefined ? records.length >= total : asRecord(json?.navigation)?.nextPage === undefined);
  if (wholeRange) {
    const counter = createDailyCounter(calendar, from, to, settings.maxChartDays);
    counter.add(records);
    const counts = {
      days: counter.days(),
      sourceText: `${numbers.format(records.length)} call${records.length === 1 ? '' : 's'}, from this page`,
    };
    cache.set(key, counts);
    return done(chartOf(plan, counts));
  }
  const calls = total === undefined ? settings.maxChartPages : Math.max(1, Math.ceil(total / settings.chartPageSize));
  if (calls > settings.maxChartPages) {
    return done({
      chartNote:
        `The chart is left out: the ${numbers.format(total ?? 0)} calls of this range would take ` +
        `${numbers.format(calls)} RingCentral requests (at most ${numbers.format(settings.maxChartPages)} are spent ` +
        `on a chart). Narrow the dates or filters to see it; the CSV export still has every call.`,
    });
  }
  return {
    kind: 'read',
    calls,
    from,
    to,
    key,
    query: (page) =>
      toRingCentralQuery(
        filters,
        { from, ...(range.to === undefined ? {} : { to: range.to }) },
        { page, perPage: settings.chartPageSize, view: 'Simple' },
      ),
  };
}

/** Why the chart is left out when the budget cannot spare its calls now. */
export function chartNotAffordable(calls: number, group: string, budget: BudgetSnapshot | undefined): ChartOutcome {
  const left =
    budget === undefined
      ? ''
      : ` and ${numbers.format(Math.max(0, budget.limit - budget.used - budget.planned))} of ` +
        `${numbers.format(budget.limit)} are left (RingCentral refills them within ` +
        `${numbers.format(Math.round(budget.windowMs / 1000))} s)`;
  return {
    chartNote:
      `The chart is left out to save your RingCentral rate limit: it needs ${numbers.format(calls)} more ` +
      `"${group}" request${calls === 1 ? '' : 's'}${left}. Reload the page after that to see it.`,
  };
}

/** The chart from every record of the range, read in `requests` calls (kept in the cache); or why it is cut. */
export function chartFromRecords(
  plan: CallLogPlan,
  read: Extract<ChartPlan, { kind: 'read' }>,
  result: { records: readonly unknown[]; requests: number; cut: boolean },
  context: { settings: ExplorerSettings; cache: ChartCache },
): ChartOutcome {
  const { settings } = context;
  if (result.cut) {
    // Without a total the size was a guess, and the range holds more than a chart may read.
    return {
      chartNote:
        `The chart is left out: this range holds more calls than ${numbers.format(settings.maxChartPages)} ` +
        'RingCentral requests return. Narrow the dates or filters to see it; the CSV export still has every call.',
    };
  }
  const counter = createDailyCounter(plan.calendar, read.from, read.to, settings.maxChartDays);
  counter.add(result.records);
  const counts = {
    days: counter.days(),
    sourceText: `${numbers.format(counter.counted)} calls, read in ${numbers.format(result.requests)} RingCentral request${result.requests === 1 ? '' : 's'}`,
  };
  context.cache.set(read.key, counts);
  return chartOf(plan, counts);
}

/** The page model parts of a call-log page, from RingCentral's (2xx) answer and the chart. */
export function callLogPageModel(
  plan: CallLogPlan,
  body: unknown,
  chart: ChartOutcome,
  context: {
    settings: ExplorerSettings;
    rateLimit: RateLimitInfo | undefined;
    now: number;
    /** A page served from the user's copy: its own paging links and how fresh it is. */
    copy?: { paging: PagingLinks; asOf: number; refreshHref: string };
  },
): CallLogPageExtras {
  const { api, filters } = plan;
  const total = numberOf(asRecord(asRecord(body)?.paging)?.totalElements);
  const exportParams = new URLSearchParams({ scope: api === 'account-call-log' ? 'account' : 'extension' });
  for (const [key, value] of filterSearchParams({ ...filters, timeZone: plan.timeZone })) {
    if (key !== 'view') exportParams.append(key, value);
  }
  const hasDay = isDayValue(filters.dateFrom) || isDayValue(filters.dateTo);
  const query = plan.query.toString().replace(/%3A/gi, ':');
  const { request } = apiPage(api);
  const left = context.rateLimit;
  return {
    request: `${request}${query === '' ? '' : `?${query}`}`,
    paging: context.copy?.paging ?? pagingLinks(plan, body),
    jsonHref: callLogHref(
      api,
      // Calendar days mean the page's zone: the JSON link names it so it returns the same calls.
      hasDay ? { ...filters, timeZone: plan.timeZone } : filters,
      { page: plan.page, perPage: plan.perPage },
      { format: 'json' },
    ),
    timeZone: plan.timeZone,
    explorer: {
      filters: filterForm(plan, context.now),
      ...chart,
      ...(context.copy === undefined
        ? {}
        : { freshness: { asOf: context.copy.asOf, refreshHref: context.copy.refreshHref } }),
      export: {
        href: `/export/call-log.csv?${exportParams.toString()}`,
        ...(total === undefined
          ? {}
          : {
              total,
              // A page from the copy: the export of its range comes from the copy too.
              requests:
                context.copy === undefined ? Math.max(1, Math.ceil(total / context.settings.exportPageSize)) : 0,
            }),
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
}

/** The instants a page of the explorer shows: RingCentral's default window is the 24 hours up to the end. */
export function pageRange(plan: CallLogPlan, now: number): { from: number; to?: number } {
  const end = plan.range.to ?? now;
  return { from: plan.range.from ?? end - DAY_MS, ...(plan.range.to === undefined ? {} : { to: plan.range.to }) };
}

/**
 * Paging links of a page served from the user's copy: page numbers of the copy's records (the window pinned to
 * the instant it starts, so paging through "the last 24 hours" shows one set of calls), and the counts.
 */
export function copyPagingLinks(
  plan: CallLogPlan,
  range: { from: number },
  page: { page: number; perPage: number; totalPages: number; totalElements: number },
): PagingLinks {
  const filters =
    plan.filters.dateFrom === undefined
      ? { ...plan.filters, dateFrom: new Date(range.from).toISOString() }
      : plan.filters;
  const href = (n: number): string => callLogHref(plan.api, filters, { page: n, perPage: plan.perPage });
  return {
    ...(page.page > 1 ? { first: href(1), previous: href(page.page - 1) } : {}),
    ...(page.page < page.totalPages ? { next: href(page.page + 1), last: href(page.totalPages) } : {}),
    page: page.page,
    totalPages: page.totalPages,
    totalElements: page.totalElements,
    perPage: page.perPage,
  };
}

/** The chart of every record of a page's range and filters (the same records the table pages through). */
export function chartFromCopy(
  plan: CallLogPlan,
  range: { from: number; to?: number },
  records: readonly unknown[],
  context: { settings: ExplorerSettings; asOf: number },
): ChartOutcome {
  const to = range.to ?? context.asOf;
  if (range.from > to) return { chartNote: 'The date range is empty, so there is no chart.' };
  const days = dayCountOf(plan.calendar, range.from, to);
  if (days > context.settings.maxChartDays) {
    return {
      chartNote: `The chart covers at most ${numbers.format(context.settings.maxChartDays)} days; this range has ${numbers.format(days)}. Narrow the dates to see it.`,
    };
  }
  const counter = createDailyCounter(plan.calendar, range.from, to, context.settings.maxChartDays);
  counter.add(records);
  return {
    chart: {
      timeZone: plan.timeZone,
      days: counter.days(),
      sourceText: `${numbers.format(counter.counted)} call${counter.counted === 1 ? '' : 's'}, the same as the table`,
    },
  };
}
