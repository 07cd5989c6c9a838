/**
 * @module session/measured-store
 * A `SessionStore` decorator that times every operation and counts the failed ones, for any store (memory,
 * embedded, Redis), without touching the stores themselves. Only the port's methods are exposed.
 */
import { STORE_OPERATIONS, type AppMetrics, type StoreOperation } from '../metrics/app-metrics.js';
import type { CounterCell } from '../metrics/cell-counter.js';
import type { HistogramCell } from '../metrics/cell-histogram.js';
import type { SessionStore } from './store.js';

interface OperationCells {
  readonly duration: HistogramCell;
  readonly errors: CounterCell;
}

/** Wraps `store` so that each call is measured in `metrics`. */
export function measureSessionStore(store: SessionStore, metrics: AppMetrics): SessionStore {
  const cells = {} as Record<StoreOperation, OperationCells>;
  for (const op of STORE_OPERATIONS) {
    const labels = Object.freeze({ store: store.kind, op });
    cells[op] = { duration: metrics.storeDuration.cell(labels), errors: metrics.storeErrors.cell(labels) };
  }

  // An async function also turns a synchronous throw of the store into a counted rejection.
  async function measure<T>(op: StoreOperation, call: () => Promise<T>): Promise<T> {
    const { duration, errors } = cells[op];
    const started = performance.now();
    try {
      return await call();
    } catch (err) {
      errors.inc();
      throw err;
    } finally {
      duration.observe((performance.now() - started) / 1000);
    }
  }

  return {
    kind: store.kind,
    ...(store.changes === undefined ? {} : { changes: store.changes }),
    get: (id) => measure('get', () => store.get(id)),
    set: (id, session) => measure('set', () => store.set(id, session)),
    setIfVersion: (id, session, expectedVersion) =>
      measure('set', () => store.setIfVersion(id, session, expectedVersion)),
    destroy: (id) => measure('destroy', () => store.destroy(id)),
    touch: (id, lastSeenAt, expiresAt) => measure('touch', () => store.touch(id, lastSeenAt, expiresAt)),
    ping: () => measure('ping', () => store.ping()),
    close: () => measure('close', () => store.close()),
  };
}
