/**
 * @module web/views/call-log-explorer
 * The explorer around a call-log table, as the templates print it: the filter form with its current values
 * (`call-log-filters.eta`), the calls-per-day chart (`call-log-chart.eta`, laid out by `call-chart.ts`) and the CSV
 * export (`call-log-export.eta`). Every link stays on this site: presets, Reset and the export are same-origin
 * paths or are left out.
 */
import { dateTimeFormat } from '../intl-formats.js';
import { toChartView, type ChartView } from './call-chart.js';
import { toSameOriginPath } from './format.js';
import type { CallLogExplorerModel } from './models.js';

/** One `<option>`. */
export interface OptionView {
  readonly value: string;
  readonly label: string;
  readonly selected: boolean;
}

/** What the explorer templates print. */
export interface ExplorerView {
  readonly filters: {
    readonly api: string;
    /** `YYYY-MM-DD` or `''` (what `<input type="date">` accepts). */
    readonly dateFrom: string;
    readonly dateTo: string;
    readonly directionOptions: readonly OptionView[];
    readonly typeOptions: readonly OptionView[];
    readonly viewOptions: readonly OptionView[];
    readonly perPageOptions: readonly OptionView[];
    readonly timeZone: string;
    readonly rangeText: string;
    readonly presets: readonly { readonly label: string; readonly href: string; readonly current: boolean }[];
    readonly resetHref: string;
  };
  readonly chart?: ChartView;
  readonly chartNote: string;
  /** A page from the user's copy of the call log: `as of 14:05:09` in the page's time zone, and Refresh. */
  readonly freshness?: { readonly asOfText: string; readonly asOfIso: string; readonly refreshHref: string };
  readonly export?: {
    readonly href: string;
    readonly total?: number;
    /** e.g. `3,026 calls`. */
    readonly totalText: string;
    /** e.g. `4 RingCentral requests`, or `your copy of the call log, no RingCentral request`. */
    readonly requestsText: string;
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PAGE_SIZES = [25, 50, 100, 250, 500, 1000];

/** Options of a `<select>`, the one equal to `current` selected. */
function optionsOf(current: string, options: readonly (readonly [value: string, label: string])[]): OptionView[] {
  return options.map(([value, label]) => ({ value, label, selected: current === value }));
}

/** The explorer parts of a call-log page (see module doc). */
export function toExplorerView(model: CallLogExplorerModel, number: Intl.NumberFormat): ExplorerView {
  const { filters } = model;
  const perPage = filters.perPage ?? 0;
  // A page size from the address that is not in the list is offered too, so the form shows what the page uses.
  const sizes = perPage > 0 && !PAGE_SIZES.includes(perPage) ? [...PAGE_SIZES, perPage] : PAGE_SIZES;
  const exportHref = model.export ? toSameOriginPath(model.export.href, '') : '';
  const { total, requests } = model.export ?? {};
  const plural = (n: number, word: string): string => `${number.format(n)} ${word}${n === 1 ? '' : 's'}`;
  return {
    filters: {
      api: filters.api,
      dateFrom: DATE.test(filters.dateFrom) ? filters.dateFrom : '',
      dateTo: DATE.test(filters.dateTo) ? filters.dateTo : '',
      directionOptions: optionsOf(filters.direction, [
        ['', 'Any'],
        ['Inbound', 'Inbound'],
        ['Outbound', 'Outbound'],
      ]),
      typeOptions: optionsOf(filters.type, [
        ['', 'Any'],
        ['Voice', 'Voice'],
        ['Fax', 'Fax'],
      ]),
      viewOptions: optionsOf(filters.view || 'Simple', [
        ['Simple', 'Simple'],
        ['Detailed', 'Detailed (with call legs)'],
      ]),
      perPageOptions: [
        { value: '', label: 'RingCentral default (100)', selected: perPage === 0 },
        ...[...sizes]
          .sort((a, b) => a - b)
          .map((size) => ({ value: String(size), label: number.format(size), selected: size === perPage })),
      ],
      timeZone: filters.timeZone || 'UTC',
      rangeText: filters.rangeText,
      presets: filters.presets
        .map((preset) => ({ ...preset, href: toSameOriginPath(preset.href, '') }))
        .filter((preset) => preset.label !== '' && preset.href !== ''),
      resetHref: toSameOriginPath(filters.resetHref, `/test?api=${filters.api}`),
    },
    chart: toChartView(model.chart, (n) => number.format(n)),
    chartNote: model.chartNote ?? '',
    freshness: freshnessOf(model, filters.timeZone || 'UTC'),
    export:
      exportHref === ''
        ? undefined
        : {
            href: exportHref,
            total,
            totalText: total === undefined ? '' : plural(total, 'call'),
            requestsText:
              requests === undefined
                ? ''
                : requests === 0
                  ? 'your copy of the call log, no RingCentral request'
                  : plural(requests, 'RingCentral request'),
          },
  };
}

/** The "as of" line of a page served from the user's copy, in the page's time zone (UTC if the zone is unknown). */
function freshnessOf(model: CallLogExplorerModel, timeZone: string): ExplorerView['freshness'] {
  const { freshness } = model;
  if (freshness === undefined) return undefined;
  const refreshHref = toSameOriginPath(freshness.refreshHref, '');
  if (refreshHref === '') return undefined;
  const at = new Date(freshness.asOf);
  const format = (zone: string): string =>
    dateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(at);
  let asOfText: string;
  try {
    asOfText = format(timeZone);
  } catch {
    asOfText = format('UTC');
  }
  return { asOfText, asOfIso: at.toISOString(), refreshHref };
}
