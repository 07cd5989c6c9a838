/**
 * The CSV export against the emulator: the admin's account call log over 30 days equals, row for row, what
 * RingCentral's pages return; under a tight "Heavy" limit (10 per 5 s, and 3 per second on the real clock) it
 * finishes without a single 429 at RingCentral, let alone at the user; it stops reading when the client leaves;
 * and it refuses clearly (403 naming FullCompanyCallLog, 401, 400) before sending any CSV.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GovernorSleep as Sleep } from '../../../src/governor/rate-governor.js';
import { parseCsv } from '../../helpers/csv.js';
import { HttpClient } from '../../helpers/http-client.js';
import { ADMIN, USER1 } from '../support/fixtures.js';
import { dayInZone, emulatorCallLog, eventually, logIn, startStack, type RcCallRecord } from './support.js';

const HEADER = [
  'id',
  'sessionId',
  'startTime',
  'direction',
  'type',
  'action',
  'result',
  'fromName',
  'fromPhoneNumber',
  'fromExtensionNumber',
  'toName',
  'toPhoneNumber',
  'toExtensionNumber',
  'duration',
];

/** The CSV row a record must become, written here without the app's code (formula guard included). */
function expectedRow(record: RcCallRecord): string[] {
  const guard = (cell: string): string =>
    /^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell) ? `'${cell}` : cell;
  return [
    record.id,
    record.sessionId,
    new Date(record.startTime).toISOString(),
    record.direction,
    record.type,
    record.action,
    record.result,
    record.from?.name ?? '',
    record.from?.phoneNumber ?? '',
    record.from?.extensionNumber ?? '',
    record.to?.name ?? '',
    record.to?.phoneNumber ?? '',
    record.to?.extensionNumber ?? '',
    String(record.duration),
  ].map(guard);
}

const RANGE = (): { query: string; dateFrom: string; dateTo: string } => {
  const from = dayInZone('UTC', -30);
  const to = dayInZone('UTC', 0);
  return {
    query: `dateFrom=${from}&dateTo=${to}&tz=UTC`,
    dateFrom: `${from}T00:00:00.000Z`,
    dateTo: `${to}T23:59:59.999Z`,
  };
};

describe('CSV export', () => {
  it("the admin's account call log over 30 days equals RingCentral's pages, row for row", async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, ADMIN);
    const range = RANGE();
    const response = await browser.get(`/export/call-log.csv?scope=account&${range.query}`);
    assert.equal(response.status, 200, response.text.slice(0, 300));
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
    assert.equal(
      response.headers.get('content-disposition'),
      `attachment; filename="call-log-account-${range.dateFrom.slice(0, 10)}-to-${range.dateTo.slice(0, 10)}.csv"`,
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const records = await emulatorCallLog(stack.emulator.url, token, 'account', {
      dateFrom: range.dateFrom,
      dateTo: range.dateTo,
    });
    assert.ok(records.length > 2000, `several RingCentral pages of calls (${records.length})`);
    assert.equal(response.headers.get('x-total-count'), String(records.length));
    const rows = parseCsv(response.text);
    assert.deepEqual(rows[0], HEADER);
    assert.equal(rows.length - 1, records.length);
    rows.slice(1).forEach((row, i) => assert.deepEqual(row, expectedRow(records[i]!), `row ${i + 1}`));
  });

  it('filters apply to the export, and a user exports their own call log', async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);
    const range = RANGE();
    const response = await browser.get(
      `/export/call-log.csv?scope=extension&${range.query}&direction=Inbound&type=Voice`,
    );
    assert.equal(response.status, 200);
    const records = await emulatorCallLog(stack.emulator.url, token, 'extension', {
      dateFrom: range.dateFrom,
      dateTo: range.dateTo,
      direction: 'Inbound',
      type: 'Voice',
    });
    assert.ok(records.length > 50);
    assert.deepEqual(parseCsv(response.text).slice(1), records.map(expectedRow));
  });

  it('under a tight Heavy limit (10 per 5 s) it paces itself: complete, and not a single 429', async (t) => {
    // The app's clock and the emulator's move together, and the export's waits move both instead of sleeping.
    let offsetMs = 0;
    const waits: number[] = [];
    let emulatorUrl = '';
    const sleep: Sleep = async (ms) => {
      waits.push(ms);
      offsetMs += ms;
      const response = await fetch(`${emulatorUrl}/__emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: ms / 1000 }),
      });
      assert.equal(response.status, 200);
    };
    const stack = await startStack(t, {
      explorer: { exportPageSize: 100 },
      governorSleep: sleep,
      now: () => Date.now() + offsetMs,
    });
    emulatorUrl = stack.emulator.url;
    const { browser, token } = await logIn(stack, ADMIN);
    const range = RANGE();
    const records = await emulatorCallLog(stack.emulator.url, token, 'account', {
      dateFrom: range.dateFrom,
      dateTo: range.dateTo,
    });
    await stack.emulator.control.limits({ group: 'Heavy', limit: 10, windowSeconds: 5, penaltySeconds: 60 });
    const before = await stack.emulator.control.stats();

    const response = await browser.get(`/export/call-log.csv?scope=account&${range.query}`);
    assert.equal(response.status, 200);
    const rows = parseCsv(response.text);
    assert.equal(rows.length - 1, records.length, 'every record');
    assert.deepEqual(rows.slice(1), records.map(expectedRow));
    const after = await stack.emulator.control.stats();
    const pages = Math.ceil(records.length / 100);
    assert.equal(after['rest.readCompanyCallLog']! - before['rest.readCompanyCallLog']!, pages, 'each page asked once');
    assert.equal(after.rateLimited, 0, 'RingCentral never answered 429');
    // Ten calls per 5-second window: the whole budget, paced by the governor that page views share. Besides the
    // waits for the window, the governor may wait a few ms for an answer that came later than planned (a busy machine).
    const windows = waits.filter((ms) => ms >= 1_000);
    assert.equal(
      windows.length,
      Math.ceil(pages / 10) - 1,
      `waited for the window between bursts: ${waits.join(', ')}`,
    );
    assert.ok(
      windows.every((ms) => ms <= 5_250),
      `no longer than a window: ${windows.join(', ')}`,
    );
    const small = waits.filter((ms) => ms < 1_000).reduce((sum, ms) => sum + ms, 0);
    assert.ok(small < 1_000, `short waits add up to ${small} ms`);
  });

  it('on the real clock too: 3 per second, with a 60 s penalty for any 429, finishes cleanly', async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, ADMIN);
    const range = RANGE();
    const records = await emulatorCallLog(stack.emulator.url, token, 'account', {
      dateFrom: range.dateFrom,
      dateTo: range.dateTo,
    });
    await stack.emulator.control.limits({ group: 'Heavy', limit: 3, windowSeconds: 1, penaltySeconds: 60 });
    const response = await browser.get(`/export/call-log.csv?scope=account&${range.query}`);
    assert.equal(response.status, 200);
    assert.equal(parseCsv(response.text).length - 1, records.length);
    assert.equal((await stack.emulator.control.stats()).rateLimited, 0);
  });

  it('a 429 that happens anyway is waited out and never reaches the user', async (t) => {
    // Retry-After is 60 s: the wait moves the app's clock instead of sleeping.
    let offsetMs = 0;
    const waits: number[] = [];
    const sleep: Sleep = (ms) => {
      waits.push(ms);
      offsetMs += ms;
      return Promise.resolve();
    };
    const stack = await startStack(t, {
      explorer: { exportPageSize: 500 },
      governorSleep: sleep,
      now: () => Date.now() + offsetMs,
    });
    const { browser, token } = await logIn(stack, ADMIN);
    const range = RANGE();
    const records = await emulatorCallLog(stack.emulator.url, token, 'account', {
      dateFrom: range.dateFrom,
      dateTo: range.dateTo,
    });
    // The next REST call answers 429 with Retry-After (as if another client of this user spent the budget).
    await stack.emulator.control.fault({ route: 'rest', status: 429, count: 1 });
    const response = await browser.get(`/export/call-log.csv?scope=account&${range.query}`);
    assert.equal(response.status, 200);
    assert.equal(parseCsv(response.text).length - 1, records.length);
    // RingCentral's Retry-After (60 s) and the governor's margin (2% of 60 s), once, counted from the 429's arrival:
    // the app's clock runs on in real time, so the wait is a few ms shorter when a busy machine starts it later.
    assert.equal(waits.length, 1, `one wait: ${waits.join(', ')}`);
    const [wait = 0] = waits;
    assert.ok(wait <= 61_200 && wait > 61_200 - 100, `waited ${wait} ms`);
    assert.ok(stack.app.logLines.some((line) => line.includes('"msg":"call-log export finished"')));
  });

  it('stops reading from RingCentral when the client leaves', async (t) => {
    let sleeping: (signal: AbortSignal) => void = () => undefined;
    const asleep = new Promise<AbortSignal>((resolve) => (sleeping = resolve));
    // The export's wait for the window: it never ends by itself here, only by the client leaving.
    const sleep: Sleep = (_ms, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        if (signal !== undefined) sleeping(signal);
      });
    const stack = await startStack(t, { explorer: { exportPageSize: 100 }, governorSleep: sleep });
    const { browser } = await logIn(stack, ADMIN);
    await stack.emulator.control.limits({ group: 'Heavy', limit: 3, windowSeconds: 60 });

    const client = new AbortController();
    const response = await fetch(`${stack.app.url}/export/call-log.csv?scope=account&${RANGE().query}`, {
      headers: { cookie: browser.cookieHeader() },
      signal: client.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.match(Buffer.from(first.value).toString('utf8'), /^id,sessionId,startTime,/);
    const signal = await asleep;
    const calls = (await stack.emulator.control.stats())['rest.readCompanyCallLog'];
    assert.equal(calls, 3, 'three pages read (the whole budget), then waiting for the window');

    client.abort();
    await eventually(() => signal.aborted, 'the export to notice the client left');
    await eventually(
      () => stack.app.logLines.some((line) => line.includes('call-log export stopped: the client left')),
      'the export to stop',
    );
    assert.equal((await stack.emulator.control.stats())['rest.readCompanyCallLog'], calls, 'no call after leaving');
  });

  it('a client that leaves while the export waits for its first page gets nothing more, and nothing is read', async (t) => {
    let sleeping: (signal: AbortSignal) => void = () => undefined;
    const asleep = new Promise<AbortSignal>((resolve) => (sleeping = resolve));
    const sleep: Sleep = (_ms, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        if (signal !== undefined) sleeping(signal);
      });
    const stack = await startStack(t, { governorSleep: sleep });
    const { browser } = await logIn(stack, ADMIN);
    await stack.emulator.control.limits({ group: 'Heavy', limit: 1, windowSeconds: 60 });
    // A call of the page's JSON spends the only call of the window: the export must wait before its first one.
    const spent = await browser.get(`/test?api=account-call-log&${RANGE().query}&perPage=5`, {
      accept: 'application/json',
    });
    assert.equal(spent.status, 200);
    const calls = (await stack.emulator.control.stats())['rest.readCompanyCallLog'];

    const client = new AbortController();
    const response = fetch(`${stack.app.url}/export/call-log.csv?scope=account&${RANGE().query}`, {
      headers: { cookie: browser.cookieHeader() },
      signal: client.signal,
    });
    const signal = await asleep;
    client.abort();
    await assert.rejects(response);
    await eventually(() => signal.aborted, 'the export to notice the client left');
    await eventually(
      () => stack.app.logLines.some((line) => line.includes('call-log export stopped before it started')),
      'the export to stop',
    );
    assert.equal((await stack.emulator.control.stats())['rest.readCompanyCallLog'], calls, 'no export call at all');
    assert.ok(!stack.app.logLines.some((line) => line.includes('"level":50')), 'no error logged');
  });

  it('refuses a range beyond what one export reads, before any CSV', async (t) => {
    const stack = await startStack(t, { explorer: { exportPageSize: 100, maxExportPages: 5 } });
    const { browser } = await logIn(stack, ADMIN);
    const response = await browser.get(`/export/call-log.csv?scope=account&${RANGE().query}`, {
      accept: 'application/json',
    });
    assert.equal(response.status, 400);
    assert.match(
      response.json<{ message: string }>().message,
      /more calls than one export reads \(5 RingCentral pages\); narrow "dateFrom" and "dateTo"/,
    );
    assert.equal((await stack.emulator.control.stats())['rest.readCompanyCallLog'], 1, 'only the first page was read');
  });

  it('refuses clearly before any CSV: no permission (403), not logged in (401), bad scope (400)', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const denied = await browser.page(`/export/call-log.csv?scope=account&${RANGE().query}`);
    assert.equal(denied.status, 403);
    assert.match(denied.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(denied.text, /FullCompanyCallLog/);
    const deniedJson = await browser.get(`/export/call-log.csv?scope=account`, { accept: 'application/json' });
    assert.equal(deniedJson.json<{ code: string }>().code, 'RCAPP_PERMISSION_DENIED');

    const anonymous = await new HttpClient(stack.app.url).get('/export/call-log.csv?scope=extension', {
      accept: 'application/json',
    });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json<{ code: string }>().code, 'RCAPP_NOT_LOGGED_IN');

    const badScope = await browser.get('/export/call-log.csv?scope=everyone', { accept: 'application/json' });
    assert.equal(badScope.status, 400);
    assert.match(badScope.json<{ message: string }>().message, /parameter "scope"/);
    const ok = await browser.get('/export/call-log.csv?scope=extension');
    assert.equal(ok.status, 200, 'the session is kept after the refusals');
  });
});
