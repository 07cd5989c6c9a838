/**
 * @module web/explorer/daily-counts
 * Calls per day for the explorer's chart: every calendar day of a range in the user's time zone (DST days
 * included, whatever their length), and for each the inbound and outbound calls and the missed ones among them
 * (RingCentral `result` "Missed"). Records are added page by page, so only the counts are ever held.
 */
import { asRecord, toText } from '../views/format.js';
import { addDays, daysBetween, type ZonedCalendar } from './time-zone.js';

/** One day of the chart. */
export interface DayCount {
  /** Local date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly inbound: number;
  readonly outbound: number;
  /** Missed calls (RingCentral `result` "Missed"), also counted in their direction. */
  readonly missed: number;
}

/** Counts records into the days of one range. */
export interface DailyCounter {
  /** Adds one page of call-log records; records outside the range or without a start time are skipped. */
  add(records: readonly unknown[]): void;
  /** Records counted so far. */
  readonly counted: number;
  /** Every day of the range in order, days without calls included. */
  days(): DayCount[];
}

/** Days in the range from `from` to `to` (instants) in `calendar`'s zone, both ends included. */
export function dayCountOf(calendar: ZonedCalendar, from: number, to: number): number {
  return daysBetween(calendar.dayKey(from), calendar.dayKey(to)) + 1;
}

/**
 * A counter for the local days from the day of `from` to the day of `to`.
 * @throws {RangeError} when the range spans more than `maxDays` days or ends before it starts
 */
export function createDailyCounter(calendar: ZonedCalendar, from: number, to: number, maxDays: number): DailyCounter {
  const first = calendar.dayKey(from);
  const count = dayCountOf(calendar, from, to);
  if (count < 1 || count > maxDays) throw new RangeError(`a chart covers 1 to ${maxDays} days, not ${count}`);
  const index = new Map<string, number>();
  const inbound = new Array<number>(count).fill(0);
  const outbound = new Array<number>(count).fill(0);
  const missed = new Array<number>(count).fill(0);
  const dates: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const date = addDays(first, i);
    dates.push(date);
    index.set(date, i);
  }
  let counted = 0;

  return {
    add(records) {
      for (const item of records) {
        const record = asRecord(item);
        const ms = Date.parse(toText(record?.startTime));
        if (!record || !Number.isFinite(ms) || ms < from || ms > to) continue;
        const i = index.get(calendar.dayKey(ms));
        if (i === undefined) continue;
        const direction = toText(record.direction);
        if (direction === 'Inbound') inbound[i]! += 1;
        else if (direction === 'Outbound') outbound[i]! += 1;
        else continue;
        if (toText(record.result) === 'Missed') missed[i]! += 1;
        counted += 1;
      }
    },
    get counted() {
      return counted;
    },
    days() {
      return dates.map((date, i) => ({ date, inbound: inbound[i]!, outbound: outbound[i]!, missed: missed[i]! }));
    },
  };
}
