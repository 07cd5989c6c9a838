/**
 * Filters and paging of the call-log pages against the emulator: walking a demo user's call log of more than 250
 * records page by page (following the pages' own "Next" links) shows exactly RingCentral's records in order, with
 * and without filters; the filters stay in every paging link; a bad filter value is a 400 naming the parameter
 * and never reaches RingCentral; JSON mode passes the filters on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpClient } from '../../helpers/http-client.js';
import { USER1 } from '../support/fixtures.js';
import {
  dayInZone,
  emulatorCallLog,
  hms,
  logIn,
  pagingHref,
  startStack,
  tableRows,
  textOf,
  type TableRow,
  type RcCallRecord,
} from './support.js';

/** Follows "Next" from `start` to the last page; every page's links must keep `keep`. */
async function walk(browser: HttpClient, start: string, keep: Record<string, string>): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  let path: string | undefined = start;
  for (let pages = 0; path !== undefined; pages += 1) {
    assert.ok(pages < 30, 'the walk ends');
    const page = await browser.page(path);
    assert.equal(page.status, 200, `${path}: ${page.text.slice(0, 200)}`);
    rows.push(...tableRows(page.text));
    path = pagingHref(page.text, 'next');
    for (const rel of ['next', 'prev', 'first', 'last']) {
      const href = pagingHref(page.text, rel);
      if (href === undefined) continue;
      const params = new URL(href, 'http://x').searchParams;
      for (const [key, value] of Object.entries(keep)) assert.equal(params.get(key), value, `${rel} keeps ${key}`);
    }
  }
  return rows;
}

function assertRowsMatch(rows: readonly TableRow[], records: readonly RcCallRecord[]): void {
  assert.deepEqual(
    rows.map((row) => row.id),
    records.map((record) => record.id),
    'the same records in the same order',
  );
  rows.forEach((row, i) => {
    const record = records[i]!;
    const [direction, type, from, to, duration, result, action] = row.cells;
    assert.equal(row.startTime, record.startTime, `${record.id} start time`);
    assert.deepEqual(
      [direction, type, duration, result, action],
      [record.direction, record.type, hms(record.duration), record.result, record.action],
      `${record.id} cells`,
    );
    for (const [cell, party] of [
      [from!, record.from],
      [to!, record.to],
    ] as const) {
      for (const field of ['name', 'phoneNumber', 'extensionNumber'] as const) {
        const value = party?.[field];
        if (value !== undefined) assert.ok(cell.includes(value), `${record.id}: "${cell}" shows ${field}`);
      }
    }
  });
}

describe('call-log filters and paging', () => {
  it("walking 30 days of a demo user page by page shows exactly RingCentral's records", async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);
    const dateFrom = dayInZone('UTC', -30);
    const dateTo = dayInZone('UTC', 0);
    // As the filter form submits it: every field, empty ones included.
    const start = `/test?api=extension-call-log&dateFrom=${dateFrom}&dateTo=${dateTo}&direction=&type=&view=Simple&perPage=40&tz=UTC`;
    const rows = await walk(browser, start, { dateFrom, dateTo, perPage: '40', tz: 'UTC' });
    const records = await emulatorCallLog(stack.emulator.url, token, 'extension', {
      dateFrom: `${dateFrom}T00:00:00.000Z`,
      dateTo: `${dateTo}T23:59:59.999Z`,
    });
    assert.ok(records.length >= 250, `at least 250 records (${records.length})`);
    assertRowsMatch(rows, records);
  });

  it('with direction, type and view filters the walk shows exactly the filtered records', async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);
    const dateFrom = dayInZone('UTC', -30);
    const dateTo = dayInZone('UTC', 0);
    for (const filters of [
      { direction: 'Inbound', type: 'Voice', view: 'Detailed' },
      { direction: 'Outbound', type: '', view: 'Simple' },
      { direction: '', type: 'Fax', view: 'Simple' },
    ]) {
      const query = new URLSearchParams({
        api: 'extension-call-log',
        dateFrom,
        dateTo,
        ...filters,
        perPage: '25',
        tz: 'UTC',
      });
      const keep = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
      const rows = await walk(browser, `/test?${query.toString()}`, keep);
      const records = await emulatorCallLog(stack.emulator.url, token, 'extension', {
        dateFrom: `${dateFrom}T00:00:00.000Z`,
        dateTo: `${dateTo}T23:59:59.999Z`,
        ...keep,
      });
      assert.ok(records.length > 0, `some records for ${JSON.stringify(filters)}`);
      assertRowsMatch(rows, records);
    }
  });

  it("the last page and the previous page show RingCentral's slices", async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);
    const dateFrom = dayInZone('UTC', -30);
    const first = await browser.page(`/test?api=extension-call-log&dateFrom=${dateFrom}&tz=UTC&perPage=30`);
    const last = await browser.page(pagingHref(first.text, 'last')!);
    const previous = await browser.page(pagingHref(last.text, 'prev')!);
    const records = await emulatorCallLog(stack.emulator.url, token, 'extension', {
      dateFrom: `${dateFrom}T00:00:00.000Z`,
    });
    const pages = Math.ceil(records.length / 30);
    assert.match(textOf(last.text), new RegExp(`Page ${pages} of ${pages}`));
    assert.deepEqual(
      tableRows(last.text).map((r) => r.id),
      records.slice((pages - 1) * 30).map((r) => r.id),
    );
    assert.deepEqual(
      tableRows(previous.text).map((r) => r.id),
      records.slice((pages - 2) * 30, (pages - 1) * 30).map((r) => r.id),
    );
  });

  it("without dates the page shows RingCentral's default 24 hours and says so", async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const page = await browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 200);
    assert.match(textOf(page.text), /Showing the last 24 hours, times in US\/Pacific/);
    const request = /data-testid="request">([\s\S]*?)<\/code>/.exec(page.text)?.[1]?.replace(/<wbr>/g, '') ?? '';
    assert.match(
      request,
      /^GET \/restapi\/v1\.0\/account\/~\/extension\/~\/call-log\?dateFrom=[-0-9T:.]+Z&amp;view=Detailed&amp;perPage=1000$/,
      'the read that filled the copy',
    );
    assert.match(page.text, /id="filter-date-from" name="dateFrom" value=""/);
    assert.match(page.text, /<a class="preset" href="[^"]*" aria-current="true">Last 24 hours<\/a>/);
  });

  it('a bad filter value is a 400 naming the parameter, and RingCentral is never asked', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const before = await stack.emulator.control.stats();
    const cases: [string, string][] = [
      ['direction=Sideways', 'direction'],
      ['type=SMS', 'type'],
      ['view=Full', 'view'],
      ['dateFrom=2026-02-30', 'dateFrom'],
      ['dateTo=tomorrow', 'dateTo'],
      ['dateFrom=2026-11-20&dateTo=2026-11-10', 'dateFrom'],
      ['tz=Mars/Olympus', 'tz'],
      ['perPage=0', 'perPage'],
    ];
    for (const api of ['extension-call-log', 'account-call-log']) {
      for (const [query, parameter] of cases) {
        const page = await browser.page(`/test?api=${api}&${query}`);
        assert.equal(page.status, 400, `${api} ${query}`);
        assert.match(textOf(page.text), new RegExp(`parameter "${parameter}"`), query);
        const json = await browser.get(`/test?api=${api}&${query}`, { accept: 'application/json' });
        assert.equal(json.status, 400);
        assert.equal(json.json<{ code: string }>().code, 'RCAPP_BAD_REQUEST');
        const csv = await browser.get(`/export/call-log.csv?scope=extension&${query.replace(/perPage=0/, 'scope=x')}`);
        assert.equal(csv.status, 400, `export ${query}`);
      }
    }
    const after = await stack.emulator.control.stats();
    assert.equal(after.rest, before.rest, 'no REST call reached RingCentral');
  });

  it('JSON mode passes the filters to RingCentral and its answer through unchanged', async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);
    const dateFrom = `${dayInZone('UTC', -7)}T00:00:00.000Z`;
    const response = await browser.get(
      `/test?api=extension-call-log&dateFrom=${dateFrom}&direction=Outbound&type=Voice&view=Detailed&perPage=5`,
      { accept: 'application/json' },
    );
    assert.equal(response.status, 200);
    const body = response.json<{ records: RcCallRecord[]; uri: string }>();
    assert.ok(body.records.length > 0);
    assert.ok(body.records.every((r) => r.direction === 'Outbound' && r.type === 'Voice' && Array.isArray(r.legs)));
    const direct = await emulatorCallLog(stack.emulator.url, token, 'extension', {
      dateFrom,
      direction: 'Outbound',
      type: 'Voice',
    });
    assert.deepEqual(
      body.records.map((r) => r.id),
      direct.slice(0, 5).map((r) => r.id),
    );
  });
});
