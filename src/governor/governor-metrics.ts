/**
 * @module governor/governor-metrics
 * The rate-limit governor's Prometheus metrics, registered on the app's registry next to
 * `ringcentral_requests_total` and `ringcentral_rate_limited_total` (RingCentral's own 429s):
 *
 * | Metric | Labels | Meaning |
 * | --- | --- | --- |
 * | `ringcentral_governor_wait_seconds` | `group` | how long calls waited for their rate-limit slot (histogram; calls that went at once are not observed) |
 * | `ringcentral_governor_shed_total` | `group` | calls refused with "try again in N s" because the wait would exceed `RATE_LIMIT_MAX_WAIT_MS` |
 */
import type { Registry } from 'prom-client';
import { RATE_LIMIT_GROUPS } from '../rc-api/operations.js';
import { CellCounter, type CounterCell } from '../metrics/cell-counter.js';
import { CellHistogram, type HistogramCell } from '../metrics/cell-histogram.js';

/** Waits from 10 ms to a RingCentral window (60 s). */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the governor reports. */
export interface GovernorMetrics {
  waited(group: string, ms: number): void;
  shed(group: string): void;
}

/** Registers the governor's families on `registry`. */
export function createGovernorMetrics(registry: Registry): GovernorMetrics {
  const waits = new CellHistogram({
    name: 'ringcentral_governor_wait_seconds',
    help: 'Time RingCentral calls waited for their rate-limit slot (calls that went at once are not observed).',
    labelNames: ['group'],
    buckets: WAIT_BUCKETS,
    registry,
  });
  const waitCells = new Map<string, HistogramCell>();
  const shedCounter = new CellCounter({
    name: 'ringcentral_governor_shed_total',
    help: 'Calls refused with "try again in N s" because their rate-limit wait would exceed the bound.',
    labelNames: ['group'],
    registry,
  });
  const shedCells = new Map<string, CounterCell>();
  for (const group of RATE_LIMIT_GROUPS) shedCells.set(group, shedCounter.cell({ group }));
  const known = (group: string): string => (shedCells.has(group) ? group : 'unknown');
  return {
    waited(group, ms) {
      const label = known(group);
      let cell = waitCells.get(label);
      if (cell === undefined) {
        cell = waits.cell({ group: label });
        waitCells.set(label, cell);
      }
      cell.observe(ms / 1000);
    },
    shed(group) {
      const label = known(group);
      let cell = shedCells.get(label);
      if (cell === undefined) {
        cell = shedCounter.cell({ group: label });
        shedCells.set(label, cell);
      }
      cell.inc();
    },
  };
}
