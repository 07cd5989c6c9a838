/**
 * @module web/negotiate
 * JSON or HTML? `?format=json|html` decides; otherwise the `Accept` header: HTML only when it names `text/html`
 * (or XHTML) at least as strongly as `application/json`. So browsers get pages, and `Accept: application/json`,
 * `*` `/` `*` or no `Accept` at all (curl, fetch) get JSON.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
import type { FastifyRequest } from 'fastify';
import { RecencyMap } from '../recency-map.js';

function qualityOf(accept: string, types: readonly string[]): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType?.trim().toLowerCase();
    if (type === undefined || !types.includes(type)) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      }
    }
    best = Math.max(best, q);
  }
  return best;
}

/** True when the client prefers JSON (see module doc). */
export function prefersJson(accept: string | undefined, format: string | undefined): boolean {
  if (format === 'json') return true;
  if (format === 'html') return false;
  if (accept === undefined || accept === '') return true;
  // A client sends the same Accept on every request: its answer is worked out once (bounded, short values only).
  const known = ACCEPT_ANSWERS.get(accept);
  if (known !== undefined) return known;
  const answer = acceptPrefersJson(accept);
  if (accept.length <= MAX_REMEMBERED_ACCEPT) ACCEPT_ANSWERS.set(accept, answer);
  return answer;
}

const MAX_REMEMBERED_ACCEPTS = 256;
const MAX_REMEMBERED_ACCEPT = 512;
const ACCEPT_ANSWERS = new RecencyMap<boolean>(MAX_REMEMBERED_ACCEPTS);

function acceptPrefersJson(accept: string): boolean {
  const html = qualityOf(accept, ['text/html', 'application/xhtml+xml']);
  if (html === 0) return true;
  return qualityOf(accept, ['application/json']) > html;
}

/** {@link prefersJson} for a request; a malformed `format` counts as absent. */
export function wantsJson(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  const format = query?.format;
  return prefersJson(request.headers.accept, typeof format === 'string' ? format : undefined);
}

/** Paths under it are the app's JSON API: every answer, errors included, is JSON whatever `Accept` says. */
export const API_PATH_PREFIX = '/api/';

/** True for a request to the JSON API (see {@link API_PATH_PREFIX}). */
export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith(API_PATH_PREFIX);
}
