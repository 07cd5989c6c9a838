/**
 * The lease bookkeeping of one instance (`src/redis/budget-leases.ts`) on an injected clock: how much a busy budget
 * asks for, how a lease's slots are handed out and ended, and what goes back to Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetLeases, LEASE_MS, MAX_LEASE } from '../../../src/redis/budget-leases.js';

const KEY = { owner: '1', group: 'Light' };
const LIGHT = { limit: 50, windowMs: 60_000 };
const ID = 'Light\n1';
const done = Promise.resolve();

describe('budget leases', () => {
  it('a budget asks for one slot at first, and twice as many each time a lease runs out within its life', () => {
    const clock = { now: 0 };
    const leases = new BudgetLeases(() => clock.now);
    const asked: number[] = [];
    for (let i = 0; i < 8; i++) {
      const want = leases.ask(ID, KEY, LIGHT, done);
      asked.push(want);
      leases.grant(ID, `t${i}`, want - 1);
      for (let j = 1; j < want; j++) assert.equal(leases.take(ID, `c${i}-${j}`), true);
      assert.equal(leases.take(ID, `none${i}`), false, 'used up');
      clock.now += 10;
    }
    assert.deepEqual(
      asked,
      [1, 2, 4, 8, 16, 32, 32, 32].map((n) => Math.min(n, MAX_LEASE)),
    );
  });

  it('a call on a leased slot runs under the slot id; a call of its own under its ticket', () => {
    const leases = new BudgetLeases(() => 0);
    leases.ask(ID, KEY, LIGHT, done);
    leases.grant(ID, 'lease', 2);
    assert.equal(leases.take(ID, 'x'), true);
    assert.equal(leases.release('x'), 'lease~1');
    assert.equal(leases.release('x'), 'x', 'released once');
    assert.equal(leases.release('own'), 'own');
    assert.equal(leases.unused(ID), 1);
  });

  it('a lease past its life hands out nothing, returns what is left, and sets the next lease to what was used', () => {
    const clock = { now: 0 };
    const leases = new BudgetLeases(() => clock.now);
    leases.ask(ID, KEY, LIGHT, done);
    leases.grant(ID, 'a', 0);
    clock.now += 1;
    leases.ask(ID, KEY, LIGHT, done);
    leases.grant(ID, 'b', 7); // asked for 2, granted more here only to see the count
    for (let i = 0; i < 3; i++) assert.equal(leases.take(ID, `c${i}`), true);
    clock.now += LEASE_MS;
    assert.equal(leases.take(ID, 'late'), false, 'over');
    const returned = leases.expire();
    assert.deepEqual(
      returned.map((r) => [...r.slots].sort()),
      [['b~4', 'b~5', 'b~6', 'b~7']],
    );
    assert.equal(leases.unused(ID), 0);
    assert.equal(leases.ask(ID, KEY, LIGHT, done), 3, 'three of seven were used');
  });

  it('a dropped lease returns its slots and starts again from one slot; an idle budget is forgotten', async () => {
    const clock = { now: 0 };
    const leases = new BudgetLeases(() => clock.now);
    leases.ask(ID, KEY, LIGHT, done);
    clock.now += 1;
    assert.equal(leases.ask(ID, KEY, LIGHT, done), 2);
    leases.grant(ID, 'a', 1);
    assert.deepEqual(leases.drop(ID), ['a~1']);
    assert.equal(leases.take(ID, 'x'), false);
    clock.now += 2 * LEASE_MS;
    await new Promise(setImmediate); // the reservations settle
    assert.deepEqual(leases.expire(), []);
    assert.equal(leases.size, 0, 'forgotten');
    assert.equal(leases.ask(ID, KEY, LIGHT, done), 1);
  });

  it('while a reservation is on its way, later calls of the budget can wait for it', async () => {
    const leases = new BudgetLeases(() => 0);
    let settle: () => void = () => undefined;
    const request = new Promise<void>((resolve) => {
      settle = resolve;
    });
    leases.ask(ID, KEY, LIGHT, request);
    const asking = leases.asking(ID);
    assert.ok(asking !== undefined);
    settle();
    await asking;
    await Promise.resolve();
    assert.equal(leases.asking(ID), undefined, 'cleared once settled');
  });
});
