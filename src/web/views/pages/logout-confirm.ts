/**
 * @module web/views/pages/logout-confirm
 * "Log out of rc-authflow?": shown for a `GET /logout` that came from another site, so a link elsewhere cannot log
 * the user out; the form POSTs with the session's anti-CSRF token.
 */
import type { LogoutConfirmPageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `logout-confirm.eta` prints. */
export interface LogoutConfirmView extends PageData {
  readonly csrf: string;
}

/** Renders the logout confirmation. */
export function renderLogoutConfirm(model: LogoutConfirmPageModel, kit: ViewKit): string {
  return kit.render<LogoutConfirmView>('logout-confirm', {
    chrome: kit.chrome(model),
    pageTitle: `Log out · ${kit.appName}`,
    pageClass: 'logout-confirm',
    csrf: model.csrf,
  });
}
