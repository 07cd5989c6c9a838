/**
 * @module web/views/pages/login
 * The login page (`GET /` when logged out): the quick start's "Login RingCentral Account" link, the popup login,
 * and the demo accounts when the app runs against the built-in emulator.
 */
import { removeQueryParam, toSafeHref, toSameOriginPath } from '../format.js';
import type { LoginPageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `login.eta` prints. */
export interface LoginView extends PageData {
  /** The RingCentral authorize URL; `/` if it is not a safe link. */
  readonly authorizeUrl: string;
  /** Same-origin URL the popup script opens. */
  readonly popupLoginUrl: string;
  /** The same without `popup`: the link's own target, a full-page login that works without JavaScript. */
  readonly popupFallbackUrl: string;
  readonly serverLabel: string;
  readonly demoUsers: readonly { readonly username: string; readonly password: string; readonly note: string }[];
}

/** Renders the login page. */
export function renderLogin(model: LoginPageModel, kit: ViewKit): string {
  const popupLoginUrl = toSameOriginPath(model.popupLoginUrl, '/login?popup=1');
  return kit.render<LoginView>('login', {
    chrome: kit.chrome(model, { scripts: ['login.js'] }),
    pageTitle: 'RingCentral Authorization Code Flow Authentication',
    pageClass: 'login',
    authorizeUrl: toSafeHref(model.authorizeUrl) ?? '/',
    popupLoginUrl,
    popupFallbackUrl: removeQueryParam(popupLoginUrl, 'popup'),
    serverLabel: model.serverLabel || 'RingCentral',
    demoUsers: (model.demoUsers ?? []).map((user) => ({
      username: user.username,
      password: user.password,
      note: user.note ?? '',
    })),
  });
}
