/**
 * @module governor/rate-governor
 * The one place that decides whether a RingCentral call may go now, must wait (bounded), or is refused with "try
 * again in N s" (429 `RCAPP_RATE_LIMITED` with `Retry-After` from this app, before RingCentral would refuse it).
 * Budgets are per RingCentral user (the token's `owner_id`) and API group (Light, Medium, Heavy, Auth), as
 * RingCentral counts them: a user with several sessions or app instances spends one budget. The schedule itself is
 * `budget-model.ts`; where budgets live is a {@link BudgetStore} (in-process, or Redis shared by all instances).
 *
 * Every answer teaches the budget (`X-Rate-Limit-Limit`/`-Remaining`/`-Window`), and a 429's `Retry-After` blocks
 * the group for every instance until it has passed. Waits are bounded by `maxWaitMs` (counted in the time actually
 * slept, so a test clock cannot make a wait endless); a call whose wait would exceed it is refused at once.
 * If the store fails (Redis down), calls go ungoverned rather than fail: RingCentral's own limit still applies.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AppError, RCAPP_RATE_LIMITED } from '../errors.js';
import { toRateLimitGroup, type RateLimitGroup as RateLimitGroupName } from '../rc-api/operations.js';
import { DEFAULT_RETRY_AFTER_SECONDS, parseRetryAfter } from '../rc-api/rate-limit-headers.js';
import { DOCUMENTED_BUDGETS, type GroupBudget, type Observation, type ReserveOutcome } from './budget-model.js';
import type { BudgetKey, BudgetSnapshot, BudgetStore } from './budget-store.js';
import type { GovernorMetrics } from './governor-metrics.js';

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
export type GovernorSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of {@link createRateGovernor}. */
export interface RateGovernorOptions {
  readonly store: BudgetStore;
  /** Longest wait for a slot before a call is refused (`RATE_LIMIT_MAX_WAIT_MS`). */
  readonly maxWaitMs: number;
  /** For `Retry-After` given as an HTTP date. */
  readonly now: () => number;
  /** Default: real timers. */
  readonly sleep?: GovernorSleep;
  /** Budgets assumed until RingCentral's headers are seen. Default: RingCentral's documented ones. */
  readonly budgets?: Partial<Record<RateLimitGroupName, GroupBudget>>;
  readonly metrics?: GovernorMetrics;
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Whose budget a call spends, and how long it may wait. */
export interface GovernedCall {
  /** RingCentral user (extension id). */
  readonly owner: string;
  readonly group: RateLimitGroupName;
  /** Default: the governor's `maxWaitMs`. */
  readonly maxWaitMs?: number;
  readonly signal?: AbortSignal;
}

/** What the governor reads of an answer. */
export interface AnswerView {
  readonly status: number;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
}

/** The governor of one app instance. */
export interface RateGovernor {
  /**
   * Waits for the call's slot, sends it, and learns from the answer.
   * @throws {AppError} `RCAPP_RATE_LIMITED` (429, `retryAfterSeconds`) when the wait would exceed the bound;
   * the signal's reason when aborted while waiting; whatever `send` throws
   */
  run<T>(call: GovernedCall, send: () => Promise<T>, read: (answer: T) => AnswerView): Promise<T>;
  /** Counts and learns from a call made without a slot (e.g. the login's code exchange, whose user was unknown). */
  record(owner: string, group: RateLimitGroupName, answer: AnswerView): Promise<void>;
  /** The budget as the store sees it now. */
  snapshot(owner: string, group: RateLimitGroupName): Promise<BudgetSnapshot>;
}

const realSleep: GovernorSleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
};

/** Bound on store round trips for one call (each one sleeps at least 1 ms, and waits are bounded anyway). */
const MAX_ROUNDS = 100_000;
/** One warning per this long while the store fails. */
const WARN_EVERY_MS = 60_000;

class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
}

const WHOLE_NUMBER = /^\s*\d{1,10}\s*$/;

function wholeNumber(value: string | undefined): number | undefined {
  return value !== undefined && WHOLE_NUMBER.test(value) ? Number(value) : undefined;
}

/** The budget facts of an answer: `X-Rate-Limit-*` (when they name `group`) and a 429's `Retry-After`. */
export function observationOf(answer: AnswerView, group: RateLimitGroupName, now: number): Observation {
  const named = toRateLimitGroup(answer.header('x-rate-limit-group'));
  const limit = wholeNumber(answer.header('x-rate-limit-limit'));
  const remaining = wholeNumber(answer.header('x-rate-limit-remaining'));
  const window = wholeNumber(answer.header('x-rate-limit-window'));
  const sameGroup = named === undefined || named === group;
  const observation: { -readonly [K in keyof Observation]: Observation[K] } = {};
  if (sameGroup && limit !== undefined && limit >= 1 && window !== undefined && window >= 1) {
    observation.limit = limit;
    observation.windowMs = window * 1000;
  }
  if (sameGroup && remaining !== undefined) observation.remaining = remaining;
  if (answer.status === 429) {
    const seconds = parseRetryAfter(answer.header('retry-after'), now) ?? DEFAULT_RETRY_AFTER_SECONDS;
    observation.retryAfterMs = seconds * 1000;
  }
  return observation;
}

/** The 429 of this app: the user's budget for `group` is used up for longer than a request may wait. */
export function rateLimitedError(group: string, waitMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(
    RCAPP_RATE_LIMITED,
    `your RingCentral rate limit for "${group}" requests is used up for now; try again in ${seconds} s`,
    { retryAfterSeconds: seconds },
  );
}

/** Creates the governor of one app instance. */
export function createRateGovernor(options: RateGovernorOptions): RateGovernor {
  const { store, now, metrics, logger } = options;
  const sleep = options.sleep ?? realSleep;
  const budgets: Record<RateLimitGroupName, GroupBudget> = { ...DOCUMENTED_BUDGETS, ...options.budgets };
  let warnedAt = -Infinity;
  // Tickets: unique across instances (a random prefix per governor) and cheap (a counter).
  const ticketPrefix = randomBytes(6).toString('base64url');
  let ticketCount = 0;
  const nextTicket = (): string => `${ticketPrefix}${(ticketCount += 1).toString(36)}`;

  const maxWaitOf = (call: GovernedCall): number => Math.max(0, call.maxWaitMs ?? options.maxWaitMs);

  async function storeCall<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new StoreFailure('rate-limit store failed', { cause: err });
    }
  }

  function warnStoreDown(err: unknown): void {
    const t = now();
    if (t - warnedAt < WARN_EVERY_MS) return;
    warnedAt = t;
    logger?.warn(
      { err: err instanceof StoreFailure ? err.cause : err, store: store.kind },
      'rate-limit store unavailable: RingCentral calls go ungoverned until it is back',
    );
  }

  /**
   * Resolves once the call holds a slot (in flight), starting from the store's first answer (`first`, not `go`);
   * throws the 429 when the wait would exceed the bound.
   */
  async function acquire(
    call: GovernedCall,
    ticket: string,
    key: BudgetKey,
    defaults: GroupBudget,
    first: ReserveOutcome,
  ): Promise<number> {
    const maxWait = maxWaitOf(call);
    let waited = 0;
    const pause = async (ms: number): Promise<void> => {
      try {
        await sleep(ms, call.signal);
      } catch (err) {
        await store.cancel(key, ticket, defaults).catch(() => undefined);
        throw err;
      }
      waited += ms;
    };
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const reserved =
        round === 0 ? first : await storeCall(() => store.reserve(key, ticket, defaults, maxWait - waited));
      if (reserved.kind === 'go') return waited;
      if (reserved.kind === 'full') throw rateLimitedError(call.group, reserved.retryAfterMs);
      if (reserved.kind === 'poll') {
        if (waited + reserved.waitMs > maxWait) throw rateLimitedError(call.group, reserved.slotMs);
        await pause(reserved.waitMs);
        continue;
      }
      await pause(reserved.waitMs);
      for (; round < MAX_ROUNDS; round += 1) {
        const admitted = await storeCall(() => store.admit(key, ticket, defaults));
        if (admitted.kind === 'go') return waited;
        if (admitted.kind === 'lost') break;
        if (waited + admitted.waitMs > maxWait) {
          await storeCall(() => store.cancel(key, ticket, defaults));
          throw rateLimitedError(call.group, admitted.waitMs);
        }
        await pause(admitted.waitMs);
      }
    }
    await storeCall(() => store.cancel(key, ticket, defaults));
    throw rateLimitedError(call.group, maxWait);
  }

  return {
    async run<T>(call: GovernedCall, send: () => Promise<T>, read: (answer: T) => AnswerView): Promise<T> {
      const ticket = nextTicket();
      const key: BudgetKey = { owner: call.owner, group: call.group };
      const defaults = budgets[call.group];
      let first: ReserveOutcome;
      try {
        first = await store.reserve(key, ticket, defaults, maxWaitOf(call));
      } catch (err) {
        warnStoreDown(err);
        return send();
      }
      // Most calls may go at once: only the others enter the waiting loop.
      if (first.kind !== 'go') {
        try {
          const waited = await acquire(call, ticket, key, defaults, first);
          if (waited > 0) metrics?.waited(call.group, waited);
        } catch (err) {
          if (err instanceof StoreFailure) {
            warnStoreDown(err);
            return send();
          }
          if (err instanceof AppError && err.code === RCAPP_RATE_LIMITED) metrics?.shed(call.group);
          throw err;
        }
      }
      let answer: T;
      try {
        answer = await send();
      } catch (err) {
        // No answer: it may still have reached RingCentral, so it counts as sent now.
        await store.complete(key, ticket, defaults, {}).catch(warnStoreDown);
        throw err;
      }
      await store.complete(key, ticket, defaults, observationOf(read(answer), call.group, now())).catch(warnStoreDown);
      return answer;
    },

    async record(owner, group, answer) {
      const ticket = nextTicket();
      await store
        .complete({ owner, group }, ticket, budgets[group], observationOf(answer, group, now()))
        .catch(warnStoreDown);
    },

    snapshot(owner, group) {
      return store.snapshot({ owner, group }, budgets[group]);
    },
  };
}
