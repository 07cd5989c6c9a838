/**
 * @module web/views/call-chart
 * Lays out the calls-per-day chart as numbers for an SVG template: one stacked bar per day (inbound below,
 * outbound above) with the missed calls hatched over the bottom of the bar, a y axis with round ticks, and a date
 * under every few bars. Accessible by construction: the SVG is one named image with a text summary, and the same
 * counts go into a data table. Each day carries its counts in `data-*` attributes for scripts and tests.
 * The model is typed (the explorer builds it); days whose `date` is not `YYYY-MM-DD` are left out, and a count that
 * is not a non-negative integer counts as 0, so no bar gets a NaN or negative height.
 */
import { dateTimeFormat } from '../intl-formats.js';
import type { CallChartModel } from './models.js';

/** Geometry of the drawing area (SVG user units). */
const WIDTH = 760;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 40 } as const;
const MAX_BAR = 44;
const MAX_DAYS = 400;
const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

/** One day, with its counts and its bar pieces. */
export interface ChartDayView {
  readonly date: string;
  /** e.g. `Nov 5, 2026`. */
  readonly label: string;
  readonly inbound: number;
  readonly outbound: number;
  readonly missed: number;
  readonly total: number;
  /** Hover text and table row text. */
  readonly summary: string;
  readonly x: number;
  readonly width: number;
  readonly inboundBar: { readonly y: number; readonly height: number };
  readonly outboundBar: { readonly y: number; readonly height: number };
  readonly missedBar: { readonly y: number; readonly height: number };
}

/** The whole chart, ready to print. */
export interface ChartView {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly description: string;
  readonly timeZone: string;
  readonly sourceText: string;
  readonly days: readonly ChartDayView[];
  readonly yTicks: readonly { readonly y: number; readonly label: string }[];
  readonly xLabels: readonly { readonly x: number; readonly y: number; readonly label: string }[];
  readonly plot: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  readonly totals: {
    readonly inbound: number;
    readonly outbound: number;
    readonly missed: number;
    readonly all: number;
  };
}

function count(value: number): number {
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The smallest 1, 2 or 5 × 10ⁿ at least `raw`. */
function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

/**
 * Lays out `model` (see module doc); `undefined` when it has no usable days.
 * @param format formats a number for display (the views' locale)
 */
export function toChartView(model: CallChartModel | undefined, format: (n: number) => string): ChartView | undefined {
  if (model === undefined) return undefined;
  const days = model.days
    .slice(0, MAX_DAYS)
    .filter((day) => DAY_KEY.test(day.date))
    .map((day) => ({
      date: day.date,
      inbound: count(day.inbound),
      outbound: count(day.outbound),
      missed: count(day.missed),
    }));
  if (days.length === 0) return undefined;
  const timeZone = model.timeZone || 'UTC';
  const dateLabel = dateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' });
  const longLabel = dateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'medium' });
  const labelOf = (date: string, long: boolean): string => {
    const ms = Date.parse(`${date}T00:00:00Z`);
    return Number.isFinite(ms) ? (long ? longLabel : dateLabel).format(ms) : date;
  };

  const max = Math.max(...days.map((d) => d.inbound + d.outbound));
  const step = niceStep(Math.max(1, max) / 4);
  const top = Math.max(step * Math.ceil(Math.max(1, max) / step), step);
  const plot = { left: PAD.left, right: WIDTH - PAD.right, top: PAD.top, bottom: HEIGHT - PAD.bottom };
  const plotHeight = plot.bottom - plot.top;
  const slot = (plot.right - plot.left) / days.length;
  const barWidth = Math.max(1, Math.min(MAX_BAR, slot * 0.72));
  const scale = (n: number): number => (n / top) * plotHeight;

  const totals = { inbound: 0, outbound: 0, missed: 0, all: 0 };
  const views: ChartDayView[] = days.map((day, i) => {
    const total = day.inbound + day.outbound;
    totals.inbound += day.inbound;
    totals.outbound += day.outbound;
    totals.missed += day.missed;
    totals.all += total;
    const x = plot.left + i * slot + (slot - barWidth) / 2;
    const inboundHeight = scale(day.inbound);
    const outboundHeight = scale(day.outbound);
    const missedHeight = scale(Math.min(day.missed, total));
    const label = labelOf(day.date, true);
    const missedText = day.missed > 0 ? ` (${format(day.missed)} missed)` : '';
    return {
      ...day,
      label,
      total,
      summary: `${label}: ${format(total)} call${total === 1 ? '' : 's'}, ${format(day.inbound)} inbound, ${format(day.outbound)} outbound${missedText}`,
      x: round(x),
      width: round(barWidth),
      inboundBar: { y: round(plot.bottom - inboundHeight), height: round(inboundHeight) },
      outboundBar: { y: round(plot.bottom - inboundHeight - outboundHeight), height: round(outboundHeight) },
      missedBar: { y: round(plot.bottom - missedHeight), height: round(missedHeight) },
    };
  });

  const yTicks: { y: number; label: string }[] = [];
  for (let value = 0; value <= top && yTicks.length <= 10; value += step) {
    yTicks.push({ y: round(plot.bottom - scale(value)), label: format(value) });
  }
  const every = Math.max(1, Math.ceil(days.length / 10));
  const xLabels = views
    .filter((_, i) => i % every === 0)
    .map((day) => ({
      x: round(day.x + day.width / 2),
      y: HEIGHT - 8,
      label: labelOf(day.date, false),
    }));
  const busiest = views.reduce((best, day) => (day.total > best.total ? day : best), views[0]!);
  const first = views[0]!;
  const last = views[views.length - 1]!;
  const span = first.date === last.date ? first.label : `${first.label} to ${last.label}`;
  const description =
    `${format(totals.all)} call${totals.all === 1 ? '' : 's'} from ${span} (${timeZone}): ` +
    `${format(totals.inbound)} inbound, ${format(totals.outbound)} outbound, ${format(totals.missed)} missed.` +
    (totals.all > 0 ? ` The busiest day was ${busiest.label} with ${format(busiest.total)}.` : '');

  return {
    width: WIDTH,
    height: HEIGHT,
    title: `Calls per day, ${span}`,
    description,
    timeZone,
    sourceText: model.sourceText ?? '',
    days: views,
    yTicks,
    xLabels,
    plot,
    totals,
  };
}
