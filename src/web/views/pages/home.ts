/**
 * @module web/views/pages/home
 * The home page when logged in: one card per RingCentral API of the quick start (label, description, the request
 * it makes, a JSON link) and when the login expires.
 */
import { apiPage } from '../../api-pages.js';
import { toSafeHref } from '../format.js';
import type { HomePageModel } from '../models.js';
import { splitPath, withFormatJson } from '../request-text.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `home.eta` prints. */
export interface HomeView extends PageData {
  readonly apis: readonly {
    readonly label: string;
    readonly description: string;
    readonly href: string;
    readonly jsonHref: string;
    /** The request line in pieces, each ending at a `/` (see `request-text.ts`). */
    readonly requestParts: readonly string[];
  }[];
  readonly expiry?: { readonly iso: string; readonly text: string; readonly relative: string; readonly past: boolean };
}

/** Renders the home page. */
export function renderHome(model: HomePageModel, kit: ViewKit): string {
  const expiresAt = model.sessionExpiresAt;
  return kit.render<HomeView>('home', {
    chrome: kit.chrome(model, { home: true }),
    pageTitle: `Call RingCentral APIs · ${kit.appName}`,
    pageClass: 'home',
    apis: model.apis.map((entry) => {
      const page = apiPage(entry.api);
      const href = toSafeHref(entry.href) ?? page.href;
      return {
        label: entry.label || page.label,
        description: entry.description,
        href,
        jsonHref: withFormatJson(href),
        requestParts: splitPath(page.request),
      };
    }),
    expiry:
      expiresAt === undefined || !Number.isFinite(expiresAt)
        ? undefined
        : {
            iso: new Date(expiresAt).toISOString(),
            text: kit.dates.formatDateTime(expiresAt, undefined, false),
            relative: kit.dates.formatRelative(expiresAt),
            past: expiresAt <= kit.now(),
          },
  });
}
