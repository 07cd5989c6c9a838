/**
 * @module governor/budget-store
 * Where rate-limit budgets live: the port, and the in-process implementation (one app instance). With
 * `SESSION_STORE=redis` every instance uses `redis/budget-store.ts` instead, so all instances plan one schedule.
 * Each operation is atomic for its budget; the scheduling itself is `budget-model.ts`.
 */
import { RecencyMap } from '../recency-map.js';
import {
  admitCall,
  cancelCall,
  completeCall,
  createBudgetState,
  DEFAULT_TUNING,
  reserveCall,
  type AdmitOutcome,
  type BudgetState,
  type BudgetTuning,
  type GroupBudget,
  type Observation,
  type ReserveOutcome,
} from './budget-model.js';

/** Which budget: a RingCentral user (extension id) and an API group. */
export interface BudgetKey {
  readonly owner: string;
  readonly group: string;
}

/** What a budget looks like now (for pages, the admin report and tests). */
export interface BudgetSnapshot {
  readonly limit: number;
  readonly windowMs: number;
  readonly learned: boolean;
  /** Calls answered within the window plus calls in flight. */
  readonly used: number;
  /** Calls waiting for a planned slot. */
  readonly planned: number;
  /** ms a 429 block still runs (0: none). */
  readonly blockedForMs: number;
}

/** Atomic operations on budgets (see `budget-model.ts` for their meaning). */
export interface BudgetStore {
  readonly kind: 'memory' | 'redis';
  reserve(key: BudgetKey, ticket: string, defaults: GroupBudget, maxWaitMs: number): Promise<ReserveOutcome>;
  admit(key: BudgetKey, ticket: string, defaults: GroupBudget): Promise<AdmitOutcome>;
  cancel(key: BudgetKey, ticket: string, defaults: GroupBudget): Promise<void>;
  complete(key: BudgetKey, ticket: string, defaults: GroupBudget, observation: Observation): Promise<void>;
  snapshot(key: BudgetKey, defaults: GroupBudget): Promise<BudgetSnapshot>;
  /** Sends what the store holds back, if anything (the Redis store batches completions); at shutdown. */
  flush(): Promise<void>;
}

/** Budget ids one store remembers at most before it starts over (each is then made again on its next use). */
const MAX_BUDGET_IDS = 10_000;

/**
 * The id of a budget in a store's maps (`<group>\n<owner>`), made once per budget instead of on every look-up (a
 * call looks its budget up several times). One per store: no module-level state.
 */
export function createBudgetIds(): (key: BudgetKey) => string {
  const ids = new Map<string, Map<string, string>>();
  return (key) => {
    let byOwner = ids.get(key.group);
    if (byOwner === undefined) {
      byOwner = new Map();
      ids.set(key.group, byOwner);
    }
    let id = byOwner.get(key.owner);
    if (id === undefined) {
      if (byOwner.size >= MAX_BUDGET_IDS) byOwner.clear();
      id = `${key.group}\n${key.owner}`;
      byOwner.set(key.owner, id);
    }
    return id;
  };
}

/** Options of {@link createMemoryBudgetStore}. */
export interface MemoryBudgetStoreOptions {
  readonly now: () => number;
  readonly tuning?: Partial<BudgetTuning>;
  /** Budgets kept at most; the least recently used go first. Default 50 000. */
  readonly maxBudgets?: number;
}

/** The in-process store: a map of budget states over the app's clock. */
export function createMemoryBudgetStore(options: MemoryBudgetStoreOptions): BudgetStore {
  const { now } = options;
  const tuning: BudgetTuning = { ...DEFAULT_TUNING, ...options.tuning };
  const maxBudgets = options.maxBudgets ?? 50_000;
  const budgets = new RecencyMap<BudgetState>(maxBudgets);
  const idOf = createBudgetIds();

  function stateOf(key: BudgetKey, defaults: GroupBudget, t: number): BudgetState {
    const id = idOf(key);
    const known = budgets.get(id);
    if (known !== undefined && known.touchedAt >= t - tuning.idleTtlMs) return known;
    // New, or idle too long (forgotten).
    const state = createBudgetState(defaults, t);
    budgets.set(id, state);
    return state;
  }

  return {
    kind: 'memory',
    flush: () => Promise.resolve(),
    reserve(key, ticket, defaults, maxWaitMs) {
      const t = now();
      return Promise.resolve(reserveCall(stateOf(key, defaults, t), ticket, t, maxWaitMs, tuning));
    },
    admit(key, ticket, defaults) {
      const t = now();
      return Promise.resolve(admitCall(stateOf(key, defaults, t), ticket, t, tuning));
    },
    cancel(key, ticket, defaults) {
      cancelCall(stateOf(key, defaults, now()), ticket);
      return Promise.resolve();
    },
    complete(key, ticket, defaults, observation) {
      const t = now();
      completeCall(stateOf(key, defaults, t), ticket, t, observation, tuning);
      return Promise.resolve();
    },
    snapshot(key, defaults) {
      const t = now();
      const state = stateOf(key, defaults, t);
      const margin = Math.max(tuning.minMarginMs, Math.floor(state.windowMs * tuning.marginRatio));
      return Promise.resolve({
        limit: state.limit,
        windowMs: state.windowMs,
        learned: state.learned,
        used: state.sent.countAfter(t - state.windowMs - margin) + state.fly.size,
        planned: state.plan.size,
        blockedForMs: Math.max(0, state.blockedUntil - t),
      });
    },
  };
}
