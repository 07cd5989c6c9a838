/**
 * @module test/integration/explorer/support
 * Pieces of the call-log explorer suites: the emulator and the app for one test, RingCentral's own call log read
 * straight from the emulator with the user's token (the reference every page, chart and CSV is compared with),
 * independent day keys in a time zone, and readers for the page's table rows, chart days and paging links.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { GovernorSleep } from '../../../src/governor/rate-governor.js';
import type { ExplorerOptions } from '../../../src/web/explorer/call-log-explorer.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { HttpClient, unescapeHtml } from '../../helpers/http-client.js';
import { tokensOf } from '../support/fixtures.js';

export const CALL_LOG_PATHS = {
  extension: '/restapi/v1.0/account/~/extension/~/call-log',
  account: '/restapi/v1.0/account/~/call-log',
} as const;

/** The fields of a RingCentral call-log record the suites compare. */
export interface RcCallParty {
  readonly name?: string;
  readonly phoneNumber?: string;
  readonly extensionNumber?: string;
}

export interface RcCallRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly startTime: string;
  readonly duration: number;
  readonly type: string;
  readonly direction: string;
  readonly action: string;
  readonly result: string;
  readonly from?: RcCallParty;
  readonly to?: RcCallParty;
  readonly legs?: readonly unknown[];
}

export interface Stack {
  readonly emulator: TestEmulator;
  readonly app: TestApp;
}

/** The emulator (generous rate limits unless `limits: false`) and the app, closed after the test. */
export async function startStack(
  t: TestContext,
  options: {
    explorer?: ExplorerOptions;
    governorSleep?: GovernorSleep;
    now?: () => number;
    generousLimits?: boolean;
  } = {},
): Promise<Stack> {
  const emulator = await startTestEmulator(t);
  if (options.generousLimits !== false) {
    for (const group of ['Light', 'Medium', 'Heavy'] as const) {
      await emulator.control.limits({ group, limit: 100_000, windowSeconds: 60 });
    }
  }
  const app = await startTestApp(t, {
    emulator,
    ...(options.explorer === undefined ? {} : { explorer: options.explorer }),
    ...(options.governorSleep === undefined ? {} : { governorSleep: options.governorSleep }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { emulator, app };
}

/** A logged-in browser and its RingCentral access token. */
export async function logIn(
  stack: Stack,
  user: { username: string; password: string },
): Promise<{ browser: HttpClient; token: string }> {
  const browser = new HttpClient(stack.app.url);
  await browser.loginAs(user.username, user.password);
  const tokens = await tokensOf(stack.app, browser);
  return { browser, token: tokens.accessToken };
}

/** Every record of a call-log query, read straight from the emulator (1,000 a page), newest first. */
export async function emulatorCallLog(
  emulatorUrl: string,
  token: string,
  scope: keyof typeof CALL_LOG_PATHS,
  query: Record<string, string | string[]>,
): Promise<RcCallRecord[]> {
  const records: RcCallRecord[] = [];
  for (let page = 1; page <= 50; page += 1) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
    }
    params.set('page', String(page));
    params.set('perPage', '1000');
    const response = await fetch(`${emulatorUrl}${CALL_LOG_PATHS[scope]}?${params.toString()}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    assert.equal(response.status, 200, `emulator call log page ${page}`);
    const body = (await response.json()) as { records: RcCallRecord[]; navigation: { nextPage?: unknown } };
    records.push(...body.records);
    if (body.navigation.nextPage === undefined) return records;
  }
  throw new Error('more than 50 pages');
}

/** The local date `YYYY-MM-DD` of an instant in `timeZone`, via a Swedish-format date (not the app's code). */
export function localDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** The UTC offset (ms) of `timeZone` at an instant, from `longOffset` (`GMT+01:00`). */
function offsetAt(ms: number, timeZone: string): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(ms)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
}

/** The first instant of local day `day` in a zone whose clocks do not change at midnight. */
export function startOfLocalDay(day: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  return utcMidnight - offsetAt(utcMidnight, timeZone);
}

/** Today's date in `timeZone`, shifted by `days`. */
export function dayInZone(timeZone: string, days = 0): string {
  const today = localDay(Date.now(), timeZone);
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Text of an HTML fragment: tags dropped, entities decoded, spaces collapsed. */
export function textOf(html: string): string {
  return unescapeHtml(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:)])/g, '$1')
    .trim();
}

/** One row of the page's call-log table. */
export interface TableRow {
  readonly id: string;
  readonly startTime: string;
  /** Direction, type, from, to, duration, result, action. */
  readonly cells: string[];
}

/** The rows of the page's call-log table. */
export function tableRows(html: string): TableRow[] {
  const table = /<table class="data-table call-log"[\s\S]*?<\/table>/.exec(html)?.[0];
  assert.ok(table, 'the page has a call-log table');
  return [...table.matchAll(/<tr data-call-id="([^"]*)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: unescapeHtml(m[1]!),
    startTime: /<time datetime="([^"]*)"/.exec(m[2]!)?.[1] ?? '',
    cells: [...m[2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1]!)),
  }));
}

/** The chart's days as the page's `data-*` attributes give them. */
export function chartDays(html: string): { date: string; inbound: number; outbound: number; missed: number }[] {
  return [...html.matchAll(/<g class="chart-day" ([^>]*)>/g)].map((m) => {
    const attr = (name: string): string => new RegExp(`data-${name}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    return {
      date: attr('date'),
      inbound: Number(attr('inbound')),
      outbound: Number(attr('outbound')),
      missed: Number(attr('missed')),
    };
  });
}

/** The href of the paging link `rel` (`next`, `prev`, ...), decoded, or undefined. */
export function pagingHref(html: string, rel: string): string | undefined {
  const match = new RegExp(`<a href="([^"]*)" rel="${rel}">`).exec(html);
  return match ? unescapeHtml(match[1]!) : undefined;
}

/** Counts per local day of records, independently of the app. */
export function countPerDay(
  records: readonly RcCallRecord[],
  timeZone: string,
): Map<string, { inbound: number; outbound: number; missed: number }> {
  const days = new Map<string, { inbound: number; outbound: number; missed: number }>();
  for (const record of records) {
    const day = localDay(Date.parse(record.startTime), timeZone);
    const entry = days.get(day) ?? { inbound: 0, outbound: 0, missed: 0 };
    if (record.direction === 'Inbound') entry.inbound += 1;
    else entry.outbound += 1;
    if (record.result === 'Missed') entry.missed += 1;
    days.set(day, entry);
  }
  return days;
}

/** h:mm:ss of whole seconds, as the table shows durations. */
export function hms(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Waits (bounded) until `predicate` holds, polling every 20 ms: for events the test cannot await directly. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
