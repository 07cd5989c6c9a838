/**
 * @module web/views/request-text
 * How pages print a RingCentral request line and link its JSON form.
 */

/** Splits a request line after each `/`, so the template can offer line breaks (`<wbr>`) only there. */
export function splitPath(request: string): string[] {
  return request === '' ? [] : request.split(/(?<=\/)/);
}

/** `href` with `format=json` added, for a same-origin path; other links are returned as they are. */
export function withFormatJson(href: string): string {
  return href.startsWith('/') ? `${href}${href.includes('?') ? '&' : '?'}format=json` : href;
}
