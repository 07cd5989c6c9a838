/**
 * @module web/views/format
 * Turns raw values (RingCentral JSON fields, timestamps, durations) into display text. Every function accepts
 * `unknown` and never throws: RingCentral bodies are shown defensively, whatever their shape.
 */
import { dateTimeFormat } from '../intl-formats.js';

/** Text of a scalar JSON value; objects, arrays, null and undefined become `''`. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint')
    return Number.isFinite(Number(value)) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return '';
}

/** `value` when it is a plain object, else `undefined`. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * A call duration in seconds as `h:mm:ss` (RingCentral sends whole seconds in `duration`).
 * Anything that is not a non-negative finite number gives `''`.
 */
export function formatDuration(seconds: unknown): string {
  const n = typeof seconds === 'string' && seconds.trim() !== '' ? Number(seconds) : seconds;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  const total = Math.floor(n);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Formats instants for one locale (the `Intl.DateTimeFormat`s are shared: `web/intl-formats`). */
export interface DateFormatter {
  /** A date-time such as `Nov 25, 2026, 1:39:25 PM UTC`, or `''` for an unparsable value. */
  formatDateTime(value: unknown, timeZone?: string, withSeconds?: boolean): string;
  /** `in 7 days`, `in 3 hours`, `2 minutes ago` relative to `now`. */
  formatRelative(epochMs: number): string;
}

/**
 * Creates a {@link DateFormatter}. `defaultTimeZone` is used when a model names none or names an invalid one.
 */
export function createDateFormatter(options: {
  locale: string;
  defaultTimeZone: string;
  now: () => number;
}): DateFormatter {
  const relative = new Intl.RelativeTimeFormat(options.locale, { numeric: 'auto' });

  function formatFor(timeZone: string, withSeconds: boolean): Intl.DateTimeFormat {
    return dateTimeFormat(options.locale, {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' as const } : {}),
      timeZoneName: 'short',
    });
  }

  function pickFormat(timeZone: string | undefined, withSeconds: boolean): Intl.DateTimeFormat {
    if (timeZone) {
      try {
        return formatFor(timeZone, withSeconds);
      } catch {
        // An unknown IANA name: fall back to the default zone rather than failing the page.
      }
    }
    return formatFor(options.defaultTimeZone, withSeconds);
  }

  return {
    formatDateTime(value, timeZone, withSeconds = true) {
      const ms =
        typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms)) return '';
      try {
        return pickFormat(timeZone, withSeconds).format(ms);
      } catch {
        return '';
      }
    },
    formatRelative(epochMs) {
      const diffSeconds = Math.round((epochMs - options.now()) / 1000);
      const abs = Math.abs(diffSeconds);
      if (abs < 60) return relative.format(diffSeconds, 'second');
      if (abs < 3600) return relative.format(Math.round(diffSeconds / 60), 'minute');
      if (abs < 86_400) return relative.format(Math.round(diffSeconds / 3600), 'hour');
      return relative.format(Math.round(diffSeconds / 86_400), 'day');
    },
  };
}

/**
 * A link target that is safe to put in `href`: a same-origin path (`/x`, not `//host`), a query (`?x`), or an
 * absolute `http(s)` URL. Anything else (`javascript:`, `data:`, backslashes) gives `undefined`.
 */
export function toSafeHref(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // Control characters and backslashes let browsers reinterpret a "path" as another origin or scheme.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  if (value.startsWith('/')) return value.startsWith('//') ? undefined : value;
  if (value.startsWith('?')) return value;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A same-origin path (`/x`), else `fallback`: used where only our own pages may be targets. */
export function toSameOriginPath(value: unknown, fallback: string): string {
  const href = toSafeHref(value);
  return href?.startsWith('/') ? href : fallback;
}

/** `url` without the `name` query parameter; relative URLs stay relative. */
export function removeQueryParam(url: string, name: string): string {
  try {
    const parsed = new URL(url, 'http://placeholder.invalid');
    parsed.searchParams.delete(name);
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return parsed.toString();
    return `${parsed.pathname}${parsed.search}${parsed.hash}`;
  } catch {
    return url;
  }
}
