/**
 * @module ringcentral/retry-after-gate
 * No retry storms: once RingCentral answers 429 for a session and rate-limit group, further calls of that session
 * to that group are answered locally ("try again in N s") until `Retry-After` has passed, instead of being sent
 * to RingCentral (where each would be refused again, and RingCentral may extend the penalty). The group of each
 * path is learnt from RingCentral's `X-Rate-Limit-Group` header (until then the path is its own group).
 * Per app instance, in memory, bounded; with several instances each may still send one call per window.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
import { DEFAULT_RETRY_AFTER_SECONDS, parseRetryAfter } from './upstream-errors.js';

/** What the gate reads of a RingCentral answer. */
export interface ObservedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Options of {@link createRetryAfterGate}. */
export interface RetryAfterGateOptions {
  readonly now: () => number;
  /** Most closed (session, group) pairs remembered at once; the oldest are forgotten first (default 10 000). */
  readonly maxEntries?: number;
}

/** Remembers RingCentral's 429s per session and rate-limit group. */
export interface RetryAfterGate {
  /** Whole seconds this session must still wait before calling `path` (0: go ahead). */
  waitSeconds(sessionId: string, path: string): number;
  /** Learns the path's group from the answer and, on a 429, closes that group for the session. */
  observe(sessionId: string, path: string, response: ObservedResponse): void;
}

const MAX_PATHS = 256;

function firstHeader(headers: ObservedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Creates an empty gate (one per app instance). */
export function createRetryAfterGate(options: RetryAfterGateOptions): RetryAfterGate {
  const { now } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const groupOfPath = new Map<string, string>();
  // `${sessionId}\n${group}` → time (ms) from which calls may go to RingCentral again; insertion-ordered.
  const closedUntil = new Map<string, number>();

  const groupOf = (path: string): string => groupOfPath.get(path) ?? path;
  const keyOf = (sessionId: string, path: string): string => `${sessionId}\n${groupOf(path)}`;

  function prune(t: number): void {
    for (const [key, until] of closedUntil) if (until <= t) closedUntil.delete(key);
    while (closedUntil.size >= maxEntries) {
      const oldest = closedUntil.keys().next().value;
      if (oldest === undefined) break;
      closedUntil.delete(oldest);
    }
  }

  return {
    waitSeconds(sessionId, path) {
      const key = keyOf(sessionId, path);
      const until = closedUntil.get(key);
      if (until === undefined) return 0;
      const left = until - now();
      if (left <= 0) {
        closedUntil.delete(key);
        return 0;
      }
      return Math.ceil(left / 1000);
    },
    observe(sessionId, path, response) {
      const group = firstHeader(response.headers, 'x-rate-limit-group');
      if (group !== undefined && group !== '' && group.length <= 64 && groupOfPath.get(path) !== group) {
        if (groupOfPath.size < MAX_PATHS || groupOfPath.has(path)) groupOfPath.set(path, group);
      }
      if (response.status !== 429) return;
      const t = now();
      const seconds = parseRetryAfter(firstHeader(response.headers, 'retry-after'), t) ?? DEFAULT_RETRY_AFTER_SECONDS;
      if (seconds <= 0) return;
      const key = keyOf(sessionId, path);
      if (!closedUntil.has(key) && closedUntil.size >= maxEntries) prune(t);
      closedUntil.delete(key);
      closedUntil.set(key, t + seconds * 1000);
    },
  };
}
