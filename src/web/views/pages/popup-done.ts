/**
 * @module web/views/pages/popup-done
 * The last page of a popup login: `popup-done.js` reads the result from data attributes, tells the opener and
 * closes the popup; the Continue link does the same job without an opener or without JavaScript.
 */
import { toSameOriginPath } from '../format.js';
import type { PopupDonePageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `popup-done.eta` prints. */
export interface PopupDoneView extends PageData {
  readonly ok: boolean;
  readonly message: string;
  /** Same-origin path the opener goes to: the script posts it to the opener, so it must never leave the site. */
  readonly next: string;
}

/** Renders the popup login's last page. */
export function renderPopupDone(model: PopupDonePageModel, kit: ViewKit): string {
  const { ok } = model;
  return kit.render<PopupDoneView>('popup-done', {
    chrome: kit.chrome(model, { scripts: ['popup-done.js'], bare: true }),
    pageTitle: `${ok ? 'Login complete' : 'Login did not complete'} · ${kit.appName}`,
    pageClass: 'popup-done',
    ok,
    message: model.message || (ok ? 'You are logged in. This window closes by itself.' : 'The login did not complete.'),
    next: toSameOriginPath(model.next, '/'),
  });
}
