/**
 * @module web/views/view-kit
 * What every page module shares: the compiled templates, the number and date formatters, the page chrome builder,
 * the asset base and the app name. Built once by `createViews`; page modules receive it as their second argument.
 */
import type { Eta } from 'eta/core';
import { toChromeView, type ChromeOptions, type ChromeView } from './chrome.js';
import { createDateFormatter, type DateFormatter } from './format.js';
import type { Chrome } from './models.js';

/** The data every page template gets; each page adds its own fields. */
export interface PageData {
  readonly chrome: ChromeView;
  /** `<title>`. */
  readonly pageTitle: string;
  /** `page-<pageClass>` on `<body>`. */
  readonly pageClass: string;
}

/** The shared tools of the page modules (see module doc). */
export interface ViewKit {
  /** Product name in titles, header and footer. */
  readonly appName: string;
  /** URL prefix of the static assets, ending in `/`. */
  readonly assetBase: string;
  /** The stylesheet's URL (also linked by the fallback page). */
  readonly css: string;
  /** Formats counts for display, e.g. `1,234`. */
  readonly number: Intl.NumberFormat;
  readonly dates: DateFormatter;
  /** The views' clock (ms since epoch). */
  now(): number;
  /** The page chrome of `model`, with what the page adds (scripts, current navigation entry). */
  chrome(model: Chrome, options?: ChromeOptions): ChromeView;
  /** Renders `templates/<template>.eta` with `data`; throws on a template error (`createViews` catches it). */
  render<T extends PageData>(template: string, data: T): string;
}

/** Settings of {@link createViewKit}, defaults already applied. */
export interface ViewKitSettings {
  readonly appName: string;
  readonly assetBase: string;
  readonly now: () => number;
  readonly locale: string;
  readonly timeZone: string;
  readonly rateLimitWarnRatio: number;
}

/** Builds the kit around compiled templates (`templates.ts`). */
export function createViewKit(eta: Eta, settings: ViewKitSettings): ViewKit {
  const assetBase = settings.assetBase.replace(/\/?$/, '/');
  const number = new Intl.NumberFormat(settings.locale);
  const dates = createDateFormatter({
    locale: settings.locale,
    defaultTimeZone: settings.timeZone,
    now: settings.now,
  });
  const chromeSettings = {
    appName: settings.appName,
    assetBase,
    rateLimitWarnRatio: settings.rateLimitWarnRatio,
    number,
    dates,
  };
  return {
    appName: settings.appName,
    assetBase,
    css: `${assetBase}app.css`,
    number,
    dates,
    now: settings.now,
    chrome: (model, options) => toChromeView(chromeSettings, model, options),
    render: (template, data) => eta.render(`@${template}`, data),
  };
}
