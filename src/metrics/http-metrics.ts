/**
 * @module metrics/http-metrics
 * Counts and times every response by route pattern (Fastify's `routeOptions.url`, e.g. `/test`, never the raw
 * URL with its query), method and status. Requests no route matched share one `unmatched` label, and methods
 * outside the usual set share `OTHER`, so no client can create new time series. The duration is Fastify's own
 * `reply.elapsedTime` (no extra clock reads); label cells are looked up in maps, nothing is allocated per request.
 */
import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from './app-metrics.js';
import type { CounterCell } from './cell-counter.js';
import type { HistogramCell } from './cell-histogram.js';

/** The `route` label of requests that matched no route (404s). */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

class RouteCells {
  readonly #statuses = new Map<number, CounterCell>();
  readonly #labels: Readonly<{ route: string; method: string }>;
  readonly #metrics: AppMetrics;
  readonly #duration: HistogramCell;

  constructor(metrics: AppMetrics, route: string, method: string) {
    this.#metrics = metrics;
    this.#labels = Object.freeze({ route, method });
    this.#duration = metrics.httpDuration.cell(this.#labels);
  }

  record(status: number, seconds: number): void {
    let cell = this.#statuses.get(status);
    if (cell === undefined) {
      cell = this.#metrics.httpRequests.cell({ ...this.#labels, status: String(status) });
      this.#statuses.set(status, cell);
    }
    cell.inc();
    this.#duration.observe(seconds);
  }
}

/** Adds the `onResponse` hook that records every response of `app` in `metrics`. */
export function installHttpMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  const routes = new Map<string, Map<string, RouteCells>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    let byMethod = routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      routes.set(route, byMethod);
    }
    let cells = byMethod.get(method);
    if (cells === undefined) {
      cells = new RouteCells(metrics, route, method);
      byMethod.set(method, cells);
    }
    cells.record(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
