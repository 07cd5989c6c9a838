import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRateBudget } from '../../../src/web/explorer/rate-budget.js';

const heavy = (remaining: number, limit = 10, windowSeconds = 60) => ({
  group: 'Heavy',
  limit,
  remaining,
  windowSeconds,
});

void describe('rate-limit budget', () => {
  void it('lets calls go while more than the reserve is left, then waits for the whole window', () => {
    let now = 1_000_000;
    const budget = createRateBudget({ now: () => now, marginMs: 250 });
    assert.equal(budget.delayBefore('u1', 'Heavy', 1), 0, 'unknown budget: go');
    budget.observe('u1', heavy(2));
    assert.equal(budget.delayBefore('u1', 'heavy', 1), 0, 'group names are case-insensitive');
    budget.observe('u1', heavy(1));
    assert.equal(budget.delayBefore('u1', 'Heavy', 1), 60_250);
    assert.equal(budget.delayBefore('u1', 'Heavy', 0), 0, 'no reserve: the last call may go');
    now += 30_000;
    assert.equal(budget.delayBefore('u1', 'Heavy', 1), 30_250);
    now += 30_000;
    assert.equal(budget.current('u1', 'Heavy'), undefined, 'after the window the budget counts as refilled');
    assert.equal(budget.delayBefore('u1', 'Heavy', 1), 0);
    assert.equal(budget.delayBefore('u2', 'Heavy', 1), 0, 'budgets are per user');
  });

  void it('blocks a group for the Retry-After of a 429', () => {
    let now = 0;
    const budget = createRateBudget({ now: () => now, marginMs: 0 });
    budget.block('u1', 'Heavy', 60);
    assert.equal(budget.delayBefore('u1', 'Heavy', 0), 60_000);
    assert.equal(budget.affords('u1', 'Heavy', 1, 0), false);
    assert.equal(budget.delayBefore('u1', 'Light', 0), 0, 'other groups are not blocked');
    now = 60_000;
    assert.equal(budget.delayBefore('u1', 'Heavy', 0), 0);
  });

  void it('says whether a number of calls is affordable now', () => {
    const budget = createRateBudget({ now: () => 0 });
    assert.equal(budget.affords('u1', 'Heavy', 5, 2), true, 'unknown: affordable');
    budget.observe('u1', heavy(7));
    assert.equal(budget.affords('u1', 'Heavy', 5, 2), true);
    assert.equal(budget.affords('u1', 'Heavy', 6, 2), false);
    budget.observe('u1', undefined);
    assert.equal(budget.current('u1', 'Heavy')?.remaining, 7, 'an answer without headers changes nothing');
  });

  void it('runs the tasks of one user one after another, and of different users side by side', async () => {
    const budget = createRateBudget({ now: () => 0 });
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = budget.exclusive('u1', async () => {
      order.push('a start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('a end');
      return 'a';
    });
    const second = budget.exclusive('u1', () => {
      order.push('b');
      return Promise.resolve('b');
    });
    const other = budget.exclusive('u2', () => {
      order.push('c');
      return Promise.resolve('c');
    });
    assert.equal(await other, 'c');
    assert.deepEqual(order, ['a start', 'c'], 'u2 did not wait for u1');
    releaseFirst();
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
    assert.deepEqual(order, ['a start', 'c', 'a end', 'b']);
    const failing = budget.exclusive('u1', () => Promise.reject(new Error('boom')));
    await assert.rejects(failing, /boom/);
    assert.equal(
      await budget.exclusive('u1', () => Promise.resolve('after')),
      'after',
      'a failure does not jam the queue',
    );
  });

  void it('forgets the least recently seen users beyond its bound', () => {
    const budget = createRateBudget({ now: () => 0, maxSubjects: 2 });
    budget.observe('u1', heavy(0));
    budget.observe('u2', heavy(0));
    budget.observe('u1', heavy(0));
    budget.observe('u3', heavy(0));
    assert.equal(budget.current('u2', 'Heavy'), undefined);
    assert.ok(budget.current('u1', 'Heavy'));
    assert.ok(budget.current('u3', 'Heavy'));
  });
});
