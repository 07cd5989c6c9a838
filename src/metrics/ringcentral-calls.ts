/**
 * @module metrics/ringcentral-calls
 * Counts calls to RingCentral per API rate-limit group and status, and 429s per group. The group comes from
 * RingCentral's `X-Rate-Limit-Group` response header; when an answer has none (a 5xx from a proxy, a timeout),
 * from the app's endpoint table. Only the four documented group names are used as label values, so a response
 * header can never create new time series.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { CURRENT_EXTENSION_PATH, ENDPOINTS } from '../ringcentral/endpoints.js';
import { RATE_LIMIT_GROUPS, type AppMetrics, type RateLimitGroup } from './app-metrics.js';
import type { CounterCell } from './cell-counter.js';

/** The group of each REST path the app calls (RingCentral API reference, "API Group"). */
const GROUP_OF_PATH: ReadonlyMap<string, RateLimitGroup> = new Map([
  [ENDPOINTS.extension.path, 'Medium'],
  [ENDPOINTS['extension-call-log'].path, 'Heavy'],
  [ENDPOINTS['account-call-log'].path, 'Heavy'],
  [CURRENT_EXTENSION_PATH, 'Light'],
]);

const KNOWN_GROUPS: ReadonlySet<string> = new Set(RATE_LIMIT_GROUPS);

/** A call that got no HTTP answer (refused, reset, timed out). */
export const NO_ANSWER = 'error';

/** The group an `X-Rate-Limit-Group` value names, or `undefined` for a missing or unknown value. */
export function groupFromHeader(headerValue: string | null | undefined): RateLimitGroup | undefined {
  return typeof headerValue === 'string' && KNOWN_GROUPS.has(headerValue) ? (headerValue as RateLimitGroup) : undefined;
}

/**
 * The rate-limit group of a call: RingCentral's `X-Rate-Limit-Group` when it names a known group, else the
 * group of `path` in the endpoint table, else `unknown`.
 */
export function rateLimitGroupOf(path: string, headerValue: string | undefined): RateLimitGroup {
  return groupFromHeader(headerValue) ?? GROUP_OF_PATH.get(path) ?? 'unknown';
}

/** Records calls to RingCentral into {@link AppMetrics}. */
export interface RingCentralCallRecorder {
  /** One call of `group` answered with `status`, or {@link NO_ANSWER}. */
  record(group: RateLimitGroup, status: number | typeof NO_ANSWER): void;
}

/** Creates a recorder that caches one counter cell per group and status. */
export function createRingCentralCallRecorder(metrics: AppMetrics): RingCentralCallRecorder {
  const cells = new Map<RateLimitGroup, Map<number | string, CounterCell>>();
  const limited = new Map<RateLimitGroup, CounterCell>();
  return {
    record(group, status) {
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
    },
  };
}
