/**
 * @module web/views/pages/api-result
 * A RingCentral API result (`/test?api=…` in a browser): the request and RingCentral's status, then the body as a
 * table (extension list or call log, with paging), or RingCentral's error explained, and the raw JSON. Call logs
 * get the explorer (filters, chart, CSV export) around the table. The model is typed; `body` is RingCentral's JSON
 * and is read defensively by `extension-rows.ts`, `call-log-rows.ts`, `error-summary.ts` and `result-paging.ts`.
 */
import { STATUS_CODES } from 'node:http';
import { apiPage } from '../../api-pages.js';
import { toCallLogRows, type CallLogRow } from '../call-log-rows.js';
import { toExplorerView, type ExplorerView } from '../call-log-explorer.js';
import { toErrorSummary, type ErrorSummary } from '../error-summary.js';
import { toExtensionRows, type ExtensionRow } from '../extension-rows.js';
import { toSafeHref, toText } from '../format.js';
import type { ApiResultPageModel } from '../models.js';
import { splitPath } from '../request-text.js';
import { toPagingView, toTableCaption, type PagingView } from '../result-paging.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** The result table; `kind` names its template (`<kind>-table.eta`). */
export type ResultTable =
  | { readonly kind: 'extension'; readonly rows: readonly ExtensionRow[] }
  | { readonly kind: 'call-log'; readonly rows: readonly CallLogRow[]; readonly showExtension: boolean };

/** What `api-result.eta` and its includes print. */
export interface ApiResultView extends PageData {
  readonly title: string;
  readonly requestParts: readonly string[];
  /** RingCentral's status, or `unknown` when there was none. */
  readonly status: number | 'unknown';
  readonly statusText: string;
  readonly statusClass: 'ok' | 'warn' | 'fail';
  readonly ok: boolean;
  /** Set when a 2xx body has the records array of its API. */
  readonly table?: ResultTable;
  readonly tableCaption: string;
  readonly emptyText: string;
  readonly paging?: PagingView;
  readonly explorer?: ExplorerView;
  /** Set for a non-2xx answer whose body says why. */
  readonly error?: ErrorSummary;
  readonly rawJson: string;
  readonly jsonHref?: string;
}

/** Renders an API result page. */
export function renderApiResult(model: ApiResultPageModel, kit: ViewKit): string {
  const page = apiPage(model.api);
  const { status } = model;
  const ok = status >= 200 && status < 300;
  const title = model.title || page.label;
  const table = ok ? tableOf(model, kit) : undefined;
  const explorer =
    table?.kind === 'call-log' && model.explorer ? toExplorerView(model.explorer, kit.number) : undefined;
  return kit.render<ApiResultView>('api-result', {
    chrome: kit.chrome(model, { currentApi: page.api, scripts: explorer?.export ? ['export.js'] : [] }),
    pageTitle: `${title} · ${kit.appName}`,
    pageClass: 'api-result',
    title,
    requestParts: splitPath(model.request || page.request),
    status: status || 'unknown',
    statusText: STATUS_CODES[status] ?? '',
    statusClass: ok ? 'ok' : status >= 500 || status === 0 ? 'fail' : 'warn',
    ok,
    table,
    tableCaption: table
      ? toTableCaption(
          table.kind === 'extension' ? 'extensions' : 'calls',
          table.rows.length,
          model.body,
          model.paging,
          kit.number,
        )
      : '',
    emptyText:
      model.api === 'extension'
        ? 'No extensions on this page.'
        : 'No calls on this page. RingCentral returns the last 24 hours of calls unless a date range is given.',
    paging: table ? toPagingView(model.paging, model.body, kit.number) : undefined,
    explorer,
    error: ok ? undefined : toErrorSummary(model.body),
    rawJson: model.rawJson || stringify(model.body),
    jsonHref: toSafeHref(model.jsonHref),
  });
}

/** The table of a 2xx body, when it has one. */
function tableOf(model: ApiResultPageModel, kit: ViewKit): ResultTable | undefined {
  if (model.api === 'extension') {
    const rows = toExtensionRows(model.body);
    return rows && { kind: 'extension', rows };
  }
  const rows = toCallLogRows(model.body, kit.dates, model.timeZone);
  return rows && { kind: 'call-log', rows, showExtension: model.api === 'account-call-log' };
}

/** The body as indented JSON, for when the route passed no raw text (bigints as strings; a cycle gives scalar text). */
function stringify(body: unknown): string {
  try {
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2) ?? '';
  } catch {
    return toText(body);
  }
}
