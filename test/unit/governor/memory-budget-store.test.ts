/**
 * The in-process budget store against the shared contract, plus what only it does: idle budgets are forgotten and
 * the number of budgets is bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBudgetStore } from '../../../src/governor/budget-store.js';
import { budgetStoreContract } from './budget-store-contract.js';

budgetStoreContract('memory', (clock) => Promise.resolve(createMemoryBudgetStore({ now: () => clock.now })));

const HEAVY = { limit: 10, windowMs: 60_000 };

test('memory store: an idle budget is forgotten after an hour (learnt values too)', async () => {
  let now = 0;
  const store = createMemoryBudgetStore({ now: () => now });
  const k = { owner: '1', group: 'Heavy' };
  await store.reserve(k, 'a', HEAVY, 0);
  await store.complete(k, 'a', HEAVY, { limit: 2, windowMs: 1000 });
  assert.equal((await store.snapshot(k, HEAVY)).learned, true);
  now += 3_600_001;
  assert.deepEqual(await store.snapshot(k, HEAVY), {
    limit: 10,
    windowMs: 60_000,
    learned: false,
    used: 0,
    planned: 0,
    blockedForMs: 0,
  });
});

test('memory store: at most maxBudgets budgets, the least recently used forgotten first', async () => {
  const store = createMemoryBudgetStore({ now: () => 0, maxBudgets: 3 });
  for (const owner of ['1', '2', '3']) {
    await store.reserve({ owner, group: 'Heavy' }, 't', HEAVY, 0);
    await store.complete({ owner, group: 'Heavy' }, 't', HEAVY, { limit: 1, windowMs: 1000, remaining: 0 });
  }
  await store.snapshot({ owner: '1', group: 'Heavy' }, HEAVY);
  await store.reserve({ owner: '4', group: 'Heavy' }, 't', HEAVY, 0);
  assert.equal((await store.snapshot({ owner: '1', group: 'Heavy' }, HEAVY)).learned, true, 'recently used: kept');
  assert.equal((await store.snapshot({ owner: '2', group: 'Heavy' }, HEAVY)).learned, false, 'oldest: forgotten');
});
