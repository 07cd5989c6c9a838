import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../src/errors.js';
import {
  filterSearchParams,
  parseCallLogFilters,
  resolveDateRange,
  toRingCentralQuery,
  type CallLogFilters,
} from '../../../src/web/explorer/filters.js';
import { createZonedCalendar } from '../../../src/web/explorer/time-zone.js';
import { parseQuery } from '../../../src/web/query.js';

const parse = (search: string): CallLogFilters => parseCallLogFilters(parseQuery(search));

function assertBad(search: string, parameter: string): void {
  assert.throws(
    () => parse(search),
    (err: unknown) => {
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.code, 'RCAPP_BAD_REQUEST');
      assert.equal(err.status, 400);
      assert.match(err.message, new RegExp(`^parameter "${parameter}" `), err.message);
      return true;
    },
    search,
  );
}

void describe('call-log filters', () => {
  void it('reads every filter RingCentral knows, as the user wrote it', () => {
    assert.deepEqual(
      parse(
        'dateFrom=2026-11-01&dateTo=2026-11-25T12:00:00.000Z&direction=Inbound&type=Fax&view=Detailed&tz=Europe/Berlin',
      ),
      {
        dateFrom: '2026-11-01',
        dateTo: '2026-11-25T12:00:00.000Z',
        direction: ['Inbound'],
        type: ['Fax'],
        view: 'Detailed',
        timeZone: 'Europe/Berlin',
      },
    );
  });

  void it('treats empty values (a form\'s "any") as absent and both directions as no filter', () => {
    assert.deepEqual(parse('dateFrom=&dateTo=&direction=&type=&view=&tz='), { direction: [], type: [] });
    assert.deepEqual(parse('direction=Inbound&direction=Outbound&type=Voice&type=Voice'), {
      direction: [],
      type: ['Voice'],
    });
    assert.deepEqual(
      parse('dateFrom=2026-11-01T08:00Z&dateTo=2026-11-02T08:00:00+01:00').dateFrom,
      '2026-11-01T08:00Z',
    );
  });

  void it('refuses bad values with a 400 naming the parameter', () => {
    const cases: [string, string][] = [
      ['dateFrom=yesterday', 'dateFrom'],
      ['dateFrom=2026-02-30', 'dateFrom'],
      ['dateTo=2026-02-31T00:00:00Z', 'dateTo'],
      ['dateTo=2026-11-25T12:00:00', 'dateTo'],
      ['dateFrom=2026-11-01&dateFrom=2026-11-02', 'dateFrom'],
      ['direction=Sideways', 'direction'],
      ['direction=inbound', 'direction'],
      [`${'direction=Inbound&'.repeat(9)}x=1`, 'direction'],
      ['type=SMS', 'type'],
      ['view=Full', 'view'],
      ['view=Simple&view=Detailed', 'view'],
      ['tz=Mars/Olympus', 'tz'],
      ['tz=%3Cscript%3E', 'tz'],
    ];
    for (const [search, parameter] of cases) assertBad(search, parameter);
  });

  void it('turns days into the instants of the time zone, and instants into UTC', () => {
    const berlin = createZonedCalendar('Europe/Berlin');
    const filters = parse('dateFrom=2026-03-29&dateTo=2026-03-29');
    assert.deepEqual(resolveDateRange(filters, berlin), {
      from: Date.parse('2026-03-28T23:00:00.000Z'),
      to: Date.parse('2026-03-29T21:59:59.999Z'),
    });
    const instants = parse('dateFrom=2026-03-29T10:00:00+02:00');
    assert.deepEqual(resolveDateRange(instants, berlin), { from: Date.parse('2026-03-29T08:00:00.000Z') });
    assert.deepEqual(resolveDateRange(parse(''), berlin), {});
  });

  void it('refuses a range that ends before it starts', () => {
    const utc = createZonedCalendar('UTC');
    assert.throws(
      () => resolveDateRange(parse('dateFrom=2026-11-25&dateTo=2026-11-24'), utc),
      /parameter "dateFrom" must not be after "dateTo"/,
    );
    assert.doesNotThrow(() => resolveDateRange(parse('dateFrom=2026-11-25&dateTo=2026-11-25'), utc));
  });

  void it("builds RingCentral's query: UTC ISO instants, repeated lists, view, paging, in a fixed order", () => {
    const filters = parse('type=Voice&direction=Outbound&dateTo=2026-11-25&dateFrom=2026-11-01&view=Detailed');
    const range = resolveDateRange(filters, createZonedCalendar('US/Pacific'));
    assert.equal(
      toRingCentralQuery(filters, range, { page: 3, perPage: 50 }).toString(),
      'dateFrom=2026-11-01T07%3A00%3A00.000Z&dateTo=2026-11-26T07%3A59%3A59.999Z&direction=Outbound&type=Voice' +
        '&view=Detailed&page=3&perPage=50',
    );
    assert.equal(
      toRingCentralQuery(filters, range, { view: 'Simple' }).get('view'),
      'Simple',
      'the chart and the export ask for the small view',
    );
    assert.equal(toRingCentralQuery(parse(''), {}).toString(), '', 'no filter: RingCentral defaults');
  });

  void it('writes links that read back to the same filters (property)', () => {
    const day = fc
      .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
    // Two instants in order; each end written as a day or as an instant (a reversed range is refused).
    const ends = fc.tuple(day, day, fc.boolean(), fc.boolean()).map(([a, b, fromDay, toDay]) => {
      const [first, last] = a <= b ? [a, b] : [b, a];
      return { dateFrom: fromDay ? first.slice(0, 10) : first, dateTo: toDay ? last.slice(0, 10) : last };
    });
    const filters = fc
      .tuple(
        fc.option(ends, { nil: undefined }),
        fc.record(
          {
            direction: fc.subarray(['Inbound', 'Outbound'] as const, { maxLength: 1 }),
            type: fc.subarray(['Voice', 'Fax'] as const, { maxLength: 1 }),
            view: fc.constantFrom('Simple' as const, 'Detailed' as const),
            timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'US/Pacific'),
          },
          { requiredKeys: ['direction', 'type'] },
        ),
      )
      .map(([range, rest]) => ({ ...(range ?? {}), ...rest }));
    fc.assert(
      fc.property(filters, (value) => {
        assert.deepEqual(parse(filterSearchParams(value).toString()), { ...value });
      }),
      { numRuns: 200 },
    );
  });
});
