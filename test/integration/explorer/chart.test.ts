/**
 * The calls-per-day chart against the emulator's data: its daily counts (read from the SVG's data attributes)
 * equal RingCentral's records of the range counted per local day, in the `?tz=` zone and in the user's own
 * RingCentral zone; the default 24 hours are charted from the table's own answer; and when the user's rate-limit
 * budget is low the page leaves the chart out and says why, instead of spending the user's last calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN, USER1 } from '../support/fixtures.js';
import {
  chartDays,
  countPerDay,
  dayInZone,
  emulatorCallLog,
  logIn,
  startOfLocalDay,
  startStack,
  type RcCallRecord,
} from './support.js';

function assertChartMatches(
  html: string,
  records: readonly RcCallRecord[],
  timeZone: string,
  firstDay: string,
  lastDay: string,
): void {
  const days = chartDays(html);
  assert.equal(days[0]?.date, firstDay, 'the chart starts on the first day of the range');
  assert.equal(days.at(-1)?.date, lastDay, 'and ends on the last');
  const expected = countPerDay(records, timeZone);
  for (const day of days) {
    const want = expected.get(day.date) ?? { inbound: 0, outbound: 0, missed: 0 };
    assert.deepEqual(
      { inbound: day.inbound, outbound: day.outbound, missed: day.missed },
      want,
      `${day.date} in ${timeZone}`,
    );
  }
  const charted = days.reduce((sum, day) => sum + day.inbound + day.outbound, 0);
  assert.equal(charted, records.length, 'every record of the range is on the chart');
  assert.ok(records.length > 200, `a real amount of data (${records.length})`);
  assert.ok(
    days.some((day) => day.missed > 0),
    'missed calls are marked',
  );
}

describe('call-log chart', () => {
  it("daily counts over 30 days equal the emulator's records, in ?tz= and in the user's own zone", async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, USER1);

    for (const [timeZone, tzParam] of [
      ['Europe/Berlin', '&tz=Europe/Berlin'],
      ['US/Pacific', ''], // the emulator's regionalSettings.timezone for every user
    ] as const) {
      const firstDay = dayInZone(timeZone, -30);
      const lastDay = dayInZone(timeZone, 0);
      const page = await browser.page(
        `/test?api=extension-call-log&dateFrom=${firstDay}&dateTo=${lastDay}&perPage=25${tzParam}`,
      );
      assert.equal(page.status, 200, page.text.slice(0, 300));
      assert.match(page.text, new RegExp(`data-time-zone="${timeZone.replace('/', '\\/')}"`));
      const records = await emulatorCallLog(stack.emulator.url, token, 'extension', {
        dateFrom: new Date(startOfLocalDay(firstDay, timeZone)).toISOString(),
        dateTo: new Date(startOfLocalDay(dayInZone(timeZone, 1), timeZone) - 1).toISOString(),
      });
      assertChartMatches(page.text, records, timeZone, firstDay, lastDay);
    }
  });

  it('the chart follows the filters, and the account log of the admin is charted too', async (t) => {
    const stack = await startStack(t);
    const { browser, token } = await logIn(stack, ADMIN);
    const timeZone = 'UTC';
    const firstDay = dayInZone(timeZone, -30);
    const lastDay = dayInZone(timeZone, 0);
    const page = await browser.page(
      `/test?api=account-call-log&dateFrom=${firstDay}&dateTo=${lastDay}&direction=Inbound&type=Voice&tz=UTC`,
    );
    assert.equal(page.status, 200);
    const records = await emulatorCallLog(stack.emulator.url, token, 'account', {
      dateFrom: `${firstDay}T00:00:00.000Z`,
      dateTo: `${lastDay}T23:59:59.999Z`,
      direction: 'Inbound',
      type: 'Voice',
    });
    assert.ok(records.every((r) => r.direction === 'Inbound' && r.type === 'Voice'));
    assertChartMatches(page.text, records, timeZone, firstDay, lastDay);
    assert.ok(
      chartDays(page.text).every((day) => day.outbound === 0),
      'no outbound call with direction=Inbound',
    );
  });

  it('the default 24 hours are charted from the same records as the table, out of the copy', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const before = await stack.emulator.control.stats();
    const page = await browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 200);
    const after = await stack.emulator.control.stats();
    assert.equal(
      after['rest.Heavy']! - before['rest.Heavy']!,
      2,
      'two Heavy calls: a sync token and the last 31 days at 1,000 a call',
    );
    const days = chartDays(page.text);
    assert.ok(days.length === 1 || days.length === 2, 'the last 24 hours touch one or two days');
    const rows = (page.text.match(/<tr data-call-id=/g) ?? []).length;
    assert.equal(
      days.reduce((sum, day) => sum + day.inbound + day.outbound, 0),
      rows,
      'the chart counts the calls of the table',
    );
  });

  it('paging through a range, changing filters and revisiting cost no call after the first view', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    const range = `dateFrom=${dayInZone('UTC', -30)}&dateTo=${dayInZone('UTC', 0)}&tz=UTC&perPage=50`;
    const before = await stack.emulator.control.stats();
    for (const page of [1, 2, 3, 1]) {
      const response = await browser.page(`/test?api=extension-call-log&${range}&page=${page}`);
      assert.equal(chartDays(response.text).length, 31, `page ${page} has the chart`);
    }
    for (const filter of ['direction=Inbound', 'type=Voice', 'view=Detailed']) {
      assert.equal((await browser.page(`/test?api=extension-call-log&${range}&${filter}`)).status, 200, filter);
    }
    const after = await stack.emulator.control.stats();
    assert.equal(after['rest.Heavy']! - before['rest.Heavy']!, 2, 'the first view: a sync token and one read');
  });

  it('under a tight Heavy limit a company log of 3,000 calls is browsed without a 429', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, ADMIN);
    await stack.emulator.control.limits({ group: 'Heavy', limit: 10, windowSeconds: 60 });
    const range = `/test?api=account-call-log&dateFrom=${dayInZone('UTC', -30)}&dateTo=${dayInZone('UTC', 0)}&tz=UTC&perPage=10`;
    const drawn = await browser.page(range);
    assert.equal(chartDays(drawn.text).length, 31);
    for (const view of [`${range}&type=Voice`, `${range}&type=Voice&page=2`, `${range}&type=Voice&page=3`]) {
      const page = await browser.page(view);
      assert.equal(page.status, 200, view);
      assert.equal(chartDays(page.text).length, 31, 'every view has its chart');
    }
    const stats = await stack.emulator.control.stats();
    assert.equal(stats.rateLimited, 0, 'no 429 was caused');
    assert.ok(stats['rest.Heavy']! <= 6, `${stats['rest.Heavy']} Heavy calls in all`);
  });
});
