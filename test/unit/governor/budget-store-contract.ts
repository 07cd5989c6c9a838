/**
 * The behaviour every rate-limit budget store must have (in-process and Redis), on an injected clock: the
 * documented budget until RingCentral's headers are seen, greedy batches one window apart, admission that follows
 * late answers, bounded waits, 429 blocks, reconciliation with `X-Rate-Limit-Remaining`, cancellation, stale
 * reservations, and bounded memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TUNING, marginOf, type GroupBudget } from '../../../src/governor/budget-model.js';
import type { BudgetStore } from '../../../src/governor/budget-store.js';

/** A store over the clock `clock.now` (ms since epoch, moved by the tests). */
export type StoreFactory = (clock: { now: number }) => Promise<BudgetStore>;

const HEAVY: GroupBudget = { limit: 10, windowMs: 60_000 };
const START = 1_800_000_000_000;
/** The margin of a 1 s window (the 50 ms floor). */
const MARGIN = DEFAULT_TUNING.minMarginMs;
const margin = (windowMs: number) => marginOf(windowMs, DEFAULT_TUNING);
const learnt = (limit: number, windowMs: number, remaining?: number) => ({
  limit,
  windowMs,
  ...(remaining === undefined ? {} : { remaining }),
});

let counter = 0;
const key = () => ({ owner: `u${(counter += 1)}`, group: 'Heavy' });

/** Runs the contract against `make`. */
export function budgetStoreContract(name: string, make: StoreFactory, options: { skip?: string | false } = {}): void {
  describe(`${name}: rate-limit budget store contract`, { skip: options.skip ?? false }, () => {
    async function setUp() {
      const clock = { now: START };
      return { clock, store: await make(clock) };
    }

    it('until the budget is learnt, the documented limit goes at once and then calls are asked to poll', async () => {
      const { store } = await setUp();
      const k = key();
      for (let i = 0; i < HEAVY.limit; i++) {
        assert.deepEqual(await store.reserve(k, `t${i}`, HEAVY, 10_000), { kind: 'go' }, `call ${i}`);
      }
      const next = await store.reserve(k, 'extra', HEAVY, 10_000);
      assert.equal(next.kind, 'poll');
      assert.ok(next.kind === 'poll' && next.waitMs <= DEFAULT_TUNING.pollMs && next.waitMs > 0);
      // The wait under the documented budget (all ten in flight): poll again soon, the budget may be learnt.
      const snapshot = await store.snapshot(k, HEAVY);
      assert.deepEqual(snapshot, {
        limit: 10,
        windowMs: 60_000,
        learned: false,
        used: 10,
        planned: 0,
        blockedForMs: 0,
      });
    });

    it('a learnt budget schedules a burst in batches of `limit`, one window (plus margin) apart', async () => {
      const { clock, store } = await setUp();
      const k = key();
      assert.deepEqual(await store.reserve(k, 'probe', HEAVY, 60_000), { kind: 'go' });
      await store.complete(k, 'probe', HEAVY, learnt(3, 1000, 2));
      const outcomes = [];
      for (let i = 0; i < 8; i++) outcomes.push(await store.reserve(k, `b${i}`, HEAVY, 60_000));
      const span = 1000 + MARGIN;
      assert.deepEqual(outcomes.slice(0, 2), [{ kind: 'go' }, { kind: 'go' }], 'two more fit the first window');
      assert.deepEqual(
        outcomes.slice(2).map((o) => (o.kind === 'wait' ? o.waitMs : o.kind)),
        [span, span, span, 2 * span, 2 * span, 2 * span],
      );
      assert.equal((await store.snapshot(k, HEAVY)).planned, 6);
      assert.equal(clock.now, START);
    });

    it('at its slot a planned call goes, unless answers came later than planned: then it waits for its turn', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(2, 1000, 1));
      assert.deepEqual(await store.reserve(k, 'a', HEAVY, 60_000), { kind: 'go' });
      const b = await store.reserve(k, 'b', HEAVY, 60_000);
      const c = await store.reserve(k, 'c', HEAVY, 60_000);
      assert.deepEqual(
        [b, c],
        [
          { kind: 'wait', waitMs: 1000 + MARGIN },
          { kind: 'wait', waitMs: 1000 + MARGIN },
        ],
      );
      // "a" is answered 200 ms late; "probe" was answered at the start.
      clock.now += 200;
      await store.complete(k, 'a', HEAVY, learnt(2, 1000, 0));
      clock.now = START + 1000 + MARGIN;
      assert.deepEqual(await store.admit(k, 'b', HEAVY), { kind: 'go' }, 'the probe has left the window');
      assert.deepEqual(await store.admit(k, 'c', HEAVY), { kind: 'wait', waitMs: 200 }, "waits for a's answer");
      clock.now += 200;
      assert.deepEqual(await store.admit(k, 'c', HEAVY), { kind: 'go' });
    });

    it('waiters re-planned together each get their own turn', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(3, 1000, 2));
      for (const t of ['a', 'b']) await store.reserve(k, t, HEAVY, 60_000);
      clock.now += 10;
      await store.complete(k, 'a', HEAVY, {});
      clock.now += 10;
      await store.complete(k, 'b', HEAVY, {});
      for (const t of ['c', 'd', 'e']) await store.reserve(k, t, HEAVY, 60_000);
      clock.now = START + 1000 + MARGIN;
      assert.deepEqual(await store.admit(k, 'c', HEAVY), { kind: 'go' });
      assert.deepEqual(await store.admit(k, 'd', HEAVY), { kind: 'wait', waitMs: 10 });
      assert.deepEqual(await store.admit(k, 'e', HEAVY), { kind: 'wait', waitMs: 20 });
    });

    it('a wait beyond the bound reserves nothing and says how long', async () => {
      const { store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(1, 5000, 0));
      assert.deepEqual(await store.reserve(k, 'x', HEAVY, 1000), { kind: 'full', retryAfterMs: 5000 + margin(5000) });
      assert.equal((await store.snapshot(k, HEAVY)).planned, 0);
      assert.deepEqual(await store.reserve(k, 'y', HEAVY, 10_000), { kind: 'wait', waitMs: 5000 + margin(5000) });
    });

    it("a 429's Retry-After blocks the budget for everyone, with the margin", async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, { ...learnt(100, 60_000, 50), retryAfterMs: 30_000 });
      const m = margin(60_000);
      assert.equal(m, 1200, "2% of RingCentral's 60 s window");
      assert.deepEqual(await store.reserve(k, 'x', HEAVY, 10_000), { kind: 'full', retryAfterMs: 30_000 + m });
      clock.now += 25_000;
      assert.deepEqual(await store.reserve(k, 'y', HEAVY, 10_000), { kind: 'wait', waitMs: 5_000 + m });
      clock.now += 5_000 + m;
      assert.deepEqual(await store.admit(k, 'y', HEAVY), { kind: 'go' });
    });

    it('a 429 on a budget not learnt yet: the next look is when the block ends, not a poll every few ms', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      // RingCentral's 429 named no budget (no X-Rate-Limit headers): only its Retry-After is known.
      await store.complete(k, 'probe', HEAVY, { retryAfterMs: 30_000 });
      const blocked = await store.reserve(k, 'x', HEAVY, 120_000);
      assert.equal(blocked.kind, 'poll');
      assert.ok(blocked.kind === 'poll' && blocked.waitMs >= 30_000, `waits for the block: ${JSON.stringify(blocked)}`);
      clock.now += blocked.kind === 'poll' ? blocked.waitMs : 0;
      assert.deepEqual(await store.reserve(k, 'x', HEAVY, 120_000), { kind: 'go' });
    });

    it('calls RingCentral counted that the store did not see (another client) are added', async () => {
      const { store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      // RingCentral says 1 of 5 remains: three calls it counted are unknown here.
      await store.complete(k, 'probe', HEAVY, learnt(5, 10_000, 1));
      assert.equal((await store.snapshot(k, HEAVY)).used, 4);
      assert.deepEqual(await store.reserve(k, 'a', HEAVY, 60_000), { kind: 'go' });
      assert.equal((await store.reserve(k, 'b', HEAVY, 60_000)).kind, 'wait');
    });

    it('when RingCentral counted fewer of the calls answered before, they are freed (its window moved on)', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(3, 60_000, 2));
      for (const t of ['a', 'b']) {
        clock.now += 10;
        assert.deepEqual(await store.reserve(k, t, HEAVY, 60_000), { kind: 'go' });
        await store.complete(k, t, HEAVY, {});
      }
      assert.equal((await store.reserve(k, 'full', HEAVY, 0)).kind, 'full', 'three known in the window');
      // RingCentral's limits were reset (its windows emptied): the next call it counts alone.
      clock.now += 10;
      const fresh = { owner: k.owner, group: k.group };
      await store.complete(fresh, 'c', HEAVY, learnt(3, 60_000, 2));
      assert.equal((await store.snapshot(k, HEAVY)).used, 1, 'the three answered before it are gone');
      assert.deepEqual(await store.reserve(k, 'd', HEAVY, 0), { kind: 'go' });
    });

    it('calls answered while a call was in flight are kept (they may have reached RingCentral after it)', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(5, 60_000, 4));
      clock.now += 10;
      await store.reserve(k, 'slow', HEAVY, 60_000);
      await store.reserve(k, 'fast', HEAVY, 60_000);
      clock.now += 10;
      await store.complete(k, 'fast', HEAVY, learnt(5, 60_000, 3));
      clock.now += 10;
      // RingCentral counted the slow call before the fast one, and no longer counts the probe: 1 used.
      await store.complete(k, 'slow', HEAVY, learnt(5, 60_000, 4));
      assert.equal(
        (await store.snapshot(k, HEAVY)).used,
        2,
        'the probe (answered before "slow" was sent) is dropped; "fast" is kept',
      );
    });

    it('a cancelled reservation frees its place; a stale one is lost', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 600_000);
      await store.complete(k, 'probe', HEAVY, learnt(1, 1000, 0));
      assert.equal((await store.reserve(k, 'a', HEAVY, 600_000)).kind, 'wait');
      assert.deepEqual(await store.reserve(k, 'b', HEAVY, 600_000), { kind: 'wait', waitMs: 2 * (1000 + MARGIN) });
      await store.cancel(k, 'a', HEAVY);
      await store.cancel(k, 'b', HEAVY);
      assert.deepEqual(await store.reserve(k, 'c', HEAVY, 600_000), { kind: 'wait', waitMs: 1000 + MARGIN });
      clock.now += 1000 + MARGIN + DEFAULT_TUNING.stalePlanMs + 1;
      assert.deepEqual(await store.admit(k, 'c', HEAVY), { kind: 'lost' }, 'a process that never came back');
    });

    it('a call in flight longer than the stale bound counts as answered when it was sent', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 600_000);
      await store.complete(k, 'probe', HEAVY, learnt(1, 60_000, 0));
      clock.now += 60_000 + margin(60_000) + 1;
      const sentAt = clock.now;
      assert.deepEqual(await store.reserve(k, 'dead', HEAVY, 600_000), { kind: 'go' }, 'its process never answers');
      assert.equal((await store.reserve(k, 'y', HEAVY, 600_000)).kind, 'wait', 'the lost call still holds its place');
      await store.cancel(k, 'y', HEAVY);
      clock.now = sentAt + DEFAULT_TUNING.staleFlightMs - 1;
      assert.equal((await store.reserve(k, 'z0', HEAVY, 600_000)).kind, 'wait', 'not stale yet');
      await store.cancel(k, 'z0', HEAVY);
      clock.now = sentAt + DEFAULT_TUNING.staleFlightMs + 1;
      // Counted as answered at `sentAt`, it has left the window.
      assert.deepEqual(await store.reserve(k, 'z', HEAVY, 600_000), { kind: 'go' });
      assert.equal((await store.snapshot(k, HEAVY)).used, 1);
    });

    it('memory is bounded: answered calls beyond the limit are not kept', async () => {
      const { clock, store } = await setUp();
      const k = key();
      await store.reserve(k, 'probe', HEAVY, 60_000);
      await store.complete(k, 'probe', HEAVY, learnt(1000, 60_000, 999));
      for (let i = 0; i < 1500; i++) {
        const t = `m${i}`;
        const outcome = await store.reserve(k, t, HEAVY, 0);
        if (outcome.kind === 'go') await store.complete(k, t, HEAVY, {});
        clock.now += 1;
      }
      assert.equal((await store.snapshot(k, HEAVY)).used, 1000, 'full, and the rest refused');
      // RingCentral lowers the limit: only the newest 10 answers can matter any more.
      await store.complete(k, 'lowered', HEAVY, learnt(10, 60_000));
      const snapshot = await store.snapshot(k, HEAVY);
      assert.equal(snapshot.used, 10);
      assert.equal(snapshot.planned, 0);
    });

    it('a budget above 10,000 calls a window is not paced: its Remaining adds no unseen calls', async () => {
      const { clock, store } = await setUp();
      const k = key();
      // A test server's raised limits: half a billion used by other clients. Reconciling would add 10,000
      // entries per answer; unpaced, only the calls answered here are counted.
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await store.reserve(k, `r${i}`, HEAVY, 0), { kind: 'go' });
        await store.complete(k, `r${i}`, HEAVY, learnt(1_000_000_000, 60_000, 500_000_000 - i));
        clock.now += 1;
      }
      const snapshot = await store.snapshot(k, HEAVY);
      assert.equal(snapshot.limit, 1_000_000_000);
      assert.equal(snapshot.used, 5);
    });

    it('budgets of other users and groups are independent', async () => {
      const { store } = await setUp();
      const a = key();
      const b = key();
      await store.reserve(a, 'p', HEAVY, 60_000);
      await store.complete(a, 'p', HEAVY, learnt(1, 60_000, 0));
      assert.equal((await store.reserve(a, 'x', HEAVY, 0)).kind, 'full');
      assert.deepEqual(await store.reserve(b, 'x', HEAVY, 0), { kind: 'go' });
      assert.deepEqual(await store.reserve({ owner: a.owner, group: 'Light' }, 'x', HEAVY, 0), { kind: 'go' });
    });
  });
}
