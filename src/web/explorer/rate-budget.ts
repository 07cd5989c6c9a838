/**
 * @module web/explorer/rate-budget
 * What this app instance knows about each user's RingCentral rate-limit budget, from the `X-Rate-Limit-*` headers
 * of the calls it made for them (RingCentral counts per user and app, per group: call logs are "Heavy", 10 a
 * minute by default). The explorer asks it before calls it makes on its own (chart pages, CSV export pages): how
 * long to wait so a call leaves a reserve, and whether a number of calls is affordable now. A 429's `Retry-After`
 * blocks the group until it has passed, since each request during a RingCentral penalty starts the penalty again.
 *
 * Waiting a whole window after the budget ran low is conservative and right for both a fixed and a sliding window:
 * every call counted before the last answer has left the window by then. Calls of one user that the explorer makes
 * itself are serialised ({@link RateBudget.exclusive}) so two exports cannot both spend the last call.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import type { RateLimitInfo } from '../../ringcentral/rc-error.js';

/** A group's budget as last seen, with when. */
export interface BudgetSnapshot extends RateLimitInfo {
  /** ms since epoch of the answer that carried it. */
  readonly at: number;
}

/** Options of {@link createRateBudget}. */
export interface RateBudgetOptions {
  readonly now: () => number;
  /** Users remembered at most (oldest forgotten first). Default 10 000. */
  readonly maxSubjects?: number;
  /** Added to every computed wait, for clock and network skew. Default 250 ms. */
  readonly marginMs?: number;
}

/** Per-user, per-group rate-limit knowledge of one app instance. */
export interface RateBudget {
  /** Records the headers of an answer (no-op without them). */
  observe(subject: string, info: RateLimitInfo | undefined): void;
  /** Records a 429: nothing of `group` for `seconds`. */
  block(subject: string, group: string, seconds: number): void;
  /** The last known budget of `group` while its window lasts, else `undefined` (unknown or refilled). */
  current(subject: string, group: string): BudgetSnapshot | undefined;
  /** ms to wait before one more call of `group` leaves at least `reserve` calls; 0 = go now. */
  delayBefore(subject: string, group: string, reserve: number): number;
  /** True when `calls` more calls of `group` now still leave `reserve` (unknown budget counts as full). */
  affords(subject: string, group: string, calls: number, reserve: number): boolean;
  /** Runs `task` after every earlier task of `subject` has settled. */
  exclusive<T>(subject: string, task: () => Promise<T>): Promise<T>;
}

interface SubjectState {
  readonly groups: Map<string, BudgetSnapshot>;
  readonly blockedUntil: Map<string, number>;
}

/** Creates an empty budget book for one app instance. */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const { now } = options;
  const maxSubjects = options.maxSubjects ?? 10_000;
  const marginMs = options.marginMs ?? 250;
  const subjects = new Map<string, SubjectState>();
  const tails = new Map<string, Promise<unknown>>();

  function stateOf(subject: string): SubjectState {
    let state = subjects.get(subject);
    if (state === undefined) {
      if (subjects.size >= maxSubjects) {
        const oldest = subjects.keys().next().value;
        if (oldest !== undefined) subjects.delete(oldest);
      }
      state = { groups: new Map(), blockedUntil: new Map() };
    } else {
      subjects.delete(subject);
    }
    // Re-inserted: the map's order is least recently used first.
    subjects.set(subject, state);
    return state;
  }

  function current(subject: string, group: string): BudgetSnapshot | undefined {
    const snapshot = subjects.get(subject)?.groups.get(group.toLowerCase());
    if (snapshot === undefined) return undefined;
    return now() < snapshot.at + snapshot.windowSeconds * 1000 ? snapshot : undefined;
  }

  function blockedFor(subject: string, group: string): number {
    const until = subjects.get(subject)?.blockedUntil.get(group.toLowerCase()) ?? 0;
    return Math.max(0, until - now());
  }

  return {
    observe(subject, info) {
      if (info === undefined || !(info.limit > 0) || !(info.windowSeconds > 0)) return;
      stateOf(subject).groups.set(info.group.toLowerCase(), { ...info, at: now() });
    },
    block(subject, group, seconds) {
      const state = stateOf(subject);
      const key = group.toLowerCase();
      state.blockedUntil.set(key, Math.max(state.blockedUntil.get(key) ?? 0, now() + seconds * 1000 + marginMs));
    },
    current,
    delayBefore(subject, group, reserve) {
      const blocked = blockedFor(subject, group);
      if (blocked > 0) return blocked;
      const snapshot = current(subject, group);
      if (snapshot === undefined || snapshot.remaining > reserve) return 0;
      return Math.max(0, snapshot.at + snapshot.windowSeconds * 1000 + marginMs - now());
    },
    affords(subject, group, calls, reserve) {
      if (blockedFor(subject, group) > 0) return false;
      const snapshot = current(subject, group);
      return snapshot === undefined || snapshot.remaining - calls >= reserve;
    },
    async exclusive<T>(subject: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(subject) ?? Promise.resolve();
      const run = previous.then(task, task);
      const tail = run.then(
        () => undefined,
        () => undefined,
      );
      tails.set(subject, tail);
      try {
        return await run;
      } finally {
        if (tails.get(subject) === tail) tails.delete(subject);
      }
    },
  };
}
