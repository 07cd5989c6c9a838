/**
 * The in-process budget store against the shared contract, plus what only it does: idle budgets are forgotten and
 * the number of budgets is bounded.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMemoryBudgetStore } from '../../../src/governor/budget-store.js';
import { budgetStoreContract } from './budget-store-contract.js';

budgetStoreContract('memory', (clock) => Promise.resolve(createMemoryBudgetStore({ now: () => clock.now })));

const HEAVY = { limit: 10, windowMs: 60_000 };

it('memory store: an idle budget is forgotten after an hour (learnt values too)', async () => {
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

it('memory store: at most maxBudgets budgets, the least recently used forgotten first', async () => {
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

it('memory store: a budget above 10,000 calls a window (raised test limits) is not paced, and stays bounded', async () => {
  let now = 0;
  const store = createMemoryBudgetStore({ now: () => now });
  const k = { owner: '1', group: 'Medium' };
  await store.reserve(k, 'p', HEAVY, 0);
  // RingCentral says half of a billion is used: not a billion entries.
  await store.complete(k, 'p', HEAVY, { limit: 1_000_000_000, windowMs: 60_000, remaining: 500_000_000 });
  for (let i = 0; i < 10_050; i++) {
    assert.equal((await store.reserve(k, `t${i}`, HEAVY, 0)).kind, 'go');
    await store.complete(k, `t${i}`, HEAVY, {});
    now += 1;
  }
  assert.equal((await store.snapshot(k, HEAVY)).used, 10_000);
});
