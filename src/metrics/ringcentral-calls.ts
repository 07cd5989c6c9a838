/**
 * @module metrics/ringcentral-calls
 * Counts calls to RingCentral per API rate-limit group and status, and 429s per group, from the RingCentral
 * client's call events. The group is RingCentral's `X-Rate-Limit-Group` when it named a known group, else the
 * operation's (both are one of the four documented names, so a response header can never create new time series).
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import type { CallListener } from '../rc-api/call-event.js';
import type { RateLimitGroup } from '../rc-api/operations.js';
import type { AppMetrics } from './app-metrics.js';
import type { CounterCell } from './cell-counter.js';

/** A call that got no HTTP answer (refused, reset, timed out): its `status` label. */
export const NO_ANSWER = 'error';

/** A call listener that counts into {@link AppMetrics}, with one counter cell per group and status kept. */
export function ringCentralCallCounter(metrics: AppMetrics): CallListener {
  const cells = new Map<RateLimitGroup, Map<number | string, CounterCell>>();
  const limited = new Map<RateLimitGroup, CounterCell>();
  return ({ group, outcome }) => {
    const status = outcome === 'error' ? NO_ANSWER : outcome;
    let byStatus = cells.get(group);
    if (byStatus === undefined) {
      byStatus = new Map();
      cells.set(group, byStatus);
    }
    let cell = byStatus.get(status);
    if (cell === undefined) {
      cell = metrics.ringCentralRequests.cell({ group, status: String(status) });
      byStatus.set(status, cell);
    }
    cell.inc();
    if (status === 429) {
      let limitedCell = limited.get(group);
      if (limitedCell === undefined) {
        limitedCell = metrics.ringCentralRateLimited.cell({ group });
        limited.set(group, limitedCell);
      }
      limitedCell.inc();
    }
  };
}
