/**
 * The call-log explorer's pure functions: filters → RingCentral's query; the table's answer → what the chart takes
 * (nothing more, the cache, or reading the range within the budget); records → the chart; answers → the page model
 * (paging links that keep the filters, the export link).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BudgetSnapshot } from '../../../src/governor/budget-store.js';
import {
  affords,
  callLogPageModel,
  chartFromRecords,
  chartNotAffordable,
  createChartCache,
  explorerSettings,
  planCallLog,
  planChart,
  type CallLogApi,
  type ChartPlan,
  type ExplorerOptions,
} from '../../../src/web/explorer/call-log-explorer.js';
import { parseCallLogFilters } from '../../../src/web/explorer/filters.js';
import { parseQuery } from '../../../src/web/query.js';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const BASE = 'https://platform.ringcentral.com/restapi/v1.0/account/1/extension/2/call-log';

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

function setup(options: ExplorerOptions = {}) {
  const settings = explorerSettings(options);
  const cache = createChartCache(settings, () => NOW);
  const plan = (search: string, api: CallLogApi = 'extension-call-log', zone = 'UTC', page?: number) =>
    planCallLog({ api, filters: parseCallLogFilters(parseQuery(search)), page }, zone);
  const chart = (p: ReturnType<typeof plan>, body: unknown): ChartPlan =>
    planChart(p, body, { owner: '400000001102', settings, cache, now: NOW });
  return { settings, cache, plan, chart };
}

const total = (days: readonly { inbound: number; outbound: number }[] | undefined) =>
  (days ?? []).reduce((sum, d) => sum + d.inbound + d.outbound, 0);

function budget(used: number, limit = 10, blockedForMs = 0): BudgetSnapshot {
  return { limit, windowMs: 60_000, learned: true, used, planned: 0, blockedForMs };
}

void describe('call-log explorer', () => {
  void it("builds RingCentral's query from the filters, whole days in the page's zone", () => {
    const { plan } = setup();
    const p = plan(
      'dateFrom=2026-11-20&dateTo=2026-11-24&direction=Inbound&view=Detailed',
      'account-call-log',
      'US/Pacific',
    );
    assert.equal(p.query.get('dateFrom'), '2026-11-20T08:00:00.000Z');
    assert.equal(p.query.get('dateTo'), '2026-11-25T07:59:59.999Z');
    assert.deepEqual(p.query.getAll('direction'), ['Inbound']);
    assert.equal(p.query.get('view'), 'Detailed');
  });

  void it('charts from the page itself when it holds the whole range, even without totals, and keeps it', () => {
    const { plan, chart } = setup();
    const p = plan('dateFrom=2026-11-24&dateTo=2026-11-25&tz=UTC');
    const outcome = chart(p, pageBody(calls(30), 1, false));
    assert.equal(outcome.kind, 'done');
    const days = outcome.kind === 'done' ? (outcome.outcome.chart?.days ?? []) : [];
    assert.deepEqual(
      days.map((d) => d.date),
      ['2026-11-24', '2026-11-25'],
    );
    assert.equal(total(days), 30);
    assert.equal(
      days.reduce((sum, d) => sum + d.missed, 0),
      6,
    );
    const again = chart(plan('dateFrom=2026-11-24&dateTo=2026-11-25&tz=UTC', 'extension-call-log', 'UTC', 2), {});
    assert.equal(again.kind === 'done' && total(again.outcome.chart?.days), 30, 'page 2 reuses the counts');
  });

  void it('asks to read the range, 1,000 records a call with the filters, when the page does not hold it', () => {
    const { plan, chart, settings, cache } = setup();
    const p = plan('dateFrom=2026-11-20&dateTo=2026-11-25&direction=Inbound&tz=UTC&view=Detailed');
    const wanted = chart(p, { ...pageBody(calls(5), 1, true), paging: { page: 1, perPage: 5, totalElements: 2500 } });
    assert.equal(wanted.kind, 'read');
    if (wanted.kind !== 'read') return;
    assert.equal(wanted.calls, 3);
    const query = wanted.query(2);
    assert.deepEqual(
      [query.get('page'), query.get('perPage'), query.get('view'), query.getAll('direction')],
      ['2', '1000', 'Simple', ['Inbound']],
    );
    const drawn = chartFromRecords(p, wanted, { records: calls(30), requests: 3, cut: false }, { settings, cache });
    assert.equal(total(drawn.chart?.days), 30);
    assert.match(drawn.chart?.sourceText ?? '', /30 calls, read in 3 RingCentral requests/);
    const cached = chart(p, pageBody(calls(5), 1, true));
    assert.equal(cached.kind === 'done' && total(cached.outcome.chart?.days), 30, 'then the cache has it');
  });

  void it('leaves the chart out when the range holds more than the chart may read', () => {
    const { plan, chart, settings, cache } = setup({ maxChartPages: 3 });
    const p = plan('dateFrom=2026-11-01&dateTo=2026-11-25&tz=UTC');
    const counted = chart(p, {
      ...pageBody(calls(2), 1, true),
      paging: { page: 1, perPage: 2, totalElements: 4500, totalPages: 2250 },
    });
    assert.match(
      (counted.kind === 'done' && counted.outcome.chartNote) || '',
      /4,500 calls of this range would take 5 RingCentral requests \(at most 3/,
    );
    const guessed = chart(p, pageBody(calls(2), 1, true));
    assert.ok(guessed.kind === 'read' && guessed.calls === 3, 'without a total: up to the cap');
    if (guessed.kind !== 'read') return;
    const cut = chartFromRecords(p, guessed, { records: calls(6), requests: 3, cut: true }, { settings, cache });
    assert.equal(cut.chart, undefined);
    assert.match(cut.chartNote ?? '', /holds more calls than 3 RingCentral requests return/);
  });

  void it("a chart is affordable only when it leaves the reserve of the user's budget", () => {
    assert.equal(affords(budget(5), 3, 2), true);
    assert.equal(affords(budget(6), 3, 2), false);
    assert.equal(affords(budget(0, 10, 1_000), 1, 0), false, 'not during a 429 block');
    assert.match(
      chartNotAffordable(2, 'Heavy', budget(7)).chartNote ?? '',
      /it needs 2 more "Heavy" requests and 3 of 10 are left \(RingCentral refills them within 60 s\)/,
    );
  });

  void it("builds paging links that keep the filters and pin RingCentral's default window start", () => {
    const { plan, settings } = setup();
    const p = { ...plan('direction=Outbound&type=Fax&view=Detailed', 'extension-call-log', 'US/Pacific'), perPage: 10 };
    const echoed = 'view=Detailed&dateFrom=2026-11-24T12:00:00.000Z&';
    const extras = callLogPageModel(
      p,
      {
        ...pageBody(calls(10), 1, true, echoed),
        navigation: {
          firstPage: { uri: `${BASE}?${echoed}page=1&perPage=10` },
          nextPage: { uri: `${BASE}?${echoed}page=2&perPage=10` },
          lastPage: { uri: `${BASE}?${echoed}page=4&perPage=10` },
        },
      },
      {},
      { settings, rateLimit: { group: 'Heavy', limit: 10, remaining: 6, windowSeconds: 60 }, now: NOW },
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
    assert.equal(extras.rateLimit?.remaining, 6, 'the budget the last answer named is shown');
  });
});
