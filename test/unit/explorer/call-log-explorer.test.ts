import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { AppError, RestApiError } from '../../../src/errors.js';
import type { RestResponse } from '../../../src/ringcentral/rest-client.js';
import type { Session } from '../../../src/session/session-manager.js';
import type { AppContext } from '../../../src/web/context.js';
import {
  createCallLogExplorer,
  type CallLogApi,
  type ExplorerOptions,
} from '../../../src/web/explorer/call-log-explorer.js';
import { parseCallLogFilters } from '../../../src/web/explorer/filters.js';
import { parseQuery } from '../../../src/web/query.js';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const BASE = 'https://platform.ringcentral.com/restapi/v1.0/account/1/extension/2/call-log';

function json(status: number, body: unknown, headers: Record<string, string> = {}): RestResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function heavy(remaining: number, limit = 10): Record<string, string> {
  return {
    'x-rate-limit-group': 'Heavy',
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-window': '60',
  };
}

/** `count` calls, one an hour back from `NOW`, alternating direction, every fifth missed. */
function calls(count: number, offset = 0): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${offset + i}`,
    startTime: new Date(NOW - (offset + i) * 3_600_000).toISOString(),
    direction: (offset + i) % 2 === 0 ? 'Inbound' : 'Outbound',
    result: (offset + i) % 5 === 0 ? 'Missed' : 'Accepted',
  }));
}

/** A call-log page as real RingCentral may send it: no totals, navigation only. */
function pageBody(records: unknown[], page: number, hasNext: boolean, query = ''): Record<string, unknown> {
  const navigation: Record<string, unknown> = { firstPage: { uri: `${BASE}?${query}page=1&perPage=1000` } };
  if (hasNext) navigation.nextPage = { uri: `${BASE}?${query}page=${page + 1}&perPage=1000` };
  return { uri: `${BASE}?${query}page=${page}&perPage=1000`, records, paging: { page, perPage: 1000 }, navigation };
}

interface Harness {
  readonly requests: string[];
  readonly session: Session;
  explorer: ReturnType<typeof createCallLogExplorer>;
}

/** The explorer over a fake RingCentral: `answer(path, query)` gives each response; every request is recorded. */
function harness(
  answer: (path: string, query: URLSearchParams) => RestResponse,
  options: ExplorerOptions = {},
): Harness {
  const requests: string[] = [];
  const ctx = {
    now: () => NOW,
    logger: pino({ level: 'silent' }),
    rest: {
      get: (path: string, _token: string, query = new URLSearchParams()) => {
        requests.push(`${path}?${query.toString()}`);
        return Promise.resolve(answer(path, query));
      },
    },
    keeper: { withAccessToken: <T>(_session: Session, call: (token: string) => Promise<T>) => call('access-token') },
  } as unknown as AppContext;
  const session = {
    id: 'session-1',
    data: { csrf: 'x', tokens: { ownerId: '400000001102' } },
  } as unknown as Session;
  return { requests, session, explorer: createCallLogExplorer(ctx, options) };
}

async function prepare(h: Harness, search: string, api: CallLogApi = 'extension-call-log', lookup = true) {
  const query = parseQuery(search);
  return h.explorer.prepare(h.session, { api, filters: parseCallLogFilters(query) }, lookup);
}

const ZONE = json(200, { regionalSettings: { timezone: { name: 'US/Pacific' } } });

void describe('call-log explorer', () => {
  void it("uses the user's RingCentral time zone, looked up once, unless ?tz= names one", async () => {
    const h = harness((path) => (path.endsWith('/extension/~') ? ZONE : json(200, pageBody([], 1, false))));
    const first = await prepare(h, 'dateFrom=2026-11-01&dateTo=2026-11-02');
    assert.equal(first.timeZone, 'US/Pacific');
    assert.equal(
      first.query.toString(),
      'dateFrom=2026-11-01T07%3A00%3A00.000Z&dateTo=2026-11-03T07%3A59%3A59.999Z',
      'days are whole days in the user zone',
    );
    await prepare(h, '');
    assert.equal((await prepare(h, 'tz=Europe/Berlin')).timeZone, 'Europe/Berlin');
    assert.equal((await prepare(h, '', 'extension-call-log', false)).timeZone, 'UTC', 'JSON mode: no lookup');
    assert.equal(h.requests.filter((r) => r.includes('/extension/~?')).length, 1, 'the zone is cached');
  });

  void it('falls back to UTC when the zone cannot be read', async () => {
    const h = harness((path) =>
      path.endsWith('/extension/~')
        ? json(200, { regionalSettings: { timezone: { name: 'Nowhere/Else' } } })
        : json(500, {}),
    );
    assert.equal((await prepare(h, '')).timeZone, 'UTC');
  });

  void it('charts from the page itself when it holds the whole range, even without totals', async () => {
    const h = harness(() => ZONE);
    const prepared = await prepare(h, 'dateFrom=2026-11-24&dateTo=2026-11-25&tz=UTC');
    const before = h.requests.length;
    const extras = await h.explorer.pageModel(h.session, prepared, pageBody(calls(30), 1, false));
    assert.equal(h.requests.length, before, 'no RingCentral call for the chart');
    const days = extras.explorer.chart?.days ?? [];
    assert.deepEqual(
      days.map((d) => d.date),
      ['2026-11-24', '2026-11-25'],
    );
    assert.equal(
      days.reduce((sum, d) => sum + d.inbound + d.outbound, 0),
      30,
    );
    assert.equal(
      days.reduce((sum, d) => sum + d.missed, 0),
      6,
    );
  });

  void it("reads the range for the chart when the page does not hold it, following RingCentral's next pages", async () => {
    const h = harness((_path, query) => {
      const page = Number(query.get('page'));
      assert.equal(query.get('perPage'), '1000');
      assert.equal(query.get('view'), 'Simple', 'the chart reads the small view');
      assert.equal(query.get('direction'), 'Inbound', 'with the filters');
      return json(200, pageBody(calls(10, (page - 1) * 10), page, page < 3), heavy(9 - page));
    });
    const prepared = await prepare(h, 'dateFrom=2026-11-20&dateTo=2026-11-25&direction=Inbound&tz=UTC&view=Detailed');
    const body = pageBody(calls(5), 1, true);
    const extras = await h.explorer.pageModel(h.session, prepared, body);
    assert.equal(h.requests.length, 3, 'three chart pages');
    assert.equal(
      extras.explorer.chart?.days.reduce((sum, d) => sum + d.inbound + d.outbound, 0),
      30,
    );
    assert.match(extras.explorer.chart?.sourceText ?? '', /30 calls, read in 3 RingCentral requests/);
    await h.explorer.pageModel(h.session, { ...prepared, page: 2 }, body);
    assert.equal(h.requests.length, 3, 'page 2 reuses the cached chart');
    assert.equal(extras.rateLimit?.remaining, 6, 'the budget after the last call is shown');
  });

  void it('leaves the chart out when the range holds more than the chart may read', async () => {
    const h = harness(
      (_path, query) => {
        const page = Number(query.get('page'));
        return json(200, pageBody(calls(2, page * 2), page, true));
      },
      { maxChartPages: 3 },
    );
    const prepared = await prepare(h, 'dateFrom=2026-11-01&dateTo=2026-11-25&tz=UTC');
    const extras = await h.explorer.pageModel(h.session, prepared, pageBody(calls(2), 1, true));
    assert.equal(extras.explorer.chart, undefined);
    assert.match(extras.explorer.chartNote ?? '', /holds more calls than 3 RingCentral requests return/);
    const counted = await h.explorer.pageModel(h.session, prepared, {
      ...pageBody(calls(2), 1, true),
      paging: { page: 1, perPage: 2, totalElements: 4500, totalPages: 2250 },
    });
    assert.match(
      counted.explorer.chartNote ?? '',
      /4,500 calls of this range would take 5 RingCentral requests \(at most 3/,
    );
  });

  void it('leaves the chart out, without calling, when it would eat into the reserve', async () => {
    const h = harness(() => json(500, {}));
    h.explorer.observe(h.session, json(200, {}, heavy(3)));
    const prepared = await prepare(h, 'dateFrom=2026-11-01&dateTo=2026-11-25&tz=UTC');
    const body = { ...pageBody(calls(2), 1, true), paging: { page: 1, perPage: 2, totalElements: 1500 } };
    const extras = await h.explorer.pageModel(h.session, prepared, body);
    assert.equal(h.requests.length, 0);
    assert.match(
      extras.explorer.chartNote ?? '',
      /it needs 2 more "Heavy" requests and 3 of 10 are left \(RingCentral refills them within 60 s\)/,
    );
  });

  void it("builds paging links that keep the filters and pin RingCentral's default window start", async () => {
    const h = harness(() => ZONE);
    const prepared = await prepare(h, 'direction=Outbound&type=Fax&view=Detailed');
    const echoed = 'view=Detailed&dateFrom=2026-11-24T12:00:00.000Z&';
    const extras = await h.explorer.pageModel(
      h.session,
      { ...prepared, perPage: 10 },
      {
        ...pageBody(calls(10), 1, true, echoed),
        navigation: {
          firstPage: { uri: `${BASE}?${echoed}page=1&perPage=10` },
          nextPage: { uri: `${BASE}?${echoed}page=2&perPage=10` },
          lastPage: { uri: `${BASE}?${echoed}page=4&perPage=10` },
        },
      },
    );
    assert.equal(
      extras.paging.next,
      '/test?api=extension-call-log&dateFrom=2026-11-24T12%3A00%3A00.000Z&direction=Outbound&type=Fax&view=Detailed&page=2&perPage=10',
    );
    assert.match(extras.paging.last ?? '', /page=4&perPage=10$/);
    assert.equal(extras.explorer.filters.direction, 'Outbound');
    assert.equal(extras.explorer.filters.rangeText, 'the last 24 hours');
    assert.equal(
      extras.explorer.export?.href,
      '/export/call-log.csv?scope=extension&direction=Outbound&type=Fax&tz=US%2FPacific',
    );
    assert.match(
      extras.request,
      /^GET \/restapi\/v1\.0\/account\/~\/extension\/~\/call-log\?direction=Outbound&type=Fax&view=Detailed$/,
    );
  });

  void it("maps RingCentral refusals to the app's errors", () => {
    const { explorer } = harness(() => ZONE);
    const denied = explorer.errorFor(
      json(403, {
        errorCode: 'CMN-408',
        message: 'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission',
        errors: [{ errorCode: 'CMN-408', permissionName: 'FullCompanyCallLog' }],
      }),
    );
    assert.ok(denied instanceof RestApiError);
    assert.equal(denied.code, 'RCAPP_PERMISSION_DENIED');
    assert.match(denied.message, /needs the "FullCompanyCallLog" permission/);
    assert.equal(explorer.errorFor(json(401, {})).code, 'RCAPP_SESSION_ENDED');
    const limited = explorer.errorFor(json(429, {}, { 'retry-after': '42' }));
    assert.ok(limited instanceof AppError);
    assert.equal(limited.retryAfterSeconds, 42);
    assert.equal(explorer.errorFor(json(503, {})).code, 'RCAPP_UPSTREAM_ERROR');
    assert.match(
      explorer.errorFor(json(400, { message: 'Parameter [x] is invalid' })).message,
      /HTTP 400: Parameter \[x\]/,
    );
  });
});
