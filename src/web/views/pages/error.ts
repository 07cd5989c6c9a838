/**
 * @module web/views/pages/error
 * The error page: HTTP status, a title, the plain-text message, how to fix it when known, the stable error code,
 * how long to wait after a rate limit, and links onwards (only safe links; "Back to home" when none is left).
 */
import { STATUS_CODES } from 'node:http';
import { toSafeHref } from '../format.js';
import type { ErrorPageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `error.eta` prints. */
export interface ErrorView extends PageData {
  readonly status: number;
  readonly statusText: string;
  readonly title: string;
  readonly message: string;
  readonly code: string;
  readonly fix: string;
  readonly retryAfter?: { readonly seconds: number; readonly text: string };
  /** At least one; the first is the primary button. */
  readonly actions: readonly { readonly href: string; readonly label: string }[];
}

const HOME_ACTION = { href: '/', label: 'Back to home' } as const;

/** Renders the error page. */
export function renderError(model: ErrorPageModel, kit: ViewKit): string {
  const { status, retryAfterSeconds: retry } = model;
  const actions = (model.actions ?? []).flatMap((action) => {
    // Actions may carry a URL from elsewhere (a RingCentral link, a return path): print only safe ones.
    const href = toSafeHref(action.href);
    return href !== undefined && action.label !== '' ? [{ href, label: action.label }] : [];
  });
  const seconds = retry !== undefined && Number.isFinite(retry) && retry >= 0 ? Math.ceil(retry) : undefined;
  return kit.render<ErrorView>('error', {
    chrome: kit.chrome(model),
    pageTitle: `${model.title || 'Error'} · ${kit.appName}`,
    pageClass: 'error',
    status,
    statusText: STATUS_CODES[status] ?? '',
    title: model.title || STATUS_CODES[status] || 'Something went wrong',
    message: model.message,
    code: model.code ?? '',
    fix: model.fix ?? '',
    retryAfter: seconds === undefined ? undefined : { seconds, text: kit.number.format(seconds) },
    actions: actions.length > 0 ? actions : [HOME_ACTION],
  });
}
