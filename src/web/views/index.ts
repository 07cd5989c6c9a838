/**
 * @module web/views
 * Server-rendered pages. Templates (`templates/*.eta`) are compiled once by {@link createViews}; eta escapes every
 * `<%= %>` interpolation, and the only raw output (`<%~ %>`) is HTML the templates built themselves. Page data is
 * prepared here, in typed code, so templates only print strings; RingCentral bodies are read defensively and a
 * view never throws.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta/core';
import { API_PAGES as API_CATALOG, findApi } from '../api-pages.js';
import { toChartView } from './call-chart.js';
import { toCallLogRows } from './call-log-rows.js';
import type { ErrorSummary } from './error-summary.js';
import { toErrorSummary } from './error-summary.js';
import { toExtensionRows } from './extension-rows.js';
import { renderFallbackPage } from './fallback-page.js';
import { asRecord, createDateFormatter, removeQueryParam, toSafeHref, toSameOriginPath, toText } from './format.js';
import type {
  ApiName,
  ApiResultPageModel,
  CallLogExplorerModel,
  Chrome,
  ErrorPageModel,
  HomePageModel,
  LoginPageModel,
  LogoutConfirmPageModel,
  PagingLinks,
  PopupDonePageModel,
  ReadinessPageModel,
  Views,
} from './models.js';

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

interface NoticeView {
  readonly kind: 'info' | 'warning' | 'error';
  readonly text: string;
}

interface ChromeView {
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

interface PageData {
  readonly chrome: ChromeView;
  readonly pageTitle: string;
  readonly pageClass: string;
}

interface PagingView {
  readonly first?: string;
  readonly previous?: string;
  readonly next?: string;
  readonly last?: string;
  readonly position: string;
  readonly total: string;
}

const TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

/**
 * Compiles the templates and returns the {@link Views} the route handlers render pages with. Call once at start.
 * Throws only here (a missing or broken template); rendering itself never throws.
 */
export function createViews(options: ViewsOptions = {}): Views {
  const appName = options.appName ?? 'rc-authflow';
  const assetBase = (options.assetBase ?? '/assets/').replace(/\/?$/, '/');
  const warnRatio = options.rateLimitWarnRatio ?? 0.2;
  const number = new Intl.NumberFormat(options.locale ?? 'en-US');
  const dates = createDateFormatter({
    locale: options.locale ?? 'en-US',
    defaultTimeZone: options.timeZone ?? 'UTC',
    now: options.now ?? Date.now,
  });
  const eta = compileTemplates(options.templatesDir ?? TEMPLATES_DIR);
  const css = `${assetBase}app.css`;

  function chrome(
    model: Chrome,
    extra: { scripts?: readonly string[]; currentApi?: ApiName; home?: boolean; bare?: boolean } = {},
  ): ChromeView {
    const notices: NoticeView[] = [];
    if (model.notice && toText(model.notice.text)) {
      const kind = model.notice.kind === 'warning' || model.notice.kind === 'error' ? model.notice.kind : 'info';
      notices.push({ kind, text: toText(model.notice.text) });
    }
    const limit = model.rateLimit;
    if (limit && Number.isFinite(limit.remaining) && Number.isFinite(limit.limit) && limit.limit > 0) {
      if (limit.remaining <= Math.max(1, Math.floor(limit.limit * warnRatio))) {
        const window = Number.isFinite(limit.windowSeconds) ? ` per ${number.format(limit.windowSeconds)} s` : '';
        notices.push({
          kind: 'warning',
          text:
            `RingCentral rate limit is running low: ${number.format(Math.max(0, limit.remaining))} of ` +
            `${number.format(limit.limit)} "${toText(limit.group)}" requests left${window}.`,
        });
      }
    }
    const expiresAt = model.sessionExpiresAt;
    const user = model.user
      ? {
          name: toText(model.user.name) || 'Signed in',
          extension: toText(model.user.extensionNumber) ? `Ext. ${toText(model.user.extensionNumber)}` : '',
          initials: initialsOf(toText(model.user.name)),
          ...(typeof expiresAt === 'number' && Number.isFinite(expiresAt)
            ? {
                expiry: {
                  iso: new Date(expiresAt).toISOString(),
                  text: dates.formatDateTime(expiresAt, undefined, false),
                },
              }
            : {}),
        }
      : undefined;
    return {
      appName,
      user,
      csrf: typeof model.csrf === 'string' && model.csrf !== '' ? model.csrf : undefined,
      notices,
      nav: user
        ? API_CATALOG.map((entry) => ({
            href: entry.href,
            label: entry.navLabel,
            current: entry.api === extra.currentApi,
          }))
        : [],
      homeCurrent: extra.home ?? false,
      css,
      icon: `${assetBase}favicon.svg`,
      scripts: (extra.scripts ?? []).map((name) => `${assetBase}${name}`),
      bare: extra.bare ?? false,
    };
  }

  function page(name: string, data: PageData & Record<string, unknown>): string {
    try {
      return eta.render(`@${name}`, data);
    } catch {
      // A template bug must not turn into a 500 with a stack trace: show a plain page instead.
      return renderFallbackPage({ css });
    }
  }

  function safely(build: () => string): string {
    try {
      return build();
    } catch {
      // Preparing page data from an unexpected model failed: same last resort as a template failure.
      return renderFallbackPage({ css });
    }
  }

  return {
    login(model: LoginPageModel): string {
      return safely(() => {
        const popupUrl = toSameOriginPath(model.popupLoginUrl, '/login?popup=1');
        return page('login', {
          chrome: chrome(model, { scripts: ['login.js'] }),
          pageTitle: 'RingCentral Authorization Code Flow Authentication',
          pageClass: 'login',
          authorizeUrl: toSafeHref(model.authorizeUrl) ?? '/',
          popupLoginUrl: popupUrl,
          popupFallbackUrl: removeQueryParam(popupUrl, 'popup'),
          serverLabel: toText(model.serverLabel) || 'RingCentral',
          demoUsers: listOf(model.demoUsers).map((item) => {
            const user = asRecord(item);
            return { username: toText(user?.username), password: toText(user?.password), note: toText(user?.note) };
          }),
        });
      });
    },

    home(model: HomePageModel): string {
      return safely(() => {
        const expiresAt = model.sessionExpiresAt;
        const hasExpiry = typeof expiresAt === 'number' && Number.isFinite(expiresAt);
        const apis = listOf(model.apis).map((item) => {
          const entry = asRecord(item);
          const known = findApi(entry?.api);
          const href = toSafeHref(entry?.href) ?? known?.href ?? '/';
          return {
            label: toText(entry?.label) || known?.label || '',
            description: toText(entry?.description),
            href,
            jsonHref: withFormatJson(href),
            requestParts: splitPath(known?.request ?? ''),
          };
        });
        return page('home', {
          chrome: chrome(model, { home: true }),
          pageTitle: `Call RingCentral APIs · ${appName}`,
          pageClass: 'home',
          apis,
          expiry: hasExpiry
            ? {
                iso: new Date(expiresAt).toISOString(),
                text: dates.formatDateTime(expiresAt, undefined, false),
                relative: dates.formatRelative(expiresAt),
                past: expiresAt <= (options.now ?? Date.now)(),
              }
            : undefined,
        });
      });
    },

    apiResult(model: ApiResultPageModel): string {
      return safely(() => {
        const known = findApi(model.api);
        const status = Number.isInteger(model.status) ? model.status : 0;
        const ok = status >= 200 && status < 300;
        const title = toText(model.title) || known?.label || 'RingCentral API result';
        let table: Record<string, unknown> | undefined;
        let error: ErrorSummary | undefined;
        if (ok && model.api === 'extension') {
          const rows = toExtensionRows(model.body);
          if (rows) table = { kind: 'extension', rows };
        } else if (ok && (model.api === 'extension-call-log' || model.api === 'account-call-log')) {
          const rows = toCallLogRows(
            model.body,
            dates,
            typeof model.timeZone === 'string' ? model.timeZone : undefined,
          );
          if (rows) table = { kind: 'call-log', rows, showExtension: model.api === 'account-call-log' };
        } else if (!ok) {
          error = toErrorSummary(model.body);
        }
        const rowCount = table ? (table.rows as unknown[]).length : 0;
        const explorer = table?.kind === 'call-log' ? explorerOf(model.explorer, model.api) : undefined;
        return page('api-result', {
          chrome: chrome(model, { currentApi: known?.api, scripts: explorer?.export ? ['export.js'] : [] }),
          explorer,
          pageTitle: `${title} · ${appName}`,
          pageClass: 'api-result',
          title,
          requestParts: splitPath(toText(model.request) || known?.request || ''),
          status: status || 'unknown',
          statusText: STATUS_CODES[status] ?? '',
          statusClass: ok ? 'ok' : status >= 500 || status === 0 ? 'fail' : 'warn',
          ok,
          table,
          tableCaption: table ? captionOf(model.api, rowCount, model.body, model.paging) : '',
          emptyText:
            model.api === 'extension'
              ? 'No extensions on this page.'
              : 'No calls on this page. RingCentral returns the last 24 hours of calls unless a date range is given.',
          error,
          paging: table ? pagingOf(model.paging, model.body) : undefined,
          rawJson: rawJsonOf(model.rawJson, model.body),
          jsonHref: toSafeHref(model.jsonHref),
        });
      });
    },

    error(model: ErrorPageModel): string {
      return safely(() => {
        const status = Number.isInteger(model.status) ? model.status : 500;
        const retry = model.retryAfterSeconds;
        const actions = listOf(model.actions)
          .map((item) => ({ href: toSafeHref(asRecord(item)?.href), label: toText(asRecord(item)?.label) }))
          .filter((a): a is { href: string; label: string } => a.href !== undefined && a.label !== '');
        return page('error', {
          chrome: chrome(model),
          pageTitle: `${toText(model.title) || 'Error'} · ${appName}`,
          pageClass: 'error',
          status,
          statusText: STATUS_CODES[status] ?? '',
          title: toText(model.title) || STATUS_CODES[status] || 'Something went wrong',
          message: toText(model.message),
          code: toText(model.code),
          fix: toText(model.fix),
          retryAfter:
            typeof retry === 'number' && Number.isFinite(retry) && retry >= 0
              ? { seconds: Math.ceil(retry), text: number.format(Math.ceil(retry)) }
              : undefined,
          actions: actions.length > 0 ? actions : [{ href: '/', label: 'Back to home' }],
        });
      });
    },

    logoutConfirm(model: LogoutConfirmPageModel): string {
      return safely(() =>
        page('logout-confirm', {
          chrome: chrome(model),
          pageTitle: `Log out · ${appName}`,
          pageClass: 'logout-confirm',
          csrf: toText(model.csrf),
        }),
      );
    },

    popupDone(model: PopupDonePageModel): string {
      return safely(() => {
        const ok = model.ok === true;
        return page('popup-done', {
          chrome: chrome(model, { scripts: ['popup-done.js'], bare: true }),
          pageTitle: `${ok ? 'Login complete' : 'Login did not complete'} · ${appName}`,
          pageClass: 'popup-done',
          ok,
          message:
            toText(model.message) ||
            (ok ? 'You are logged in. This window closes by itself.' : 'The login did not complete.'),
          next: toSameOriginPath(model.next, '/'),
        });
      });
    },

    readiness(model: ReadinessPageModel): string {
      return safely(() => {
        const report = model.report;
        const count = (value: unknown): string => number.format(typeof value === 'number' ? value : 0);
        const names = (value: readonly unknown[] | undefined): string =>
          listOf(value).map(toText).filter(Boolean).join(', ') || 'none';
        const since = Date.parse(toText(report.since));
        return page('readiness', {
          chrome: chrome(model),
          pageTitle: `Production readiness · ${appName}`,
          pageClass: 'readiness',
          ready: report.ready === true,
          sinceIso: Number.isFinite(since) ? new Date(since).toISOString() : '',
          sinceText: Number.isFinite(since) ? dates.formatDateTime(since, undefined, false) : 'the start',
          criteria: listOf(report.criteria).map((item) => {
            const c = asRecord(item);
            return { id: toText(c?.id), ok: c?.ok === true, text: toText(c?.text), detail: toText(c?.detail) };
          }),
          endpoints: listOf(report.endpoints).map((item) => {
            const e = asRecord(item);
            const share = typeof e?.clientErrorShare === 'number' ? e.clientErrorShare : 0;
            return {
              operationId: toText(e?.operationId),
              method: toText(e?.method),
              path: toText(e?.path),
              group: toText(e?.group),
              calls: count(e?.calls),
              success: count(e?.success),
              clientErrors: count(e?.clientErrors),
              rateLimited: count(e?.rateLimited),
              serverErrors: count(e?.serverErrors),
              noAnswer: count(e?.noAnswer),
              share: `${(Math.round(share * 1000) / 10).toString()}%`,
              passes: e?.passes === true,
            };
          }),
          oauth: {
            tokenCalls: count(report.oauth.tokenCalls),
            refreshes: count(report.oauth.refreshes),
            refreshFailures: count(report.oauth.refreshFailures),
            revocations: count(report.oauth.revocations),
          },
          permissions: {
            requested: names(report.permissions.requested),
            used: names(report.permissions.used),
            unused: names(report.permissions.unused),
          },
        });
      });
    },
  };

  /** The explorer parts of a call-log page, every value checked (links same-origin only). */
  function explorerOf(model: CallLogExplorerModel | undefined, api: ApiName): Record<string, unknown> | undefined {
    const source = asRecord(model);
    const filters = asRecord(source?.filters);
    if (!source || !filters) return undefined;
    const selected = (value: unknown, options: readonly (readonly [string, string])[]) =>
      options.map(([optionValue, label]) => ({ value: optionValue, label, selected: toText(value) === optionValue }));
    const perPage = typeof filters.perPage === 'number' && Number.isInteger(filters.perPage) ? filters.perPage : 0;
    const sizes = [25, 50, 100, 250, 500, 1000];
    if (perPage > 0 && !sizes.includes(perPage)) sizes.push(perPage);
    const exportModel = asRecord(source.export);
    const exportHref = toSameOriginPath(exportModel?.href, '');
    const total = numberOrUndefined(exportModel?.total);
    const requests = numberOrUndefined(exportModel?.requests);
    return {
      filters: {
        api: findApi(filters.api)?.api ?? api,
        dateFrom: /^\d{4}-\d{2}-\d{2}$/.test(toText(filters.dateFrom)) ? toText(filters.dateFrom) : '',
        dateTo: /^\d{4}-\d{2}-\d{2}$/.test(toText(filters.dateTo)) ? toText(filters.dateTo) : '',
        directionOptions: selected(filters.direction, [
          ['', 'Any'],
          ['Inbound', 'Inbound'],
          ['Outbound', 'Outbound'],
        ]),
        typeOptions: selected(filters.type, [
          ['', 'Any'],
          ['Voice', 'Voice'],
          ['Fax', 'Fax'],
        ]),
        viewOptions: selected(toText(filters.view) || 'Simple', [
          ['Simple', 'Simple'],
          ['Detailed', 'Detailed (with call legs)'],
        ]),
        perPageOptions: [
          { value: '', label: 'RingCentral default (100)', selected: perPage === 0 },
          ...sizes
            .sort((a, b) => a - b)
            .map((size) => ({ value: String(size), label: number.format(size), selected: size === perPage })),
        ],
        timeZone: toText(filters.timeZone) || 'UTC',
        rangeText: toText(filters.rangeText),
        presets: listOf(filters.presets as readonly unknown[] | undefined)
          .map((item) => asRecord(item))
          .map((preset) => ({
            label: toText(preset?.label),
            href: toSameOriginPath(preset?.href, ''),
            current: preset?.current === true,
          }))
          .filter((preset) => preset.label !== '' && preset.href !== ''),
        resetHref: toSameOriginPath(filters.resetHref, `/test?api=${api}`),
      },
      chart: toChartView(source.chart as CallLogExplorerModel['chart'], (n) => number.format(n)),
      chartNote: toText(source.chartNote),
      export:
        exportHref === ''
          ? undefined
          : {
              href: exportHref,
              total,
              totalText: total === undefined ? '' : `${number.format(total)} call${total === 1 ? '' : 's'}`,
              requestsText:
                requests === undefined
                  ? ''
                  : `${number.format(requests)} RingCentral request${requests === 1 ? '' : 's'}`,
            },
    };
  }

  function captionOf(api: ApiName, rowCount: number, body: unknown, paging: PagingLinks | undefined): string {
    const what = api === 'extension' ? 'extensions' : 'calls';
    const bodyPaging = asRecord(asRecord(body)?.paging);
    const start = bodyPaging?.pageStart;
    const end = bodyPaging?.pageEnd;
    const total = paging?.totalElements ?? bodyPaging?.totalElements;
    const ofTotal = typeof total === 'number' && Number.isFinite(total) ? ` of ${number.format(total)}` : '';
    if (rowCount > 0 && typeof start === 'number' && typeof end === 'number' && end >= start) {
      return `${capitalize(what)} ${number.format(start + 1)}–${number.format(end + 1)}${ofTotal}`;
    }
    return `${number.format(rowCount)} ${rowCount === 1 ? what.replace(/s$/, '') : what}${ofTotal}`;
  }

  function pagingOf(paging: PagingLinks | undefined, body: unknown): PagingView | undefined {
    const bodyPaging = asRecord(asRecord(body)?.paging);
    const pageNo = paging?.page ?? numberOrUndefined(bodyPaging?.page);
    const totalPages = paging?.totalPages ?? numberOrUndefined(bodyPaging?.totalPages);
    const totalElements = paging?.totalElements ?? numberOrUndefined(bodyPaging?.totalElements);
    // "First" on the first page and "Last" on the last page would only reload the page: show them disabled.
    const onFirst = pageNo === 1;
    const onLast = pageNo !== undefined && totalPages !== undefined && pageNo >= totalPages;
    const view: PagingView = {
      first: onFirst ? undefined : toSafeHref(paging?.first),
      previous: toSafeHref(paging?.previous),
      next: toSafeHref(paging?.next),
      last: onLast ? undefined : toSafeHref(paging?.last),
      position:
        pageNo !== undefined
          ? totalPages !== undefined
            ? `Page ${number.format(pageNo)} of ${number.format(totalPages)}`
            : `Page ${number.format(pageNo)}`
          : '',
      total: totalElements !== undefined ? `${number.format(totalElements)} in total` : '',
    };
    const anyLink = view.first ?? view.previous ?? view.next ?? view.last;
    return anyLink || view.position || view.total ? view : undefined;
  }
}

function compileTemplates(dir: string): Eta {
  const eta = new Eta({ autoEscape: true, cache: true, rmWhitespace: true, varName: 'it' });
  const files = readdirSync(dir).filter((name) => name.endsWith('.eta'));
  if (files.length === 0) throw new Error(`no templates found in "${dir}"`);
  for (const file of files) {
    eta.loadTemplate(`@${basename(file, '.eta')}`, readFileSync(join(dir, file), 'utf8'));
  }
  return eta;
}

function rawJsonOf(rawJson: unknown, body: unknown): string {
  if (typeof rawJson === 'string' && rawJson !== '') return rawJson;
  try {
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2) ?? '';
  } catch {
    return toText(body);
  }
}

/** Splits a request line after each `/`, so the template can offer line breaks (`<wbr>`) only there. */
function splitPath(request: string): string[] {
  return request === '' ? [] : request.split(/(?<=\/)/);
}

function withFormatJson(href: string): string {
  return href.startsWith('/') ? `${href}${href.includes('?') ? '&' : '?'}format=json` : href;
}

/** `value` if it really is an array (models come from other code; a view must not trust their shape). */
function listOf<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [];
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function initialsOf(name: string): string {
  const letters = name
    .split(/\s+/)
    .map((word) => /\p{L}/u.exec(word)?.[0] ?? '')
    .filter(Boolean);
  return (letters.length > 1 ? `${letters[0]}${letters[letters.length - 1]}` : (letters[0] ?? '?')).toUpperCase();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
