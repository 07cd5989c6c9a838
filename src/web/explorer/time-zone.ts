/**
 * @module web/explorer/time-zone
 * Calendar days in an IANA time zone, with `Intl` only: the day an instant falls on, the instant a day starts
 * (DST-aware: a day can be 23 or 25 hours long, and in a few zones midnight itself is skipped), and day arithmetic.
 * A {@link ZonedCalendar} uses one shared `Intl.DateTimeFormat` per zone (`web/intl-formats`): making one costs
 * far more than formatting with it.
 * @see https://tc39.es/ecma402/#sec-datetimeformat-abstracts
 */
import { dateTimeFormat } from '../intl-formats.js';

const DAY_MS = 86_400_000;
const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `name` is an IANA time zone `Intl` knows (e.g. `Europe/Berlin`, `US/Pacific`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name === '' || name.length > 64) return false;
  try {
    dateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A calendar date `YYYY-MM-DD`, or `undefined` when `key` is not a real date (e.g. `2026-02-30`). */
export function parseDayKey(key: string): { year: number; month: number; day: number } | undefined {
  const match = DAY_KEY.exec(key);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day };
}

/** The date `days` calendar days after `key` (negative: before). Pure date arithmetic, no zone involved. */
export function addDays(key: string, days: number): string {
  const parts = parseDayKey(key);
  if (!parts) throw new RangeError(`not a date: "${key}"`);
  return new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (`to` − `from`). */
export function daysBetween(from: string, to: string): number {
  const a = parseDayKey(from);
  const b = parseDayKey(to);
  if (!a || !b) throw new RangeError(`not a date: "${a ? to : from}"`);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

/** Calendar operations in one time zone. */
export interface ZonedCalendar {
  readonly timeZone: string;
  /** The local date of an instant, `YYYY-MM-DD`. */
  dayKey(epochMs: number): string;
  /** Offset of local time from UTC at an instant, in ms (e.g. +3 600 000 for Berlin in winter). */
  offsetAt(epochMs: number): number;
  /** The first instant of local day `key` (midnight, or the first moment after a skipped midnight). */
  startOfDay(key: string): number;
  /** The last millisecond of local day `key`. */
  endOfDay(key: string): number;
}

/**
 * A {@link ZonedCalendar} for `timeZone`.
 * @throws {RangeError} when `timeZone` is not a zone `Intl` knows
 */
export function createZonedCalendar(timeZone: string): ZonedCalendar {
  const format = dateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

  function fields(epochMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const part of format.formatToParts(epochMs)) {
      if (part.type !== 'literal') out[part.type] = Number(part.value);
    }
    return out;
  }

  function dayKey(epochMs: number): string {
    const f = fields(epochMs);
    return `${String(f.year).padStart(4, '0')}-${String(f.month).padStart(2, '0')}-${String(f.day).padStart(2, '0')}`;
  }

  function offsetAt(epochMs: number): number {
    const f = fields(epochMs);
    const wall = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
    // Sub-second parts are not in the format; compare whole seconds.
    return wall - Math.floor(epochMs / 1000) * 1000;
  }

  function startOfDay(key: string): number {
    const parts = parseDayKey(key);
    if (!parts) throw new RangeError(`not a date: "${key}"`);
    const wallMidnight = Date.UTC(parts.year, parts.month - 1, parts.day);
    // Two passes find the offset in force at local midnight, also when that offset differs from the guess's.
    let instant = wallMidnight - offsetAt(wallMidnight);
    instant = wallMidnight - offsetAt(instant);
    // Where midnight does not exist (DST starting at 00:00) the instant lands on the previous day: step forward.
    for (let i = 0; i < 4 && dayKey(instant) < key; i += 1) instant += 3_600_000;
    // Where midnight happens twice (DST ending at 01:00), go back to the first one. Offsets change by whole or
    // half hours, so half-hour steps cannot jump over a day boundary.
    for (let i = 0; i < 4 && dayKey(instant - 1_800_000) === key; i += 1) instant -= 1_800_000;
    return instant;
  }

  return {
    timeZone,
    dayKey,
    offsetAt,
    startOfDay,
    endOfDay: (key) => startOfDay(addDays(key, 1)) - 1,
  };
}
