/**
 * @module redis/budget-leases
 * Slots of a shared rate-limit budget that one app instance took ahead, so that a busy budget costs Redis one
 * command per lease instead of one per RingCentral call (`redis/budget-store.ts` asks for them and hands them out).
 *
 * A reservation that may go at once can take up to `want - 1` further slots of the same budget, recorded in Redis as
 * calls in flight: every instance counts them against the limit exactly as a call sent, so a lease never lets more
 * calls through than the budget has room for. The Lua side grants a lease only from a learnt budget and only a
 * quarter of the room it has left. Here the instance hands its slots to its next calls of that budget while the
 * lease lasts ({@link LEASE_MS}); slots still unused then go back to Redis, as do a lease's slots when an answer says
 * the budget is tighter than this instance thought (a 429, or fewer calls remaining than slots held).
 *
 * How much to ask for follows the budget's own traffic: one slot (no lease: the call reserves only itself) until a
 * second reservation of the same budget comes within one lease life; then twice the last lease each time one is
 * used up within its life, up to {@link MAX_LEASE}; a lease that ran out of time with slots unused sets the next one
 * to what was used of it. A budget called once in a while thus never holds a slot it does not use.
 */
import type { GroupBudget } from '../governor/budget-model.js';
import type { BudgetKey } from '../governor/budget-store.js';

/** Slots one reservation may take at most (its own included). */
export const MAX_LEASE = 32;
/** How long leased slots may be handed out; unused ones then go back to the budget. */
export const LEASE_MS = 250;
/** A lease takes at most 1/this of the room its budget has left (applied in the Lua script). */
export const LEASE_SHARE = 4;
/** Budgets with lease state kept at most (past it, new budgets reserve call by call). */
const MAX_BUDGETS = 10_000;

/** Slots that go back to a budget in Redis. */
export interface ReturnedSlots {
  readonly key: BudgetKey;
  readonly defaults: GroupBudget;
  readonly slots: readonly string[];
}

/** One budget's lease state on this instance. */
interface Entry {
  readonly key: BudgetKey;
  readonly defaults: GroupBudget;
  /** Unused slots (their ids in Redis). */
  slots: string[];
  /** Slots the current lease was granted, and when it ends (the store's clock). */
  granted: number;
  expiresAt: number;
  /** Size of the next lease to ask for. */
  want: number;
  lastAskAt: number;
  /** A reservation of this budget on its way to Redis (calls meanwhile wait for its lease). */
  asking: Promise<unknown> | undefined;
}

/** The leases of one store (one app instance). */
export class BudgetLeases {
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Call ticket → the leased slot it runs on (until its completion or cancellation). */
  readonly #slotOfTicket = new Map<string, string>();

  /** @param clock the store's clock (ms) */
  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Budgets holding a lease or lease history (for the sweep timer). */
  get size(): number {
    return this.#entries.size;
  }

  /** Gives the call `ticket` a slot of a live lease of budget `id`; false when there is none. */
  take(id: string, ticket: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.slots.length === 0 || this.#clock() >= entry.expiresAt) return false;
    const slot = entry.slots.pop() as string;
    this.#slotOfTicket.set(ticket, slot);
    return true;
  }

  /** The reservation of budget `id` now on its way to Redis, if any. */
  asking(id: string): Promise<unknown> | undefined {
    return this.#entries.get(id)?.asking;
  }

  /**
   * How many slots the reservation about to be sent for budget `id` should ask for (1: itself only), and marks it
   * as the one later calls wait for until `request` settles.
   */
  ask(id: string, key: BudgetKey, defaults: GroupBudget, request: Promise<unknown>): number {
    const t = this.#clock();
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      if (this.#entries.size >= MAX_BUDGETS) return 1;
      entry = { key, defaults, slots: [], granted: 0, expiresAt: 0, want: 1, lastAskAt: t, asking: undefined };
      this.#entries.set(id, entry);
    } else if (t - entry.lastAskAt < LEASE_MS) {
      // The last lease (or single slot) was used up within one lease life: the budget is busy.
      entry.want = Math.min(MAX_LEASE, entry.want * 2);
    }
    entry.lastAskAt = t;
    const current = entry;
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    current.asking = settled;
    void settled.then(() => {
      if (current.asking === settled) current.asking = undefined;
    });
    return entry.want;
  }

  /**
   * Records a lease granted with the reservation of `ticket`: `extra` slots named `<ticket>~1` … `<ticket>~extra`.
   * Slots of an earlier lease still unused are returned (the caller sends them back).
   */
  grant(id: string, ticket: string, extra: number): string[] {
    const entry = this.#entries.get(id);
    if (entry === undefined) return [];
    const left = entry.slots;
    entry.slots = [];
    for (let i = extra; i >= 1; i -= 1) entry.slots.push(`${ticket}~${i}`);
    entry.granted = extra;
    entry.expiresAt = this.#clock() + LEASE_MS;
    return left;
  }

  /** The slot the call `ticket` ran on (its id in Redis), forgetting the link: the ticket itself when not leased. */
  release(ticket: string): string {
    const slot = this.#slotOfTicket.get(ticket);
    if (slot === undefined) return ticket;
    this.#slotOfTicket.delete(ticket);
    return slot;
  }

  /** Slots of budget `id` held unused now. */
  unused(id: string): number {
    return this.#entries.get(id)?.slots.length ?? 0;
  }

  /** Ends budget `id`'s lease at once (the budget is tighter than thought): its unused slots, to send back. */
  drop(id: string): string[] {
    const entry = this.#entries.get(id);
    if (entry === undefined) return [];
    const left = entry.slots;
    entry.slots = [];
    entry.want = 1;
    return left;
  }

  /** Ends every lease whose life is over (all with `all`): the unused slots per budget, to send back. */
  expire(all = false): ReturnedSlots[] {
    const t = this.#clock();
    const returned: ReturnedSlots[] = [];
    this.#entries.forEach((entry, id) => {
      if (!all && t < entry.expiresAt) return;
      if (entry.slots.length > 0) {
        returned.push({ key: entry.key, defaults: entry.defaults, slots: entry.slots });
        // The next lease is what this one really used.
        entry.want = Math.max(1, entry.granted - entry.slots.length);
        entry.slots = [];
      }
      if (entry.asking === undefined && t - entry.lastAskAt >= LEASE_MS) this.#entries.delete(id);
    });
    return returned;
  }
}
