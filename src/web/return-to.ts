/**
 * @module web/return-to
 * Where to go after login: only a path on this app's own origin, so the parameter cannot be turned into an
 * open redirect (`//evil.example`, `/\evil.example`, `https://evil.example`, encoded variants).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
 */

const MAX_LENGTH = 512;
const FORBIDDEN_PREFIXES = ['/login', '/logout'];

function hasControlOrBackslash(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/**
 * The normalized same-origin path (path + query) for `value`, or `undefined` when it is not one.
 * @param callbackPath the OAuth callback path, which is never a place to return to
 */
export function toSafeReturnPath(value: string | undefined, callbackPath: string): string | undefined {
  if (value === undefined || value === '' || value.length > MAX_LENGTH) return undefined;
  // Only plain absolute paths; no scheme-relative, backslash or control-character tricks.
  if (!value.startsWith('/') || value.startsWith('//') || hasControlOrBackslash(value)) return undefined;
  // The same checks on the percent-decoded form, so `/%5Cevil.example` or `/%2F/evil` are refused too.
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  if (decoded.startsWith('//') || hasControlOrBackslash(decoded)) return undefined;
  const base = 'http://app.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base) return undefined;
  const path = url.pathname;
  if (
    path.startsWith('//') ||
    path === callbackPath ||
    FORBIDDEN_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
  ) {
    return undefined;
  }
  return `${path}${url.search}`;
}
