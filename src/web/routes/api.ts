/**
 * @module web/routes/api
 * `GET /test?api=extension|extension-call-log|account-call-log[&page&perPage][&dateFrom&dateTo][&format=json|html]`: one
 * RingCentral call with the session's token (refreshed when needed). JSON clients get RingCentral's status,
 * content type and body byte-for-byte; browsers get a page, and a clear error page for RingCentral's 403
 * (naming the permission), 429 (with the wait), 5xx, timeouts and connection failures. Call logs also take the
 * explorer's filters (`direction`, `type`, `view`, `tz`, day or date-time `dateFrom`/`dateTo`: see
 * `explorer/filters.ts`), and their pages add the filter form, the calls-per-day chart and the CSV export.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  RCAPP_BAD_REQUEST,
  RCAPP_NOT_LOGGED_IN,
  RCAPP_SESSION_ENDED,
  RCAPP_UNKNOWN_API,
  RCAPP_UPSTREAM_ERROR,
  UpstreamError,
} from '../../errors.js';
import type { RateGovernor } from '../../governor/rate-governor.js';
import { API_NAMES, ENDPOINTS, isApiName, type RingCentralApiName } from '../../ringcentral/endpoints.js';
import { parseRateLimit, refusalError } from '../../ringcentral/rc-error.js';
import { headerValue, type RestResponse } from '../../ringcentral/rest-client.js';
import type { Session } from '../../session/session-manager.js';
import type { AppContext } from '../context.js';
import { sendError } from '../error-handler.js';
import type { CallLogExplorer, PreparedCallLog } from '../explorer/call-log-explorer.js';
import { parseCallLogFilters, type CallLogFilters } from '../explorer/filters.js';
import { prefersJson } from '../negotiate.js';
import { startLogin } from '../login-transaction.js';
import { noticeUrl } from '../notices.js';
import { chromeFor, sendHtml } from '../pages.js';
import { integerParam, singleParam } from '../query.js';
import { toSafeReturnPath } from '../return-to.js';
import type { PagingLinks } from '../views/models.js';

/** Response headers of RingCentral passed on in JSON mode. */
const PASSED_HEADERS = [
  'content-type',
  'retry-after',
  'x-rate-limit-group',
  'x-rate-limit-limit',
  'x-rate-limit-remaining',
  'x-rate-limit-window',
];

const MAX_PAGE = 100_000;
const MAX_PER_PAGE = 1000;

/** RingCentral date-time as it appears in call-log paging links, e.g. `2026-11-24T13:57:54.988Z`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** What is passed on to RingCentral: the page, and for call logs the time window (so paging is stable). */
interface PageParams {
  readonly page?: number | undefined;
  readonly perPage?: number | undefined;
  readonly dateFrom?: string | undefined;
  readonly dateTo?: string | undefined;
}

interface ApiRequest extends PageParams {
  readonly api: RingCentralApiName;
  readonly json: boolean;
  /** Call logs: the explorer's filters (dates, direction, type, view, time zone). */
  readonly filters?: CallLogFilters | undefined;
}

function pageQuery(params: PageParams): URLSearchParams {
  const query = new URLSearchParams();
  if (params.dateFrom !== undefined) query.set('dateFrom', params.dateFrom);
  if (params.dateTo !== undefined) query.set('dateTo', params.dateTo);
  if (params.page !== undefined) query.set('page', String(params.page));
  if (params.perPage !== undefined) query.set('perPage', String(params.perPage));
  return query;
}

function testHref(api: RingCentralApiName, params: PageParams, json = false): string {
  const query = new URLSearchParams({ api });
  for (const [key, value] of pageQuery(params)) query.set(key, value);
  if (json) query.set('format', 'json');
  return `/test?${query.toString()}`;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Our own paging links from RingCentral's `navigation` URIs and `paging` object. */
function pagingLinks(api: RingCentralApiName, body: unknown): PagingLinks {
  if (body === null || typeof body !== 'object') return {};
  const { navigation, paging } = body as { navigation?: unknown; paging?: unknown };
  const link = (name: string): string | undefined => {
    const uri = (navigation as Record<string, { uri?: unknown } | undefined> | undefined)?.[name]?.uri;
    if (typeof uri !== 'string') return undefined;
    try {
      const url = new URL(uri);
      const page = Number(url.searchParams.get('page') ?? '1');
      const perPage = url.searchParams.get('perPage');
      if (!Number.isInteger(page) || page < 1) return undefined;
      const size = perPage === null ? undefined : Number(perPage);
      const date = (name: string): string | undefined => {
        const value = url.searchParams.get(name);
        return value !== null && DATE_TIME.test(value) ? value : undefined;
      };
      return testHref(api, {
        page,
        perPage: size !== undefined && Number.isInteger(size) ? size : undefined,
        dateFrom: date('dateFrom'),
        dateTo: date('dateTo'),
      });
    } catch {
      return undefined;
    }
  };
  const p = (paging ?? {}) as Record<string, unknown>;
  const links: Record<string, string | number> = {};
  for (const [key, name] of [
    ['first', 'firstPage'],
    ['previous', 'previousPage'],
    ['next', 'nextPage'],
    ['last', 'lastPage'],
  ] as const) {
    const href = link(name);
    if (href !== undefined) links[key] = href;
  }
  for (const key of ['page', 'totalPages', 'totalElements', 'perPage'] as const) {
    const value = numberOf(p[key]);
    if (value !== undefined) links[key] = value;
  }
  return links;
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
  const callLog = api !== 'extension';
  return {
    api,
    json: prefersJson(request.headers.accept, format),
    page: integerParam(query, 'page', 1, MAX_PAGE),
    perPage: integerParam(query, 'perPage', 1, MAX_PER_PAGE),
    filters: callLog ? parseCallLogFilters(query) : undefined,
  };
}

function sendPassThrough(reply: FastifyReply, response: RestResponse): FastifyReply {
  for (const name of PASSED_HEADERS) {
    const value = headerValue(response.headers, name);
    if (value !== undefined) reply.header(name, value);
  }
  if (headerValue(response.headers, 'content-type') === undefined) reply.header('content-type', 'application/json');
  return reply.code(response.status).send(response.body);
}

async function endSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  json: boolean,
): Promise<FastifyReply> {
  await ctx.sessions.end(reply, session.id);
  request.log.info('session ended: RingCentral no longer accepts its tokens');
  if (json) {
    return sendError(
      ctx,
      request,
      reply,
      new AppError(RCAPP_SESSION_ENDED, 'your RingCentral session has ended, please log in again'),
    );
  }
  // Logging in again from the notice page comes back to this very page (path and filters): a fresh session holds
  // a login in progress that returns here. Only a same-origin path is kept (see `return-to.ts`).
  const returnTo = toSafeReturnPath(request.url, ctx.config.callbackPath);
  if (returnTo !== undefined) {
    try {
      await startLogin(ctx, request, reply, undefined, { returnTo });
    } catch (err) {
      request.log.warn({ err }, 'could not prepare the login that returns to this page');
    }
  }
  return reply.redirect(noticeUrl('session-ended'), 302);
}

/**
 * Registers `GET /test`. Its RingCentral calls spend the user's rate-limit budget through the governor (in
 * `ctx.rest`): a call waits for its slot, or is answered here with 429 "try again in N s" before RingCentral would
 * refuse it, also while a 429's `Retry-After` runs (see `governor/rate-governor.ts`).
 */
export function registerApiRoute(
  app: FastifyInstance,
  ctx: AppContext,
  explorer: CallLogExplorer,
  governor?: RateGovernor,
): void {
  app.get('/test', async (request, reply) => {
    const parsed = parseRequest(request);
    if (parsed === undefined) return reply.redirect('/', 302);
    const { api, json } = parsed;
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens === undefined) {
      if (json) throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first: this call needs a logged-in session');
      return reply.redirect('/', 302);
    }
    const endpoint = ENDPOINTS[api];
    // The explorer's own calls of a call-log page (time zone, chart pages) are attributed to this user by token.
    if (!json && api !== 'extension') governor?.directory.rememberTokens(session.data.tokens);
    const owner = session.data.tokens.ownerId === '' ? {} : { owner: session.data.tokens.ownerId };
    let prepared: PreparedCallLog | undefined;
    let rcQuery: URLSearchParams;
    let response: RestResponse;
    try {
      prepared =
        api !== 'extension' && parsed.filters !== undefined
          ? await explorer.prepare(
              session,
              { api, filters: parsed.filters, page: parsed.page, perPage: parsed.perPage },
              !json,
            )
          : undefined;
      rcQuery = prepared?.query ?? pageQuery(parsed);
      const query = rcQuery;
      response = await ctx.keeper.withAccessToken(session, (token) => ctx.rest.get(endpoint.path, token, query, owner));
    } catch (err) {
      if (err instanceof AppError && err.code === RCAPP_SESSION_ENDED)
        return endSession(ctx, request, reply, session, json);
      if (err instanceof AppError && err.code === RCAPP_NOT_LOGGED_IN) {
        // Logged out meanwhile (another tab, another instance): answer as to anyone not logged in.
        ctx.sessions.clearCookie(reply);
        if (json) throw err;
        return reply.redirect('/', 302);
      }
      throw err;
    }
    if (prepared) explorer.observe(session, response);
    await ctx.sessions.touch(request, session);

    if (json) return sendPassThrough(reply, response);

    if (response.status === 401) return endSession(ctx, request, reply, session, json);
    const failure = refusalError(response, ctx.now());
    if (failure) throw failure;
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new UpstreamError(
        RCAPP_UPSTREAM_ERROR,
        `RingCentral sent a response that is not JSON (HTTP ${response.status})`,
      );
    }
    const rateLimit = parseRateLimit(response.headers);
    const query = rcQuery.toString();
    return sendHtml(
      reply,
      response.status,
      ctx.views.apiResult({
        ...chromeFor(session, rateLimit ? { rateLimit } : {}),
        api,
        title: endpoint.title,
        request: `GET ${endpoint.path}${query === '' ? '' : `?${query}`}`,
        status: response.status,
        body,
        rawJson: JSON.stringify(body, null, 2),
        jsonHref: testHref(api, parsed, true),
        paging: pagingLinks(api, body),
        ...(prepared ? await explorer.pageModel(session, prepared, body) : {}),
      }),
    );
  });
}
