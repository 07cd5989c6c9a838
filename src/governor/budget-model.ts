/**
 * @module governor/budget-model
 * The scheduling model of one rate-limit budget (one RingCentral user, one API group), as pure functions over a
 * plain state object. The in-process store runs these functions; the Redis store runs the same steps in Lua
 * (`redis/budget-store.ts`), and one contract suite holds both to the same behaviour.
 *
 * RingCentral counts each (user, app, group) in a sliding window: a request is refused when `limit` requests
 * arrived in the last `window` (contract §6; `emulator/rate-limit.ts` implements exactly that). The model keeps:
 * - `sent`: the completion times of calls already answered. A call reaches RingCentral somewhere between the
 *   moment it was sent and the moment its answer arrived, so its completion time is the latest moment RingCentral
 *   can have counted it: once `completion + window` has passed, it has surely left RingCentral's window. Only
 *   local clock differences are used, so no clock needs to agree with RingCentral's.
 * - `fly`: calls sent and not yet answered (with their send time). They may be counted at any moment, so they
 *   always count.
 * - `plan`: calls waiting for a planned slot (ticket → slot time).
 *
 * Planning (greedy, optimal for a sliding window): with every known time `t₁ ≤ … ≤ tₙ` (sent, in flight and
 * planned), a new call may go at `max(now, blockedUntil, lastPlanned, tₙ₋ₗᵢₘᵢₜ₊₁ + window + margin)`: the
 * window ending at that slot then holds at most `limit - 1` other calls. A burst of N calls is thus scheduled in
 * batches of `limit` one window apart, which is the fastest any client can go without a 429: the k-th batch
 * cannot start before `(k - 1) × window` after the first.
 *
 * Admission: a planned call is only sent once, at its slot, the calls sent-and-answered within `window + margin`
 * plus the calls in flight number fewer than `limit` (and no 429 block runs). Otherwise it is re-planned to the
 * moment the answer it waits for leaves the window (its rank among the waiting calls says which one), so answers
 * arriving later than planned push it back by as much. Planning is the fast path; admission is the guarantee.
 *
 * Learning: until RingCentral's `X-Rate-Limit-Limit`/`-Window` headers were seen for the budget, RingCentral's
 * documented defaults are assumed, and a call that would have to wait under them asks again shortly instead
 * ("poll"): the first answers usually teach the real budget within milliseconds. Each answer's
 * `X-Rate-Limit-Remaining` is compared with the calls this model knows of, both ways: calls answered before the
 * call was sent all reached RingCentral before it, so when RingCentral counted fewer, the oldest of them have left
 * its window (it may also have forgotten them) and are dropped; calls RingCentral counted that the model did not see
 * (another app instance not sharing the store, a restart) are added as if answered just now.
 * A 429's `Retry-After` blocks the budget for everyone until it has passed (each request during RingCentral's
 * penalty starts the penalty again).
 *
 * Memory: `sent` keeps at most `limit` entries (older ones cannot change any decision; and at most
 * {@link MAX_TRACKED_CALLS}), `plan` and `fly` hold only waiting and running calls, and entries of a process that
 * died are dropped after `stalePlanMs`/`staleFlightMs`.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import type { RateLimitGroup as RateLimitGroupName } from '../rc-api/operations.js';

/**
 * Answered calls kept per budget at most. RingCentral's budgets are tens of calls a minute; a budget above this
 * (a test server's raised limits) is not paced at all (its 429s are still honoured), which keeps memory bounded.
 */
export const MAX_TRACKED_CALLS = 10_000;

/** A budget RingCentral documents (requests per user per app per window). */
export interface GroupBudget {
  readonly limit: number;
  readonly windowMs: number;
}

/** RingCentral's documented defaults, assumed until its headers tell the real budget. */
export const DOCUMENTED_BUDGETS: Readonly<Record<RateLimitGroupName, GroupBudget>> = {
  Light: { limit: 50, windowMs: 60_000 },
  Medium: { limit: 40, windowMs: 60_000 },
  Heavy: { limit: 10, windowMs: 60_000 },
  Auth: { limit: 5, windowMs: 60_000 },
};

/** Tunables shared by every store (the Redis scripts receive them as arguments). */
export interface BudgetTuning {
  /** Smallest safety margin added to each window, for timer and clock granularity. Default 50 ms. */
  readonly minMarginMs: number;
  /** Margin as a share of the window (RingCentral's windows are 60 s: 1.2 s). Default 0.02. */
  readonly marginRatio: number;
  /** How soon to ask again while calls are in flight or the budget is not learnt yet. Default 20 ms. */
  readonly pollMs: number;
  /** A planned call not admitted this long after its slot is forgotten (its process died). Default 60 s. */
  readonly stalePlanMs: number;
  /** A call in flight this long counts as answered at its send time (its process died). Default 120 s. */
  readonly staleFlightMs: number;
  /** An idle budget is forgotten (learnt values too) after this long. Default 1 hour. */
  readonly idleTtlMs: number;
}

export const DEFAULT_TUNING: BudgetTuning = {
  minMarginMs: 50,
  marginRatio: 0.02,
  pollMs: 20,
  stalePlanMs: 60_000,
  staleFlightMs: 120_000,
  idleTtlMs: 3_600_000,
};

/** What an answer of RingCentral says about the budget. */
export interface Observation {
  /** `X-Rate-Limit-Limit`. */
  readonly limit?: number;
  /** `X-Rate-Limit-Remaining`. */
  readonly remaining?: number;
  /** `X-Rate-Limit-Window` in ms. */
  readonly windowMs?: number;
  /** A 429's `Retry-After` in ms. */
  readonly retryAfterMs?: number;
}

/** The answer to "may this call go?". */
export type ReserveOutcome =
  /** Go now (the call is counted as in flight). */
  | { readonly kind: 'go' }
  /** A slot is planned `waitMs` from now: sleep, then {@link admitCall}. */
  | { readonly kind: 'wait'; readonly waitMs: number }
  /** The budget is not learnt yet and has no room under the documented defaults: ask again after `waitMs`. */
  | { readonly kind: 'poll'; readonly waitMs: number; readonly slotMs: number }
  /** The wait would exceed the caller's bound: nothing was reserved. */
  | { readonly kind: 'full'; readonly retryAfterMs: number };

/** The answer at a planned slot. */
export type AdmitOutcome =
  | { readonly kind: 'go' }
  /** Not yet (answers came later than planned, or a 429 block): sleep `waitMs` and ask again. */
  | { readonly kind: 'wait'; readonly waitMs: number }
  /** The reservation was dropped as stale: reserve again. */
  | { readonly kind: 'lost' };

/** Times in ascending order with cheap removal at the front (a deque over an array). */
export class SortedTimes {
  private items: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The i-th oldest (0-based). */
  at(i: number): number {
    return this.items[this.head + i]!;
  }

  /** Inserts `t` in order (times mostly arrive in order, so this is usually a push). */
  insert(t: number): void {
    let i = this.items.length;
    this.items.push(t);
    while (i > this.head && this.items[i - 1]! > t) {
      this.items[i] = this.items[i - 1]!;
      i -= 1;
    }
    this.items[i] = t;
  }

  /** Drops every time `<= cutoff`. */
  dropUpTo(cutoff: number): void {
    while (this.head < this.items.length && this.items[this.head]! <= cutoff) this.head += 1;
    this.compact();
  }

  /** Keeps only the `keep` newest times. */
  keepNewest(keep: number): void {
    const excess = this.size - Math.max(0, keep);
    if (excess > 0) this.head += excess;
    this.compact();
  }

  /** Drops the `count` oldest times. */
  dropOldest(count: number): void {
    this.head += Math.min(Math.max(0, count), this.size);
    this.compact();
  }

  /** Counts times `<= cutoff`. */
  countUpTo(cutoff: number): number {
    return this.size - this.countAfter(cutoff);
  }

  /** Counts times `> cutoff`. */
  countAfter(cutoff: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]! <= cutoff) lo = mid + 1;
      else hi = mid;
    }
    return this.items.length - lo;
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** The state of one budget. */
export interface BudgetState {
  limit: number;
  windowMs: number;
  /** True once RingCentral's headers set `limit` and `windowMs`. */
  learned: boolean;
  /** ms since epoch until which a 429 blocks the budget. */
  blockedUntil: number;
  readonly sent: SortedTimes;
  readonly plan: Map<string, number>;
  readonly fly: Map<string, number>;
  /**
   * No call in flight can be stale before this time (ms since epoch): the oldest send time seen at the last look,
   * plus the stale bound. Calls sent later are younger, so until then the calls in flight need no look.
   */
  flyStaleAt: number;
  /** Last use, for forgetting idle budgets. */
  touchedAt: number;
}

/** A fresh budget with the documented defaults. */
export function createBudgetState(defaults: GroupBudget, now: number): BudgetState {
  return {
    limit: defaults.limit,
    windowMs: defaults.windowMs,
    learned: false,
    blockedUntil: 0,
    sent: new SortedTimes(),
    plan: new Map(),
    fly: new Map(),
    flyStaleAt: now,
    touchedAt: now,
  };
}

/** The safety margin of a window. */
export function marginOf(windowMs: number, tuning: BudgetTuning): number {
  return Math.max(tuning.minMarginMs, Math.floor(windowMs * tuning.marginRatio));
}

function housekeep(state: BudgetState, now: number, tuning: BudgetTuning): void {
  state.touchedAt = now;
  // forEach, not for…of over entries: each entry of a for…of is a fresh [key, value] array.
  if (state.plan.size > 0) {
    const planCutoff = now - tuning.stalePlanMs;
    state.plan.forEach((slot, ticket, plan) => {
      if (slot < planCutoff) plan.delete(ticket);
    });
  }
  // The calls in flight are looked at only when one of them may have gone stale (or the clock went back), not on
  // every call: at 50 calls in flight that was 100 entries visited per call.
  if (now >= state.flyStaleAt || now < state.flyStaleAt - tuning.staleFlightMs) {
    const flyCutoff = now - tuning.staleFlightMs;
    let oldest = now;
    state.fly.forEach((sentAt, ticket, fly) => {
      if (sentAt < flyCutoff) {
        fly.delete(ticket);
        state.sent.insert(sentAt);
      } else if (sentAt < oldest) oldest = sentAt;
    });
    state.flyStaleAt = oldest + tuning.staleFlightMs;
  }
  state.sent.dropUpTo(now - state.windowMs - marginOf(state.windowMs, tuning));
  state.sent.keepNewest(Math.min(state.limit, MAX_TRACKED_CALLS));
}

/** The (k+1)-th smallest of `sent` ∪ `others` (k ≤ others.length, since `sent` holds at most `limit`). */
function kthTime(sent: SortedTimes, others: number[], k: number): number {
  others.sort((a, b) => a - b);
  let i = 0;
  let j = 0;
  for (let step = 0; ; step += 1) {
    const fromSent = i < sent.size ? sent.at(i) : Infinity;
    const fromOthers = j < others.length ? others[j]! : Infinity;
    const smaller = fromSent <= fromOthers ? fromSent : fromOthers;
    if (step === k) return smaller;
    if (fromSent <= fromOthers) i += 1;
    else j += 1;
  }
}

/**
 * Asks for a slot for `ticket` at `now`; reserves it (planned, or in flight for `go`) unless the wait would exceed
 * `maxWaitMs` or the budget is still unknown.
 */
export function reserveCall(
  state: BudgetState,
  ticket: string,
  now: number,
  maxWaitMs: number,
  tuning: BudgetTuning,
): ReserveOutcome {
  housekeep(state, now, tuning);
  const span = state.windowMs + marginOf(state.windowMs, tuning);
  let lastPlanned = 0;
  // The latest planned slot; most calls find nothing planned, and then need no iterator.
  if (state.plan.size > 0) {
    for (const planned of state.plan.values()) if (planned > lastPlanned) lastPlanned = planned;
  }
  let slot = Math.max(now, state.blockedUntil, lastPlanned);
  const n = state.sent.size + state.fly.size + state.plan.size;
  if (n >= state.limit) {
    const others = [...state.fly.values(), ...state.plan.values()];
    slot = Math.max(slot, kthTime(state.sent, others, n - state.limit) + span);
  }
  if (slot <= now) {
    if (state.sent.size + state.fly.size < state.limit) {
      state.fly.set(ticket, now);
      return { kind: 'go' };
    }
    slot = now + tuning.pollMs;
  }
  const waitMs = slot - now;
  if (!state.learned) {
    // Asking again soon teaches the budget; during a 429 block nothing can, so the block's end is the next look.
    const pollMs = state.blockedUntil > now ? state.blockedUntil - now : Math.min(tuning.pollMs, waitMs);
    return { kind: 'poll', waitMs: pollMs, slotMs: waitMs };
  }
  if (waitMs > maxWaitMs) return { kind: 'full', retryAfterMs: waitMs };
  state.plan.set(ticket, slot);
  return { kind: 'wait', waitMs };
}

/** At its slot: sends `ticket` if the window has room now, else plans it again. */
export function admitCall(state: BudgetState, ticket: string, now: number, tuning: BudgetTuning): AdmitOutcome {
  housekeep(state, now, tuning);
  if (!state.plan.has(ticket)) return { kind: 'lost' };
  if (now >= state.blockedUntil && state.sent.size + state.fly.size < state.limit) {
    state.plan.delete(ticket);
    state.fly.set(ticket, now);
    return { kind: 'go' };
  }
  let waitMs: number;
  if (now < state.blockedUntil) waitMs = state.blockedUntil - now;
  else {
    // The slot frees when the (used - limit + rank)-th answered call leaves the window, `rank` being the number
    // of planned calls ahead of this one: each waiter sleeps until its own turn instead of all waking together.
    const mine = state.plan.get(ticket)!;
    let rank = 0;
    for (const [other, slot] of state.plan) if (slot < mine || (slot === mine && other < ticket)) rank += 1;
    const index = state.sent.size + state.fly.size - state.limit + rank;
    waitMs =
      index < state.sent.size
        ? state.sent.at(index) + state.windowMs + marginOf(state.windowMs, tuning) - now
        : tuning.pollMs;
  }
  waitMs = Math.max(1, waitMs);
  state.plan.set(ticket, now + waitMs);
  return { kind: 'wait', waitMs };
}

/** Forgets a reservation whose call will not be sent (refused, aborted). */
export function cancelCall(state: BudgetState, ticket: string): void {
  state.plan.delete(ticket);
  state.fly.delete(ticket);
}

/**
 * Records the answer of `ticket` (or of a call the governor did not send, when `ticket` is unknown): counted as
 * answered at `now`, the budget learnt from the headers, calls RingCentral counted that the model did not know of
 * added, and a 429 block set.
 */
export function completeCall(
  state: BudgetState,
  ticket: string,
  now: number,
  observation: Observation,
  tuning: BudgetTuning,
): void {
  const sentAt = state.fly.get(ticket) ?? now;
  state.fly.delete(ticket);
  state.plan.delete(ticket);
  const { limit, windowMs, remaining, retryAfterMs } = observation;
  if (limit !== undefined && windowMs !== undefined && limit >= 1 && windowMs >= 1) {
    state.limit = limit;
    state.windowMs = windowMs;
    state.learned = true;
  }
  // A 429 says "full" by definition; its Retry-After, not its Remaining, says when calls may go again. A budget
  // above MAX_TRACKED_CALLS is not paced, so its Remaining cannot change a decision and is not reconciled (doing
  // so would add up to MAX_TRACKED_CALLS entries per answer).
  const paced = state.limit <= MAX_TRACKED_CALLS;
  if (paced && state.learned && remaining !== undefined && remaining >= 0 && retryAfterMs === undefined) {
    const used = state.limit - remaining;
    // Calls answered before this one was sent (strictly before: within one millisecond the order is unknown) had
    // all reached RingCentral before it, yet it counted only `used - 1` others: the rest have left its window for
    // good (or it forgot them). The oldest answers go; the answer times kept still bound, call for call, the
    // arrival times of the calls RingCentral still counts.
    const answeredBefore = state.sent.countUpTo(sentAt - 1);
    const gone = answeredBefore - Math.max(0, used - 1);
    if (gone > 0) state.sent.dropOldest(gone);
    // Calls RingCentral counted that were never seen here (another client of the user) are added.
    const known = state.sent.countAfter(sentAt - state.windowMs) + state.fly.size + 1;
    const unseen = Math.min(used - known, state.limit);
    for (let i = 0; i < unseen; i += 1) state.sent.insert(now);
  }
  state.sent.insert(now);
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    state.blockedUntil = Math.max(state.blockedUntil, now + retryAfterMs + marginOf(state.windowMs, tuning));
  }
  housekeep(state, now, tuning);
}
