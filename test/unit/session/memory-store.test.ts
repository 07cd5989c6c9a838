/**
 * @module test/unit/session/memory-store.test
 * The memory store passes the store contract; plus its own sweep.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('memory', (now) => Promise.resolve({ store: createMemoryStore({ now }) }));

void describe('memory store', () => {
  void it('keeps records as JSON strings in the injected map', async () => {
    const map = new Map<string, string>();
    const store = createMemoryStore({ now: () => 0, map });
    await store.set('a', { createdAt: 0, lastSeenAt: 0, expiresAt: 10, version: 1, payload: 'sealed' });
    assert.deepEqual(JSON.parse(map.get('a') ?? 'null'), {
      createdAt: 0,
      lastSeenAt: 0,
      expiresAt: 10,
      version: 1,
      payload: 'sealed',
    });
    await store.close();
  });

  void it('sweep removes expired records and keeps live ones', async () => {
    let clock = 1000;
    const map = new Map<string, string>();
    const store = createMemoryStore({ now: () => clock, map });
    for (let i = 0; i < 10; i++) {
      await store.set(`s${i}`, {
        createdAt: 1000,
        lastSeenAt: 1000,
        expiresAt: 1000 + i * 100,
        version: 1,
        payload: 'p',
      });
    }
    clock = 1450; // s0..s4 expired (expiresAt <= 1450)
    assert.equal(await store.sweep(), 5);
    assert.deepEqual([...map.keys()].sort(), ['s5', 's6', 's7', 's8', 's9']);
    assert.equal(await store.sweep(), 0);
    await store.close();
  });

  void it('runs the periodic sweep every sweepIntervalMs', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let clock = 0;
    const map = new Map<string, string>();
    const store = createMemoryStore({ now: () => clock, map, sweepIntervalMs: 1000 });
    await store.set('a', { createdAt: 0, lastSeenAt: 0, expiresAt: 500, version: 1, payload: 'p' });
    clock = 600;
    t.mock.timers.tick(999);
    assert.equal(map.size, 1);
    t.mock.timers.tick(1);
    assert.equal(map.size, 0);
    await store.close();
  });
});
