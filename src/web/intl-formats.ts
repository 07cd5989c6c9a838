/**
 * @module web/intl-formats
 * The `Intl.DateTimeFormat`s of the pages, made once and shared by every request. Making one is expensive in a
 * way no V8 figure shows: ~170 µs of CPU, and ~27 KB of ICU memory outside the V8 heap (a copy of the locale's
 * date pattern generator) that only a garbage collection gives back. The V8 heap does not grow with it, so
 * nothing prompts that collection: made per request, they took the app's RSS to ~350 MiB under the soak
 * (docs/reliability.md). A format is immutable, so one per (locale, options) serves everyone.
 * @see https://tc39.es/ecma402/#sec-datetimeformat-abstracts
 */

import { createTtlCache } from './explorer/ttl-cache.js';

/** Distinct formats kept; the least recently used goes first (time zones come from user input). */
const MAX_FORMATS = 256;

// The one module-level cache of the app: a memo of immutable values keyed by everything that makes them, so it
// gives every caller the same answer as making its own would. A format never expires, only the bound drops one.
const formats = createTtlCache<Intl.DateTimeFormat>({ now: () => 0, ttlMs: Infinity, maxEntries: MAX_FORMATS });

/** How many formats are kept now (tests). */
export function cachedFormatCount(): number {
  return formats.size;
}

/**
 * `new Intl.DateTimeFormat(locale, options)`, made once per (locale, options) and then shared. Give `options` as a
 * literal with its keys in a fixed order: the key is its JSON.
 * @throws {RangeError} an unknown time zone or locale, as the constructor does (nothing is kept then)
 */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  const known = formats.get(key);
  if (known !== undefined) return known;
  const made = new Intl.DateTimeFormat(locale, options);
  formats.set(key, made);
  return made;
}
