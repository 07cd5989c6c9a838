/**
 * @module web/routes/api
 * `GET /test?api=extension|extension-call-log|account-call-log[&page&perPage][&dateFrom&dateTo][&format=json|html]`:
 * one RingCentral call through the session's client (fresh token, rate-limit slot and counting are the client's).
 * JSON clients get RingCentral's status, content type and body byte-for-byte; browsers get a page, and a clear
 * error page for RingCentral's 403 (naming the permission), 429 (with the wait), 5xx, timeouts and connection
 * failures. Call logs also take the explorer's filters (`direction`, `type`, `view`, `tz`, day or date-time
 * `dateFrom`/`dateTo`: see `explorer/filters.ts`), and their pages add the filter form, the calls-per-day chart and
 * the CSV export. The path of a request: session → client → render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  RCAPP_BAD_REQUEST,
  RCAPP_NOT_LOGGED_IN,
  RCAPP_SESSION_ENDED,
  RCAPP_UNKNOWN_API,
} from '../../errors.js';
import { refusalError } from '../../rc-api/error-body.js';
import type { RcAnswer } from '../../ringcentral/answer.js';
import type { SessionClient } from '../../ringcentral/client.js';
import { readPages } from '../../ringcentral/pages.js';
import type { Session } from '../../session/session-manager.js';
import { API_NAMES, apiPage, isApiName, type ApiName } from '../api-pages.js';
import type { AppContext } from '../context.js';
import { copyFor } from '../call-log-copies.js';
import { DEFAULT_PER_PAGE, pageOf, selectRecords, simpleView, type CallLogCopy } from '../explorer/call-log-copy.js';
import {
  affords,
  callLogHref,
  callLogPageModel,
  chartFromCopy,
  copyPagingLinks,
  pageRange,
  chartFromRecords,
  chartNotAffordable,
  planCallLog,
  planChart,
  type CallLogPageExtras,
  type CallLogPlan,
  type ChartOutcome,
} from '../explorer/call-log-explorer.js';
import { parseCallLogFilters, type CallLogFilters } from '../explorer/filters.js';
import { prefersJson } from '../negotiate.js';
import { pagingLinksOf } from '../paging.js';
import { passThrough } from '../pass-through.js';
import { answerLoginLost, endLogin } from '../login-transaction.js';
import { chromeFor, sendHtml } from '../pages.js';
import { integerParam, singleParam } from '../query.js';

const MAX_PAGE = 100_000;
const MAX_PER_PAGE = 1000;

/** What is passed on to RingCentral without the explorer: the page. */
interface PageParams {
  readonly page?: number | undefined;
  readonly perPage?: number | undefined;
}

interface ApiRequest extends PageParams {
  readonly api: ApiName;
  readonly json: boolean;
  /** Call logs: the explorer's filters (dates, direction, type, view, time zone). */
  readonly filters?: CallLogFilters | undefined;
}

function parseRequest(request: FastifyRequest): ApiRequest | undefined {
  const query = request.query;
  const format = singleParam(query, 'format');
  if (format !== undefined && format !== 'json' && format !== 'html') {
    throw new AppError(RCAPP_BAD_REQUEST, 'parameter "format" must be json or html');
  }
  const api = singleParam(query, 'api');
  if (api === undefined || api === '') return undefined;
  if (!isApiName(api)) {
    throw new AppError(RCAPP_UNKNOWN_API, `parameter "api" must be one of ${API_NAMES.join(', ')}`);
  }
  return {
    api,
    json: prefersJson(request.headers.accept, format),
    page: integerParam(query, 'page', 1, MAX_PAGE),
    perPage: integerParam(query, 'perPage', 1, MAX_PER_PAGE),
    filters: api === 'extension' ? undefined : parseCallLogFilters(query),
  };
}

/** The query of a page without the explorer. */
function pageQuery(params: PageParams): URLSearchParams {
  const query = new URLSearchParams();
  if (params.page !== undefined) query.set('page', String(params.page));
  if (params.perPage !== undefined) query.set('perPage', String(params.perPage));
  return query;
}

function testHref(api: ApiName, params: PageParams, json = false): string {
  const query = new URLSearchParams({ api });
  const page = pageQuery(params);
  for (const [key, value] of page) query.set(key, value);
  if (json) query.set('format', 'json');
  return `/test?${query.toString()}`;
}

/** The chart of a call-log page: from the page or the cache, else read when the user's budget can spare it. */
async function chartOf(ctx: AppContext, rc: SessionClient, plan: CallLogPlan, body: unknown): Promise<ChartOutcome> {
  const { settings, charts } = ctx.explorer;
  const wanted = planChart(plan, body, { owner: rc.owner, settings, cache: charts, now: ctx.now() });
  if (wanted.kind === 'done') return wanted.outcome;
  const operationId = apiPage(plan.api).operationId;
  const group = 'Heavy';
  const budget = await rc.budget(group).catch(() => undefined);
  if (budget !== undefined && !affords(budget, wanted.calls, settings.chartReserve)) {
    return chartNotAffordable(wanted.calls, group, budget);
  }
  const records: unknown[] = [];
  let requests = 0;
  let cut = false;
  try {
    // A page view never waits for the budget: needing to wait means the chart is not affordable after all.
    for await (const page of readPages(rc, operationId, {
      query: wanted.query,
      maxPages: wanted.calls,
      maxWaitMs: 0,
      maxRetries: 0,
      now: ctx.now,
    })) {
      records.push(...page.records);
      requests += 1;
      cut = page.hasNext;
    }
  } catch (err) {
    if (err instanceof AppError && err.status === 429) {
      return {
        chartNote: 'The chart is left out to save your RingCentral rate limit. Reload the page shortly to see it.',
      };
    }
    if (err instanceof AppError && (err.code === RCAPP_SESSION_ENDED || err.code === RCAPP_NOT_LOGGED_IN)) throw err;
    ctx.logger.info({ err }, 'call-log chart could not be read');
    return {
      chartNote: `The chart could not be drawn: ${err instanceof AppError ? err.message : 'RingCentral did not answer'}.`,
    };
  }
  return chartFromRecords(plan, wanted, { records, requests, cut }, { settings, cache: charts });
}

/** The page of RingCentral's answer to `parsed`. */
async function renderPage(
  ctx: AppContext,
  reply: FastifyReply,
  session: Session,
  rc: SessionClient,
  parsed: ApiRequest,
  answer: RcAnswer,
  plan: CallLogPlan | undefined,
): Promise<FastifyReply> {
  const failure = refusalError(answer, ctx.now());
  if (failure) throw failure;
  const body = answer.json();
  const page = apiPage(parsed.api);
  const query = (plan?.query ?? pageQuery(parsed)).toString();
  let extras: Partial<CallLogPageExtras> = {};
  let rateLimit = answer.rateLimit;
  if (plan !== undefined) {
    const chart = await chartOf(ctx, rc, plan, body);
    extras = callLogPageModel(plan, body, chart, { settings: ctx.explorer.settings, rateLimit, now: ctx.now() });
    rateLimit = undefined;
  }
  return sendHtml(
    reply,
    answer.status,
    ctx.views.apiResult({
      ...chromeFor(session, rateLimit ? { rateLimit } : {}),
      api: parsed.api,
      title: page.title,
      request: `${page.request}${query === '' ? '' : `?${query}`}`,
      status: answer.status,
      body,
      rawJson: JSON.stringify(body, null, 2),
      jsonHref: testHref(parsed.api, parsed, true),
      paging: pagingLinksOf(body, (n, perPage) => testHref(parsed.api, { page: n, perPage })),
      ...extras,
    }),
  );
}

/** A call-log page served from the user's copy: the same page model, its records from the copy. */
function renderFromCopy(
  ctx: AppContext,
  reply: FastifyReply,
  session: Session,
  parsed: ApiRequest,
  plan: CallLogPlan,
  range: { from: number; to?: number },
  copy: CallLogCopy,
): FastifyReply {
  const records = selectRecords(copy, range, plan.filters);
  const page = pageOf(records, plan.page ?? 1, plan.perPage ?? DEFAULT_PER_PAGE);
  const shown = plan.filters.view === 'Detailed' ? page.records : simpleView(page.records);
  const pageStart = (page.page - 1) * page.perPage;
  const body = {
    records: shown,
    paging: {
      page: page.page,
      perPage: page.perPage,
      totalPages: page.totalPages,
      totalElements: page.totalElements,
      ...(shown.length === 0 ? {} : { pageStart, pageEnd: pageStart + shown.length - 1 }),
    },
  };
  const { settings } = ctx.explorer;
  const chart = chartFromCopy(plan, range, records, { settings, asOf: copy.asOf });
  const extras = callLogPageModel(plan, body, chart, {
    settings,
    rateLimit: undefined,
    now: ctx.now(),
    copy: {
      paging: copyPagingLinks(plan, range, page),
      asOf: copy.asOf,
      refreshHref: callLogHref(plan.api, plan.filters, { page: plan.page, perPage: plan.perPage }, { refresh: '1' }),
    },
  });
  const read = new URLSearchParams({ dateFrom: new Date(copy.from).toISOString() });
  if (copy.to !== undefined) read.set('dateTo', new Date(copy.to).toISOString());
  read.set('view', 'Detailed');
  read.set('perPage', '1000');
  const page0 = apiPage(parsed.api);
  return sendHtml(
    reply,
    200,
    ctx.views.apiResult({
      ...chromeFor(session),
      api: parsed.api,
      title: page0.title,
      status: 200,
      body,
      rawJson: JSON.stringify(body, null, 2),
      ...extras,
      request: `${page0.request}?${read.toString().replace(/%3A/gi, ':')}`,
    }),
  );
}

/**
 * Registers `GET /test`. Its RingCentral calls spend the user's rate-limit budget through the governor: a call
 * waits for its slot, or is answered here with 429 "try again in N s" before RingCentral would refuse it.
 */
export function registerApiRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/test', async (request, reply) => {
    const parsed = parseRequest(request);
    if (parsed === undefined) return reply.redirect('/', 302);
    const { api, json } = parsed;
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens === undefined) {
      if (json) throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first: this call needs a logged-in session');
      return reply.redirect('/', 302);
    }
    const rc = ctx.ringcentral.forSession(session);
    const plan =
      parsed.filters === undefined || api === 'extension'
        ? undefined
        : planCallLog(
            { api, filters: parsed.filters, page: parsed.page, perPage: parsed.perPage },
            parsed.filters.timeZone ?? session.data.user?.timeZone ?? ctx.explorer.settings.defaultTimeZone,
          );
    try {
      if (!json && plan !== undefined) {
        // A browser's call-log page is served from the user's copy of the call log (read once per range).
        const range = pageRange(plan, ctx.now());
        const refresh = singleParam(request.query, 'refresh') === '1';
        const outcome = await copyFor(ctx, rc, plan.api === 'account-call-log' ? 'account' : 'extension', range, {
          refresh,
        });
        if (refresh) {
          const back = callLogHref(plan.api, plan.filters, { page: parsed.page, perPage: parsed.perPage });
          return await reply.redirect(back, 303);
        }
        if (outcome !== undefined) return renderFromCopy(ctx, reply, session, parsed, plan, range, outcome.copy);
      }
      const answer = await rc.call(apiPage(api).operationId, { query: plan?.query ?? pageQuery(parsed) });
      if (json) return passThrough(reply, answer);
      if (answer.status === 401) return await endLogin(ctx, request, reply, session, json);
      return await renderPage(ctx, reply, session, rc, parsed, answer, plan);
    } catch (err) {
      return answerLoginLost(ctx, request, reply, session, err, json);
    }
  });
}
