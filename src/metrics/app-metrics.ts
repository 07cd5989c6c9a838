/**
 * @module metrics/app-metrics
 * `createAppMetrics()`: one prom-client `Registry` per app instance with every metric family the app reports.
 * No global default registry: `server.ts` creates one and passes it to `createApp` (tests get their own per app).
 * Label values are bounded: routes are Fastify route patterns, never raw URLs; groups and outcomes are fixed sets.
 *
 * | Metric | Labels | Meaning |
 * | --- | --- | --- |
 * | `http_requests_total` | `route`, `method`, `status` | responses sent |
 * | `http_request_duration_seconds` | `route`, `method` | time from request to response (histogram) |
 * | `session_store_operation_duration_seconds` | `store`, `op` | session store calls (histogram, failures too) |
 * | `session_store_errors_total` | `store`, `op` | session store calls that failed |
 * | `token_refreshes_total` | `outcome` | `ok`/`failed`: refreshes sent to RingCentral; `coalesced`: a request that used another's refresh |
 * | `ringcentral_requests_total` | `group`, `status` | calls to RingCentral by rate-limit group and HTTP status (`error`: no answer) |
 * | `ringcentral_rate_limited_total` | `group` | RingCentral 429 answers by rate-limit group |
 * @see https://prometheus.io/docs/practices/naming/
 * @see https://prometheus.io/docs/practices/instrumentation/#do-not-overuse-labels
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CellCounter, type CounterCell } from './cell-counter.js';
import { CellHistogram } from './cell-histogram.js';

/** What a request that needed a refresh got: its own refresh (`ok`/`failed`) or another request's (`coalesced`). */
export type RefreshOutcome = 'ok' | 'failed' | 'coalesced';

/** RingCentral's API rate-limit groups, plus `unknown` for an answer that names none. */
import { RATE_LIMIT_GROUPS } from '../rc-api/operations.js';

export { RATE_LIMIT_GROUPS };

/** Session store operations (the methods of `SessionStore`). */
export const STORE_OPERATIONS = ['get', 'set', 'destroy', 'touch', 'ping', 'close'] as const;
export type StoreOperation = (typeof STORE_OPERATIONS)[number];

/** Request latencies from 1 ms (the app's own cost) to 10 s (the upstream timeout). */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Store calls from 0.1 ms (memory, local Redis) to the 2 s Redis command timeout. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Options of {@link createAppMetrics}. */
export interface AppMetricsOptions {
  /**
   * Also collect prom-client's process metrics (CPU, memory, event-loop lag, GC, ...). They describe the process,
   * not the app, and install process-wide observers that are never removed: turn on once per process (server.ts).
   * Default false.
   */
  readonly processMetrics?: boolean;
}

/** The metric families of one app instance. */
export interface AppMetrics {
  readonly registry: Registry;
  readonly httpRequests: CellCounter<'route' | 'method' | 'status'>;
  readonly httpDuration: CellHistogram<'route' | 'method'>;
  readonly storeDuration: CellHistogram<'store' | 'op'>;
  readonly storeErrors: CellCounter<'store' | 'op'>;
  readonly refreshes: Readonly<Record<RefreshOutcome, CounterCell>>;
  readonly ringCentralRequests: CellCounter<'group' | 'status'>;
  readonly ringCentralRateLimited: CellCounter<'group'>;
}

/** Creates a registry with every family registered; counters with fixed label sets start at 0. */
export function createAppMetrics(options: AppMetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });

  const refreshCounter = new CellCounter({
    name: 'token_refreshes_total',
    help: 'Requests that needed a new access token: ok/failed = refreshed at RingCentral, coalesced = used the result of a refresh made by another request or instance.',
    labelNames: ['outcome'],
    registry,
  });
  const ringCentralRateLimited = new CellCounter({
    name: 'ringcentral_rate_limited_total',
    help: 'RingCentral answers with HTTP 429 (rate limit reached), by API rate-limit group.',
    labelNames: ['group'],
    registry,
  });
  for (const group of RATE_LIMIT_GROUPS) ringCentralRateLimited.cell({ group });

  return {
    registry,
    httpRequests: new CellCounter({
      name: 'http_requests_total',
      help: 'HTTP responses sent, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registry,
    }),
    httpDuration: new CellHistogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: HTTP_BUCKETS,
      registry,
    }),
    storeDuration: new CellHistogram({
      name: 'session_store_operation_duration_seconds',
      help: 'Duration of session store operations (failed ones included), by store kind and operation.',
      labelNames: ['store', 'op'],
      buckets: STORE_BUCKETS,
      registry,
    }),
    storeErrors: new CellCounter({
      name: 'session_store_errors_total',
      help: 'Session store operations that failed (e.g. Redis unreachable), by store kind and operation.',
      labelNames: ['store', 'op'],
      registry,
    }),
    refreshes: {
      ok: refreshCounter.cell({ outcome: 'ok' }),
      failed: refreshCounter.cell({ outcome: 'failed' }),
      coalesced: refreshCounter.cell({ outcome: 'coalesced' }),
    },
    ringCentralRequests: new CellCounter({
      name: 'ringcentral_requests_total',
      help: 'Calls to RingCentral (REST and OAuth), by API rate-limit group and HTTP status ("error" = no answer).',
      labelNames: ['group', 'status'],
      registry,
    }),
    ringCentralRateLimited,
  };
}

/** The text exposition of every metric, and its content type. */
export async function renderMetrics(metrics: AppMetrics): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
