/**
 * @module web/pages
 * Small helpers shared by the route handlers: the page chrome from a session, sending HTML, and the error page
 * model for an {@link AppError}.
 */
import type { FastifyReply } from 'fastify';
import { fixForError } from '../rc-api/error-fixes.js';
import type { ExplainContext } from '../rc-api/error-explanations.js';
import { ERROR_CATALOG, type AppError } from '../errors.js';
import type { Session } from '../session/session-manager.js';
import type { Chrome, ErrorPageModel } from './views/models.js';

/**
 * Header data for a page: the logged-in user, until when the RingCentral login is valid (the refresh token's
 * expiry) and the logout form's CSRF token.
 */
export function chromeFor(session: Session | undefined, extra: Partial<Chrome> = {}): Chrome {
  const tokens = session?.data.tokens;
  if (session === undefined || tokens === undefined) return { ...extra };
  const user = session.data.user ?? {};
  return {
    user: {
      ...(user.name === undefined ? {} : { name: user.name }),
      ...(user.extensionNumber === undefined ? {} : { extensionNumber: user.extensionNumber }),
    },
    csrf: session.data.csrf,
    ...(tokens.refreshExpiresAt === undefined ? {} : { sessionExpiresAt: tokens.refreshExpiresAt }),
    ...extra,
  };
}

/** Sends an HTML page. */
export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/**
 * The error page model of an app error (message is safe to show: see `errors.ts`), with the fix of its RingCentral
 * cause when one is known (a refused login, a missing permission).
 */
export function errorPageModel(error: AppError, session: Session | undefined, fixes: ExplainContext): ErrorPageModel {
  const entry = ERROR_CATALOG[error.code];
  const fix = fixForError(error.code, error.message, fixes);
  const loginActions = error.status === 400 || error.status === 401 ? [{ href: '/login', label: 'Log in again' }] : [];
  return {
    ...chromeFor(session),
    status: error.status,
    title: entry.title,
    message: error.message,
    code: error.code,
    ...(fix === undefined ? {} : { fix }),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    actions:
      session?.data.tokens === undefined
        ? [...loginActions, { href: '/', label: 'Back to the start page' }]
        : [{ href: '/', label: 'Back to the start page' }],
  };
}
