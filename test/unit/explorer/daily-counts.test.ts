import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDailyCounter, dayCountOf } from '../../../src/web/explorer/daily-counts.js';
import { createZonedCalendar } from '../../../src/web/explorer/time-zone.js';

const call = (startTime: string, direction: string, result = 'Accepted'): Record<string, unknown> => ({
  id: startTime,
  startTime,
  direction,
  result,
});

void describe('calls per day', () => {
  void it('counts per local day, split by direction, missed calls marked, days without calls included', () => {
    const utc = createZonedCalendar('UTC');
    const counter = createDailyCounter(
      utc,
      Date.parse('2026-11-01T00:00:00Z'),
      Date.parse('2026-11-03T23:59:59.999Z'),
      31,
    );
    counter.add([
      call('2026-11-01T10:00:00Z', 'Inbound'),
      call('2026-11-01T11:00:00Z', 'Inbound', 'Missed'),
      call('2026-11-01T12:00:00Z', 'Outbound'),
    ]);
    counter.add([call('2026-11-03T23:59:59.999Z', 'Outbound', 'No Answer')]);
    assert.equal(counter.counted, 4);
    assert.deepEqual(counter.days(), [
      { date: '2026-11-01', inbound: 2, outbound: 1, missed: 1 },
      { date: '2026-11-02', inbound: 0, outbound: 0, missed: 0 },
      { date: '2026-11-03', inbound: 0, outbound: 1, missed: 0 },
    ]);
  });

  void it('puts calls near midnight on the day of the chosen zone', () => {
    const from = Date.parse('2026-11-24T00:00:00Z');
    const to = Date.parse('2026-11-26T00:00:00Z');
    const records = [call('2026-11-25T07:30:00Z', 'Inbound'), call('2026-11-25T08:30:00Z', 'Outbound')];
    const utc = createDailyCounter(createZonedCalendar('UTC'), from, to, 31);
    utc.add(records);
    assert.deepEqual(
      utc.days().filter((d) => d.inbound + d.outbound > 0),
      [{ date: '2026-11-25', inbound: 1, outbound: 1, missed: 0 }],
    );
    const pacific = createDailyCounter(createZonedCalendar('US/Pacific'), from, to, 31);
    pacific.add(records);
    assert.deepEqual(
      pacific.days().filter((d) => d.inbound + d.outbound > 0),
      [
        { date: '2026-11-24', inbound: 1, outbound: 0, missed: 0 },
        { date: '2026-11-25', inbound: 0, outbound: 1, missed: 0 },
      ],
    );
  });

  void it('counts the 23-hour and 25-hour days of a DST change whole', () => {
    const berlin = createZonedCalendar('Europe/Berlin');
    const from = berlin.startOfDay('2026-03-28');
    const to = berlin.endOfDay('2026-03-30');
    const counter = createDailyCounter(berlin, from, to, 31);
    counter.add([
      call('2026-03-28T22:59:59Z', 'Inbound'), // 23:59:59 CET on the 28th
      call('2026-03-28T23:00:00Z', 'Inbound'), // 00:00 CET on the 29th
      call('2026-03-29T21:59:59Z', 'Outbound'), // 23:59:59 CEST on the 29th (a 23-hour day)
      call('2026-03-29T22:00:00Z', 'Outbound', 'Missed'), // 00:00 CEST on the 30th
    ]);
    assert.deepEqual(counter.days(), [
      { date: '2026-03-28', inbound: 1, outbound: 0, missed: 0 },
      { date: '2026-03-29', inbound: 1, outbound: 1, missed: 0 },
      { date: '2026-03-30', inbound: 0, outbound: 1, missed: 1 },
    ]);
    const autumn = createDailyCounter(berlin, berlin.startOfDay('2026-10-25'), berlin.endOfDay('2026-10-25'), 31);
    autumn.add([call('2026-10-24T22:00:00Z', 'Inbound'), call('2026-10-25T22:59:59Z', 'Inbound')]);
    assert.deepEqual(autumn.days(), [{ date: '2026-10-25', inbound: 2, outbound: 0, missed: 0 }], 'a 25-hour day');
  });

  void it('skips records outside the range or without a usable time or direction', () => {
    const utc = createZonedCalendar('UTC');
    const counter = createDailyCounter(utc, Date.parse('2026-11-01T12:00:00Z'), Date.parse('2026-11-01T18:00:00Z'), 31);
    counter.add([
      call('2026-11-01T11:59:59Z', 'Inbound'),
      call('2026-11-01T18:00:01Z', 'Inbound'),
      call('not a time', 'Inbound'),
      call('2026-11-01T13:00:00Z', 'Sideways'),
      null,
      'x',
      call('2026-11-01T13:00:00Z', 'Inbound'),
    ]);
    assert.equal(counter.counted, 1);
  });

  void it('refuses a range longer than the chart allows', () => {
    const utc = createZonedCalendar('UTC');
    const from = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(dayCountOf(utc, from, Date.parse('2026-12-31T00:00:00Z')), 365);
    assert.throws(() => createDailyCounter(utc, from, Date.parse('2027-06-01T00:00:00Z'), 366), RangeError);
  });
});
