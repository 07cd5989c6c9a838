/**
 * @module emulator/params
 * Strict `application/x-www-form-urlencoded` parsing for query strings and form bodies. Unlike `URLSearchParams` it
 * notices what RingCentral rejects: repeated keys (`OAU-111` on OAuth endpoints) and invalid percent-encoding.
 * It never throws: problems are recorded on the result for the handler to answer with a clear 400.
 *
 * @see https://url.spec.whatwg.org/#urlencoded-parsing
 */

/** Marker set on a parse result when some key or value had invalid percent-encoding. */
export const BAD_ENCODING: unique symbol = Symbol('bad-encoding');

/** Parsed parameters: a single string, or every value in order when a key repeats. */
export type Params = Record<string, string | string[]> & { [BAD_ENCODING]?: true };

/** At most this many pairs are read (the rest is ignored); bounds work on hostile input. */
const MAX_PAIRS = 1000;

function decode(s: string): string | undefined {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return undefined;
  }
}

/** Parses `a=1&b=2&b=3` into `{ a: '1', b: ['2', '3'] }` (null prototype, so `__proto__` is just a key). */
export function parseParams(input: string): Params {
  const out = Object.create(null) as Params;
  if (input.length === 0) return out;
  let pairs = 0;
  let start = 0;
  while (start <= input.length && pairs < MAX_PAIRS) {
    let end = input.indexOf('&', start);
    if (end === -1) end = input.length;
    if (end > start) {
      pairs += 1;
      const part = input.slice(start, end);
      const eq = part.indexOf('=');
      const rawKey = eq === -1 ? part : part.slice(0, eq);
      const rawValue = eq === -1 ? '' : part.slice(eq + 1);
      const key = decode(rawKey);
      const value = decode(rawValue);
      if (key === undefined || value === undefined) {
        out[BAD_ENCODING] = true;
      } else if (key.length > 0) {
        const prev = out[key];
        if (prev === undefined) out[key] = value;
        else if (Array.isArray(prev)) prev.push(value);
        else out[key] = [prev, value];
      }
    }
    start = end + 1;
  }
  return out;
}

/** Whether parsing met invalid percent-encoding. */
export function hasBadEncoding(params: unknown): boolean {
  return typeof params === 'object' && params !== null && BAD_ENCODING in params;
}

/** All values of `key` in order (empty list when absent). */
export function allValues(params: Params, key: string): string[] {
  const v = params[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * The single value of `key`, treating an empty value as absent (the SDK sends `key=` for unset options).
 * Returns `{ duplicate: true }` when the key carries more than one non-empty value.
 */
export function singleValue(params: Params, key: string): { value?: string; duplicate: boolean } {
  const values = allValues(params, key).filter((v) => v !== '');
  if (values.length > 1) return { duplicate: true };
  return values[0] === undefined ? { duplicate: false } : { value: values[0], duplicate: false };
}

/** Keys that carry more than one non-empty value, except the allowed repeatable ones. */
export function duplicatedKeys(params: Params, repeatable: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const key of Object.keys(params)) {
    if (repeatable.has(key)) continue;
    const v = params[key];
    if (Array.isArray(v) && v.filter((x) => x !== '').length > 1) out.push(key);
  }
  return out;
}
