/**
 * @module metrics/cell-histogram
 * A Prometheus histogram whose hot path is a few numbers: each label set gets a {@link HistogramCell} once, callers
 * keep it and call `observe(value)` (a bucket search and three additions: no label hashing, no allocation). It is
 * registered on a prom-client `Registry` like any family and its exposition is the one prom-client's `Histogram`
 * writes for the same observations (test: "the exposition is the one prom-client writes for the same
 * observations", test/unit/metrics/cell-histogram.test.ts). prom-client's own `histogram.observe(labels, value)`
 * re-validates and re-hashes the labels on every call, and every request observes one or two histograms.
 * @see https://github.com/siimon/prom-client#histogram
 */
import { validateMetricName, type Aggregator, type Metric, type Registry } from 'prom-client';

/** One label set of a {@link CellHistogram}. */
export interface HistogramCell {
  /** Records one observation. Throws on a value that is not a finite number. */
  observe(value: number): void;
}

class Cell implements HistogramCell {
  /** Observations per bucket (not cumulative); the last slot counts the values above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** Options of {@link CellHistogram}. */
export interface CellHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, ascending, finite. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
}

/** A value as prom-client's registry formats it: `labels` first, then `sharedLabels`. */
interface ExposedValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
  /** Always empty (no exemplars); present as prom-client's values have it. */
  readonly exemplar: null | undefined;
}

/** Prometheus label names (prom-client checks the same pattern but does not export its check). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A histogram family whose label sets are handed out as cells. */
export class CellHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator: Aggregator = 'sum';
  readonly #cells = new Map<string, Cell>();
  readonly #labelNames: readonly L[];
  readonly #bounds: readonly number[];

  constructor(options: CellHistogramOptions<L>) {
    if (!validateMetricName(options.name)) throw new Error(`Invalid metric name: ${options.name}`);
    for (const label of options.labelNames) {
      if (!LABEL_NAME.test(label) || label === 'le') throw new Error(`Invalid label name: ${label}`);
    }
    options.buckets.forEach((bound, i) => {
      if (!Number.isFinite(bound) || (i > 0 && bound <= (options.buckets[i - 1] as number))) {
        throw new Error(`${options.name}: buckets must be finite and ascending`);
      }
    });
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = Object.freeze([...options.labelNames]);
    this.#bounds = Object.freeze([...options.buckets]);
    options.registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The cell of one label set, created on first use (and shown with zero counts from then on). Look cells up once
   * and keep them: this call builds a key string.
   */
  cell(labels: Readonly<Record<L, string>>): HistogramCell {
    const key = this.#labelNames.map((name) => labels[name]).join('\u0000');
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      const copy: Record<string, string> = {};
      for (const name of this.#labelNames) {
        const value = labels[name];
        if (typeof value !== 'string') throw new Error(`${this.name}: label "${name}" has no value`);
        copy[name] = value;
      }
      cell = new Cell(Object.freeze(copy), this.#bounds);
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** Sets every cell back to zero (prom-client's `registry.resetMetrics()`); cells handed out keep counting. */
  reset(): void {
    for (const cell of this.#cells.values()) cell.clear();
  }

  /** The family as the registry formats it (`registry.metrics()` asks for this). */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: Aggregator;
    values: ExposedValue[];
  }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.#values(),
    });
  }

  /** The family as prom-client's `registry.getMetricsAsJSON()` gives it (labels merged). */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: Aggregator;
    values: {
      labels: Record<string, string | number>;
      value: number;
      metricName: string;
      exemplar: null | undefined;
    }[];
  }> {
    const family = await this.getForPromString();
    return {
      ...family,
      values: family.values.map(({ labels, sharedLabels, value, metricName, exemplar }) => ({
        value,
        metricName,
        exemplar,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  #values(): ExposedValue[] {
    const bucketName = `${this.name}_bucket`;
    const values: ExposedValue[] = [];
    for (const cell of this.#cells.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += cell.counts[i] as number;
        values.push({
          labels: { le: bound },
          sharedLabels: cell.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      const shared = cell.labels;
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: shared, value: cell.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: shared, value: cell.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: shared, value: cell.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return values;
  }
}
