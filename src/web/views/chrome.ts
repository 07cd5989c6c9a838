/**
 * @module web/views/chrome
 * The page chrome every page shares: the header (brand, the navigation, the user and the Logout form), the
 * notices at the top of `<main>` (a one-shot message, a low rate-limit budget) and the assets the layout links.
 */
import { API_PAGES, APP_PAGES, type AppPageName } from '../api-pages.js';
import type { DateFormatter } from './format.js';
import type { ApiName, Chrome } from './models.js';

/** A notice at the top of the page; errors are announced as alerts, the rest as status. */
export interface NoticeView {
  readonly kind: 'info' | 'warning' | 'error';
  readonly text: string;
}

/** What `layout.eta`, `header.eta`, `notices.eta` and `footer.eta` print. */
export interface ChromeView {
  readonly appName: string;
  readonly user?: {
    readonly name: string;
    readonly extension: string;
    readonly initials: string;
    /** When the login expires (ISO and readable), if known. */
    readonly expiry?: { readonly iso: string; readonly text: string };
  };
  readonly csrf?: string;
  readonly notices: readonly NoticeView[];
  readonly nav: readonly { readonly href: string; readonly label: string; readonly current: boolean }[];
  readonly homeCurrent: boolean;
  readonly css: string;
  readonly icon: string;
  readonly scripts: readonly string[];
  /** Popup pages show no navigation or logout, only the content. */
  readonly bare: boolean;
}

/** What a page adds to its chrome. */
export interface ChromeOptions {
  /** Scripts under the asset base, e.g. `login.js`. */
  readonly scripts?: readonly string[];
  /** The API page shown, marked current in the navigation. */
  readonly currentApi?: ApiName;
  /** The app page shown (e.g. Contacts), marked current in the navigation. */
  readonly currentPage?: AppPageName;
  /** The home page: the brand link is marked current. */
  readonly home?: boolean;
  /** No header: the page is shown in a popup window. */
  readonly bare?: boolean;
}

/** What the chrome builder needs from the views' settings. */
export interface ChromeSettings {
  readonly appName: string;
  readonly assetBase: string;
  /** Share of the rate-limit budget at or below which the chrome warns. */
  readonly rateLimitWarnRatio: number;
  readonly number: Intl.NumberFormat;
  readonly dates: DateFormatter;
}

/** Builds the chrome of a page from its model's {@link Chrome} part. */
export function toChromeView(settings: ChromeSettings, model: Chrome, options: ChromeOptions = {}): ChromeView {
  const { number, dates, assetBase } = settings;
  const notices: NoticeView[] = [];
  if (model.notice && model.notice.text !== '') notices.push({ kind: model.notice.kind, text: model.notice.text });
  const limit = model.rateLimit;
  if (
    limit &&
    limit.limit > 0 &&
    limit.remaining <= Math.max(1, Math.floor(limit.limit * settings.rateLimitWarnRatio))
  ) {
    notices.push({
      kind: 'warning',
      text:
        `RingCentral rate limit is running low: ${number.format(Math.max(0, limit.remaining))} of ` +
        `${number.format(limit.limit)} "${limit.group}" requests left per ${number.format(limit.windowSeconds)} s.`,
    });
  }
  const expiresAt = model.sessionExpiresAt;
  const user = model.user && {
    name: model.user.name || 'Signed in',
    extension: model.user.extensionNumber ? `Ext. ${model.user.extensionNumber}` : '',
    initials: initialsOf(model.user.name ?? ''),
    // A number, but one that `Date` can hold: NaN would make toISOString() throw and cost the whole page.
    ...(expiresAt === undefined || !Number.isFinite(expiresAt)
      ? {}
      : {
          expiry: { iso: new Date(expiresAt).toISOString(), text: dates.formatDateTime(expiresAt, undefined, false) },
        }),
  };
  return {
    appName: settings.appName,
    user,
    csrf: model.csrf || undefined,
    notices,
    nav: user
      ? [
          ...API_PAGES.map((entry) => ({
            href: entry.href,
            label: entry.navLabel,
            current: entry.api === options.currentApi,
          })),
          ...APP_PAGES.map((entry) => ({
            href: entry.href,
            label: entry.navLabel,
            current: entry.name === options.currentPage,
          })),
        ]
      : [],
    homeCurrent: options.home ?? false,
    css: `${assetBase}app.css`,
    icon: `${assetBase}favicon.svg`,
    scripts: (options.scripts ?? []).map((name) => `${assetBase}${name}`),
    bare: options.bare ?? false,
  };
}

/** First letters of the first and last word, e.g. `AS` for Alice Smith; `?` without letters. */
function initialsOf(name: string): string {
  const letters = name
    .split(/\s+/)
    .map((word) => /\p{L}/u.exec(word)?.[0] ?? '')
    .filter(Boolean);
  return (letters.length > 1 ? `${letters[0]}${letters[letters.length - 1]}` : (letters[0] ?? '?')).toUpperCase();
}
