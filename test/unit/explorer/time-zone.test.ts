import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addDays,
  createZonedCalendar,
  daysBetween,
  isTimeZone,
  parseDayKey,
} from '../../../src/web/explorer/time-zone.js';

const HOUR = 3_600_000;

void describe('time zones and calendar days', () => {
  void it('knows IANA names and refuses anything else', () => {
    for (const name of ['UTC', 'Europe/Berlin', 'US/Pacific', 'America/Santiago', 'Asia/Kathmandu']) {
      assert.equal(isTimeZone(name), true, name);
    }
    for (const name of ['', 'Mars/Olympus', 'Europe/Berlin<script>', 'x'.repeat(65), '../etc/passwd']) {
      assert.equal(isTimeZone(name), false, name);
    }
  });

  void it('reads only real calendar dates', () => {
    assert.deepEqual(parseDayKey('2026-02-28'), { year: 2026, month: 2, day: 28 });
    assert.deepEqual(parseDayKey('2028-02-29'), { year: 2028, month: 2, day: 29 });
    for (const bad of ['2026-02-29', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', '2026-01-01T00:00', '']) {
      assert.equal(parseDayKey(bad), undefined, bad);
    }
  });

  void it('adds and counts days across months, years and leap days', () => {
    assert.equal(addDays('2026-01-31', 1), '2026-02-01');
    assert.equal(addDays('2028-03-01', -1), '2028-02-29');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-11-25', -30), '2026-10-26');
    assert.equal(daysBetween('2026-10-26', '2026-11-25'), 30);
    assert.equal(daysBetween('2026-03-28', '2026-03-30'), 2, 'a DST change does not change the count');
    assert.throws(() => addDays('nope', 1), RangeError);
  });

  void it('puts an instant on its local day', () => {
    const berlin = createZonedCalendar('Europe/Berlin');
    assert.equal(berlin.dayKey(Date.parse('2026-01-31T22:59:59.999Z')), '2026-01-31');
    assert.equal(berlin.dayKey(Date.parse('2026-01-31T23:00:00.000Z')), '2026-02-01');
    const pacific = createZonedCalendar('US/Pacific');
    assert.equal(pacific.dayKey(Date.parse('2026-11-25T07:59:59Z')), '2026-11-24');
    assert.equal(pacific.dayKey(Date.parse('2026-11-25T08:00:00Z')), '2026-11-25');
    assert.equal(pacific.offsetAt(Date.parse('2026-11-25T08:00:00Z')), -8 * HOUR);
    assert.equal(pacific.offsetAt(Date.parse('2026-07-01T08:00:00Z')), -7 * HOUR);
  });

  void it('knows where days start and end, also on DST days of 23 and 25 hours', () => {
    const cases: [zone: string, day: string, start: string, hours: number][] = [
      ['UTC', '2026-11-25', '2026-11-25T00:00:00.000Z', 24],
      ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z', 23],
      ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00.000Z', 25],
      ['US/Pacific', '2026-03-08', '2026-03-08T08:00:00.000Z', 23],
      ['US/Pacific', '2026-11-01', '2026-11-01T07:00:00.000Z', 25],
      // Clocks skip from 00:00 to 01:00: the day starts at 01:00 local.
      ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00.000Z', 23],
      // Midnight happens twice (01:00 goes back to 00:00): the day starts at the first one.
      ['America/Havana', '2026-11-01', '2026-11-01T04:00:00.000Z', 25],
      ['Asia/Kathmandu', '2026-01-01', '2025-12-31T18:15:00.000Z', 24],
      ['Australia/Lord_Howe', '2026-10-04', '2026-10-03T13:30:00.000Z', 23.5],
    ];
    for (const [zone, day, start, hours] of cases) {
      const calendar = createZonedCalendar(zone);
      const first = calendar.startOfDay(day);
      const last = calendar.endOfDay(day);
      assert.equal(new Date(first).toISOString(), start, `${zone} ${day} start`);
      assert.equal((last + 1 - first) / HOUR, hours, `${zone} ${day} length`);
      assert.equal(calendar.dayKey(first), day);
      assert.equal(calendar.dayKey(first - 1), addDays(day, -1));
      assert.equal(calendar.dayKey(last), day);
      assert.equal(calendar.dayKey(last + 1), addDays(day, 1));
    }
  });

  void it('brackets every instant by the start and end of its day (property)', () => {
    const zones = ['UTC', 'Europe/Berlin', 'US/Pacific', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe'];
    const calendars = new Map(zones.map((zone) => [zone, createZonedCalendar(zone)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }),
        (zone, instant) => {
          const calendar = calendars.get(zone)!;
          const day = calendar.dayKey(instant);
          const first = calendar.startOfDay(day);
          assert.ok(first <= instant && instant <= calendar.endOfDay(day), `${zone} ${day}`);
          assert.equal(calendar.dayKey(first - 1), addDays(day, -1));
        },
      ),
      { numRuns: 300 },
    );
  });
});
