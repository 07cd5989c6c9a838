/**
 * @module web/views
 * Server-rendered pages. {@link createViews} compiles the templates (`templates/*.eta`) once and wires one module
 * per page (`pages/*.ts`) into the {@link Views} the route handlers call.
 *
 * A page module exports `render<Page>(model: <Page>PageModel, kit: ViewKit): string`: it turns its typed model
 * (`models.ts`) into the data its template prints, and the template only prints strings. eta escapes every
 * `<%= %>`; links that may come from outside go through `toSafeHref` / `toSameOriginPath` (`format.ts`).
 * RingCentral's bodies (`body: unknown`) are read defensively by their own modules (`extension-rows.ts`,
 * `call-log-rows.ts`, `error-summary.ts`, `result-paging.ts`); the models themselves are trusted as typed.
 * A view never throws: any failure, in a page module or in a template, gives the plain fallback page.
 *
 * Adding a page:
 * 1. `models.ts`: the page's model (`XPageModel extends Chrome`) and its entry in the {@link Views} interface;
 * 2. `pages/x.ts`: `renderX(model: XPageModel, kit: ViewKit): string`, calling `kit.render('x', data)`;
 * 3. `templates/x.eta`: starting with `<% layout('@layout') %>`;
 * 4. here: one line in {@link createViews}, `x: page(renderX)`.
 * `test/unit/views/page-modules.test.ts` keeps every page to this shape.
 */
import { renderFallbackPage } from './fallback-page.js';
import type { Views } from './models.js';
import { renderApiResult } from './pages/api-result.js';
import { renderContacts } from './pages/contacts.js';
import { renderError } from './pages/error.js';
import { renderHome } from './pages/home.js';
import { renderLogin } from './pages/login.js';
import { renderLogoutConfirm } from './pages/logout-confirm.js';
import { renderPopupDone } from './pages/popup-done.js';
import { renderProfile } from './pages/profile.js';
import { renderReadiness } from './pages/readiness.js';
import { compileTemplates, TEMPLATES_DIR } from './templates.js';
import { createViewKit, type ViewKit } from './view-kit.js';

export type * from './models.js';

/** Options of {@link createViews}; every one has a default. */
export interface ViewsOptions {
  /** Product name in titles, header and footer. Default `rc-authflow`. */
  readonly appName?: string;
  /** Directory of the `.eta` templates. Default: `templates/` beside this module. */
  readonly templatesDir?: string;
  /** URL prefix the static assets are served under. Default `/assets/`. */
  readonly assetBase?: string;
  /** Clock for "your login expires in …". Default `Date.now`. */
  readonly now?: () => number;
  /** BCP 47 locale for dates and numbers. Default `en-US`. */
  readonly locale?: string;
  /** IANA zone for times when a model names none. Default `UTC`. */
  readonly timeZone?: string;
  /** Share of the rate-limit budget at or below which the header warns. Default `0.2`. */
  readonly rateLimitWarnRatio?: number;
}

/**
 * Compiles the templates and returns the {@link Views} the route handlers render pages with. Call once at start.
 * Throws only here (a missing or broken template); rendering itself never throws.
 */
export function createViews(options: ViewsOptions = {}): Views {
  const kit = createViewKit(compileTemplates(options.templatesDir ?? TEMPLATES_DIR), {
    appName: options.appName ?? 'rc-authflow',
    assetBase: options.assetBase ?? '/assets/',
    now: options.now ?? Date.now,
    locale: options.locale ?? 'en-US',
    timeZone: options.timeZone ?? 'UTC',
    rateLimitWarnRatio: options.rateLimitWarnRatio ?? 0.2,
  });

  /** One page of {@link Views}: its module, behind the last resort. */
  function page<M>(render: (model: M, kit: ViewKit) => string): (model: M) => string {
    return (model) => {
      try {
        return render(model, kit);
      } catch {
        // A template bug, or a model that is not what its type says: a plain page, never a 500 with a stack trace.
        return renderFallbackPage({ css: kit.css });
      }
    };
  }

  return {
    login: page(renderLogin),
    home: page(renderHome),
    apiResult: page(renderApiResult),
    error: page(renderError),
    logoutConfirm: page(renderLogoutConfirm),
    popupDone: page(renderPopupDone),
    readiness: page(renderReadiness),
    profile: page(renderProfile),
    contacts: page(renderContacts),
  };
}
