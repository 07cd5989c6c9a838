/**
 * @module emulator/rest-params
 * Strict readers for REST query parameters. Empty values count as absent (the SDK writes `key=` for unset options);
 * a bad value, or a repeated single-valued key, is `400 CMN-101 Parameter [x] value is invalid.`
 */
import { invalidParameter } from './errors.js';
import { allValues, singleValue, type Params } from './params.js';

/** The single value of `name`, or undefined. Repeated values ⇒ CMN-101. */
export function readString(params: Params, name: string, maxLength = 256): string | undefined {
  const { value, duplicate } = singleValue(params, name);
  if (duplicate || (value !== undefined && value.length > maxLength)) throw invalidParameter(name);
  return value;
}

/** A positive integer in [min, max]; values above `clampAbove` are cut to it (RingCentral's `perPage` > 1000 rule). */
export function readInt(
  params: Params,
  name: string,
  options: { min: number; max?: number; clampAbove?: number; fallback: number; allowMax?: number },
): number {
  const raw = readString(params, name, 16);
  if (raw === undefined) return options.fallback;
  if (options.allowMax !== undefined && raw === 'max') return options.allowMax;
  if (!/^\d{1,12}$/.test(raw)) throw invalidParameter(name);
  const n = Number(raw);
  if (n < options.min) throw invalidParameter(name);
  if (options.clampAbove !== undefined && n > options.clampAbove) return options.clampAbove;
  if (options.max !== undefined && n > options.max) throw invalidParameter(name);
  return n;
}

/** Every non-empty value of an array parameter, each checked against `allowed`. */
export function readEnumList<T extends string>(params: Params, name: string, allowed: readonly T[]): T[] {
  const values = allValues(params, name).filter((v) => v !== '');
  for (const v of values) if (!(allowed as readonly string[]).includes(v)) throw invalidParameter(name);
  return values as T[];
}

/** One value of an enum parameter. */
export function readEnum<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const v = readString(params, name);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw invalidParameter(name);
  return v as T | undefined;
}

/** `true`/`false` (case-insensitive). */
export function readBool(params: Params, name: string): boolean | undefined {
  const v = readString(params, name, 8);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw invalidParameter(name);
  return lower === 'true';
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or date-time (no zone ⇒ UTC), as ms since the epoch. */
export function readDateTime(params: Params, name: string): number | undefined {
  const v = readString(params, name, 40);
  if (v === undefined) return undefined;
  const ms = parseDateTime(v);
  if (ms === undefined) throw invalidParameter(name);
  return ms;
}

/** Parses an ISO 8601 date or date-time (no zone ⇒ UTC) to ms since the epoch; `undefined` when invalid. */
export function parseDateTime(v: string): number | undefined {
  const m = DATE_TIME.exec(v);
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '000').slice(0, 3)}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const ms = Date.parse(iso);
  // Date.parse accepts 2024-02-31; round-tripping the calendar fields rejects it.
  if (
    !Number.isFinite(ms) ||
    Number(mo) > 12 ||
    Number(d) > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCDate() !== Number(d)) return undefined;
  return ms;
}
