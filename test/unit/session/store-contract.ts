/**
 * @module test/unit/session/store-contract
 * The contract every `SessionStore` passes (fastify/session `TestStore`, express-session store tests): run it from
 * each store's test file with `runStoreContract(name, makeStore)`. Time is a hand-moved clock; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SessionStore, StoredSession } from '../../../src/session/store.js';

/** A fresh, empty store for one test, plus whatever must be cleaned up after it is closed. */
export interface StoreFixture {
  store: SessionStore;
  dispose?: () => Promise<void>;
}

export type MakeStore = (now: () => number) => Promise<StoreFixture>;

const T0 = 1_700_000_000_000;

function record(overrides: Partial<StoredSession> = {}): StoredSession {
  return { createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000, version: 1, payload: 'v1.key.iv.body', ...overrides };
}

export function runStoreContract(name: string, makeStore: MakeStore): void {
  void describe(`${name} store: SessionStore contract`, () => {
    let clock = T0;
    let fixture: StoreFixture;
    let store: SessionStore;

    beforeEach(async () => {
      clock = T0;
      fixture = await makeStore(() => clock);
      store = fixture.store;
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose?.();
    });

    void it('returns undefined for an id it never stored', async () => {
      assert.equal(await store.get('never-stored'), undefined);
    });

    void it('returns what was set, field for field', async () => {
      const stored = record({ version: 7, payload: 'sealed-data' });
      await store.set('a', stored);
      assert.deepEqual(await store.get('a'), stored);
    });

    void it('round-trips through JSON: neither the input nor a returned record shares objects with the store', async () => {
      const input = { ...record(), payload: 'original' };
      await store.set('a', input);
      input.payload = 'changed after set';
      const first = (await store.get('a')) as { payload: string };
      assert.equal(first.payload, 'original');
      first.payload = 'changed after get';
      assert.equal((await store.get('a'))?.payload, 'original');
      assert.notEqual(await store.get('a'), await store.get('a'));
    });

    void it('keeps only the stored fields (extra properties are not persisted)', async () => {
      await store.set('a', { ...record(), extra: 'not part of the record' } as StoredSession);
      assert.deepEqual(await store.get('a'), record());
    });

    void it('replaces a record on a second set', async () => {
      await store.set('a', record({ payload: 'first', version: 1 }));
      await store.set('a', record({ payload: 'second', version: 2 }));
      assert.deepEqual(await store.get('a'), record({ payload: 'second', version: 2 }));
    });

    void it('destroys a record, and destroying an absent id is not an error', async () => {
      await store.set('a', record());
      await store.destroy('a');
      assert.equal(await store.get('a'), undefined);
      await store.destroy('a');
      await store.destroy('never-stored');
      assert.equal(await store.get('a'), undefined);
      await store.set('b', record());
      await assert.rejects(store.touch('b', T0 + 1, Number.POSITIVE_INFINITY), TypeError);
      await assert.rejects(store.touch('b', -1, T0 + 1), TypeError);
      assert.deepEqual(await store.get('b'), record());
    });

    void it('stops returning a record once the clock reaches its expiresAt', async () => {
      await store.set('a', record({ expiresAt: T0 + 1000 }));
      clock = T0 + 999;
      assert.equal((await store.get('a'))?.expiresAt, T0 + 1000);
      clock = T0 + 1000;
      assert.equal(await store.get('a'), undefined);
      clock = T0 + 5000;
      assert.equal(await store.get('a'), undefined);
    });

    void it('does not return a record that was already expired when it was set', async () => {
      await store.set('a', record({ expiresAt: T0 - 1 }));
      assert.equal(await store.get('a'), undefined);
    });

    void it('touch moves the idle deadline and keeps payload, version and createdAt', async () => {
      await store.set('a', record({ expiresAt: T0 + 1000, payload: 'p', version: 3 }));
      clock = T0 + 500;
      await store.touch('a', T0 + 500, T0 + 2000);
      clock = T0 + 1500;
      assert.deepEqual(
        await store.get('a'),
        record({ lastSeenAt: T0 + 500, expiresAt: T0 + 2000, payload: 'p', version: 3 }),
      );
      clock = T0 + 2000;
      assert.equal(await store.get('a'), undefined);
    });

    void it('touch of an absent id is a no-op', async () => {
      await store.touch('never-stored', T0, T0 + 10_000);
      assert.equal(await store.get('never-stored'), undefined);
    });

    void it('touch does not bring an expired record back', async () => {
      await store.set('a', record({ expiresAt: T0 + 1000 }));
      clock = T0 + 1000;
      await store.touch('a', T0 + 1000, T0 + 10_000);
      assert.equal(await store.get('a'), undefined);
    });

    void it('touch after destroy is a no-op', async () => {
      await store.set('a', record());
      await store.destroy('a');
      await store.touch('a', T0, T0 + 10_000);
      assert.equal(await store.get('a'), undefined);
    });

    void it('applies operations on one id in the order they were called', async () => {
      await Promise.all([
        store.set('a', record({ payload: 'one', version: 1 })),
        store.set('a', record({ payload: 'two', version: 2 })),
        store.touch('a', T0 + 10, T0 + 90_000),
        store.set('b', record({ payload: 'gone' })),
        store.destroy('b'),
        store.destroy('c'),
        store.set('c', record({ payload: 'back' })),
      ]);
      assert.deepEqual(
        await store.get('a'),
        record({ payload: 'two', version: 2, lastSeenAt: T0 + 10, expiresAt: T0 + 90_000 }),
      );
      assert.equal(await store.get('b'), undefined);
      assert.equal((await store.get('c'))?.payload, 'back');
    });

    void it('setIfVersion replaces a live record only over the expected version', async () => {
      await store.set('a', record({ version: 1, payload: 'v1' }));
      assert.equal(await store.setIfVersion('a', record({ version: 2, payload: 'stale writer' }), 0), false);
      assert.equal(await store.setIfVersion('a', record({ version: 2, payload: 'v2' }), 1), true);
      assert.equal(await store.setIfVersion('a', record({ version: 2, payload: 'late writer' }), 1), false);
      assert.deepEqual(await store.get('a'), record({ version: 2, payload: 'v2' }));
      // A touch keeps the version: a writer that loaded before the touch still wins.
      await store.touch('a', T0 + 5, T0 + 90_000);
      assert.equal(await store.setIfVersion('a', record({ version: 3, payload: 'v3', lastSeenAt: T0 + 6 }), 2), true);
      assert.deepEqual(await store.get('a'), record({ version: 3, payload: 'v3', lastSeenAt: T0 + 6 }));
    });

    void it('setIfVersion never recreates a destroyed, absent or expired record', async () => {
      await store.set('gone', record({ version: 3 }));
      await store.destroy('gone');
      assert.equal(await store.setIfVersion('gone', record({ version: 4 }), 3), false);
      assert.equal(await store.get('gone'), undefined, 'a write after a logout does not bring the session back');
      assert.equal(await store.setIfVersion('never', record({ version: 1 }), 0), false);
      assert.equal(await store.get('never'), undefined);
      await store.set('old', record({ version: 5, expiresAt: T0 + 1000 }));
      clock = T0 + 1000;
      assert.equal(await store.setIfVersion('old', record({ version: 6, expiresAt: T0 + 9000 }), 5), false);
      assert.equal(await store.get('old'), undefined);
    });

    void it('setIfVersion: of many concurrent writers over one version exactly one wins', async () => {
      await store.set('race', record({ version: 4 }));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setIfVersion('race', record({ version: 5, payload: `w${i}` }), 4)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.get('race'))?.payload, `w${results.indexOf(true)}`);
    });

    void it('setIfVersion after a destroy issued before it (not awaited) does not write', async () => {
      await store.set('a', record({ version: 1 }));
      const [, written] = await Promise.all([store.destroy('a'), store.setIfVersion('a', record({ version: 2 }), 1)]);
      assert.equal(written, false);
      assert.equal(await store.get('a'), undefined);
    });

    void it('setIfVersion rejects a malformed record or version with a TypeError and writes nothing', async () => {
      await store.set('a', record({ version: 1, payload: 'kept' }));
      await assert.rejects(store.setIfVersion('a', record({ version: 2 }), -1), TypeError);
      await assert.rejects(store.setIfVersion('a', record({ version: 2 }), 1.5), TypeError);
      await assert.rejects(store.setIfVersion('a', record({ version: Number.NaN }), 1), TypeError);
      assert.equal((await store.get('a'))?.payload, 'kept');
    });

    void it('keeps many ids apart', async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
      for (const [i, id] of ids.entries()) await store.set(id, record({ payload: `payload-${i}`, version: i }));
      for (const id of ids.filter((_, i) => i % 2 === 0)) await store.destroy(id);
      for (const [i, id] of ids.entries()) {
        const got = await store.get(id);
        if (i % 2 === 0) assert.equal(got, undefined, id);
        else assert.deepEqual(got, record({ payload: `payload-${i}`, version: i }), id);
      }
    });

    void it('handles concurrent sets of different ids', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `concurrent-${i}`);
      await Promise.all(ids.map((id) => store.set(id, record({ payload: `for ${id}` }))));
      const got = await Promise.all(ids.map((id) => store.get(id)));
      assert.deepEqual(
        got.map((r) => r?.payload),
        ids.map((id) => `for ${id}`),
      );
    });

    void it('stores a large payload intact (1 MiB)', async () => {
      const payload = 'x'.repeat(1024 * 1024 - 7) + 'the-end';
      await store.set('big', record({ payload }));
      const got = await store.get('big');
      assert.equal(got?.payload.length, payload.length);
      assert.equal(got?.payload, payload);
    });

    void it('stores unicode payloads and ids intact', async () => {
      const payload = 'héllo wörld · 日本語 · 🎉👩‍💻 · \u0000 · "quotes" \\ back\\slash · \ud800 lone surrogate';
      const ids = ['ünïcödé-ид-標識-🔑', 'has:colons:in:it', 'x:000000000000001:y', ''];
      for (const id of ids) await store.set(id, record({ payload: `${id}|${payload}` }));
      for (const id of ids) assert.equal((await store.get(id))?.payload, `${id}|${payload}`, id);
    });

    void it('rejects a malformed record with a TypeError and stores nothing', async () => {
      await assert.rejects(store.set('a', record({ expiresAt: Number.NaN })), TypeError);
      await assert.rejects(store.set('a', record({ createdAt: 1.5 })), TypeError);
      await assert.rejects(store.set('a', { ...record(), payload: 42 } as unknown as StoredSession), TypeError);
      assert.equal(await store.get('a'), undefined);
    });

    void it('answers ping while open; after close, ping and every operation reject and a second close resolves', async () => {
      await store.ping();
      await store.set('a', record());
      await store.close();
      await assert.rejects(store.ping());
      await assert.rejects(store.get('a'));
      await assert.rejects(store.set('a', record()));
      await assert.rejects(store.touch('a', T0, T0 + 1));
      await assert.rejects(store.destroy('a'));
      await store.close();
    });
  });
}
