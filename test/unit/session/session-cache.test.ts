/**
 * @module test/unit/session/session-cache.test
 * The session manager's in-process cache (`cacheSize`, for the embedded store): busy sessions are served without
 * a store read, every write goes through to the store and the cache, expiry still applies, the cache is bounded,
 * and a store read that started before a write never puts the older record back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { SessionCache } from '../../../src/session/session-cache.js';
import { SessionManager, type Session } from '../../../src/session/session-manager.js';
import type { SessionStore } from '../../../src/session/store.js';
import type { SessionData, TokenSet } from '../../../src/session/types.js';

const SECRET = 'session-cache-test-secret-0123456789abcdef';
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const IDLE = 30 * MINUTE;
const ABSOLUTE = 8 * 60 * MINUTE;

const tokens: TokenSet = {
  accessToken: 'ACCESS-1',
  refreshToken: 'REFRESH-1',
  tokenType: 'bearer',
  scope: 'ReadAccounts ReadCallLog',
  ownerId: '101',
  accessExpiresAt: T0 + 3600_000,
};

interface Spy {
  gets: number;
}

function setup(cacheSize: number) {
  const clock = { now: T0 };
  const now = (): number => clock.now;
  const inner = createMemoryStore({ now });
  const spy: Spy = { gets: 0 };
  const store: SessionStore = {
    ...inner,
    kind: 'embedded',
    get(id) {
      spy.gets++;
      return inner.get(id);
    },
  };
  const manager = new SessionManager({
    store,
    cipher: createSessionCipher([SECRET]),
    idleTimeoutMs: IDLE,
    absoluteTimeoutMs: ABSOLUTE,
    touchIntervalMs: MINUTE,
    now,
    cacheSize,
  });
  return { clock, spy, store, inner, manager };
}

void describe('session manager cache', () => {
  void it('serves a busy session from memory after the first read, a fresh copy each time', async () => {
    const { manager, spy } = setup(100);
    const session = manager.create({ tokens });
    await manager.save(session);
    const first = await manager.load(session.id);
    const second = await manager.load(session.id);
    assert.equal(spy.gets, 0, 'a session just saved is cached');
    assert.deepEqual(first?.data, session.data);
    assert.deepEqual(second, first);
    assert.notEqual(second?.data, first?.data, 'each load has its own copy');
    assert.ok(first);
    first.data.flash = 'changed in one request only';
    first.data.tokens = { ...tokens, accessToken: 'REPLACED-IN-ONE-REQUEST' };
    const third = await manager.load(session.id);
    assert.equal(third?.data.flash, undefined);
    assert.equal(third?.data.tokens?.accessToken, 'ACCESS-1');
    assert.equal(spy.gets, 0);
  });

  void it('the values below the top level are shared between loads, and frozen: changing one in place throws', async () => {
    const { manager, inner } = setup(100);
    const session = manager.create({ tokens });
    await manager.save(session);
    const cached = await manager.load(session.id);
    assert.ok(cached?.data.tokens);
    assert.throws(() => {
      (cached.data.tokens as { accessToken: string }).accessToken = 'MUTATED';
    }, TypeError);
    // The same on a load from the store (after a restart: another manager, cache empty).
    const fresh = new SessionManager({
      store: inner,
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
      touchIntervalMs: MINUTE,
      now: () => T0,
      cacheSize: 100,
    });
    const read = await fresh.load(session.id);
    assert.ok(read?.data.tokens);
    assert.throws(() => {
      (read.data.tokens as { scope: string }).scope = 'MUTATED';
    }, TypeError);
    assert.equal((await fresh.load(session.id))?.data.tokens?.scope, tokens.scope);
  });

  void it('without cacheSize every load reads the store (the default)', async () => {
    const { clock } = setup(1);
    const store = createMemoryStore({ now: () => clock.now });
    let gets = 0;
    const manager = new SessionManager({
      store: { ...store, get: (id) => (gets++, store.get(id)) },
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
      now: () => clock.now,
    });
    const session = manager.create({ tokens });
    await manager.save(session);
    for (let i = 0; i < 3; i++) await manager.load(session.id);
    assert.equal(gets, 3);
  });

  void it('fills the cache from a store read (e.g. after a restart) and writes through on save', async () => {
    const { manager, spy, store, inner } = setup(100);
    const session = manager.create({ tokens });
    await manager.save(session);
    // Another manager over the same store (a restart): its cache starts empty.
    const restarted = new SessionManager({
      store,
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
      now: () => T0,
      cacheSize: 100,
    });
    const loaded = await restarted.load(session.id);
    assert.equal(spy.gets, 1);
    assert.equal((await restarted.load(session.id))?.version, 1);
    assert.equal(spy.gets, 1, 'the second load is served from the cache');
    loaded!.data.tokens = { ...tokens, accessToken: 'ACCESS-2' };
    await restarted.save(loaded!);
    assert.equal((await restarted.load(session.id))?.data.tokens?.accessToken, 'ACCESS-2');
    assert.equal(spy.gets, 1);
    const record = await inner.get(session.id);
    assert.equal(record?.version, 2, 'the write reached the store');
  });

  void it('destroy and regenerate remove the old id from the cache and the store', async () => {
    const { manager, inner } = setup(100);
    const a = manager.create({ tokens });
    await manager.save(a);
    await manager.load(a.id);
    await manager.destroy(a.id);
    assert.equal(await manager.load(a.id), undefined);
    assert.equal(await inner.get(a.id), undefined);

    const b = manager.create({ tokens });
    await manager.save(b);
    const fresh = await manager.regenerate(b);
    assert.equal(await manager.load(b.id), undefined);
    assert.equal(await inner.get(b.id), undefined);
    assert.deepEqual((await manager.load(fresh.id))?.data, fresh.data);
    assert.deepEqual(fresh.data.tokens, b.data.tokens);
  });

  void it('applies the idle and absolute timeouts to cached sessions', async () => {
    const { manager, clock } = setup(100);
    const session = manager.create({ tokens });
    await manager.save(session);
    clock.now = T0 + IDLE - 1;
    assert.ok(await manager.load(session.id));
    clock.now = T0 + IDLE;
    assert.equal(await manager.load(session.id), undefined);

    clock.now = T0;
    const busy = manager.create({ tokens });
    await manager.save(busy);
    for (let t = T0 + IDLE / 2; t < T0 + ABSOLUTE; t += IDLE / 2) {
      clock.now = t;
      const s = await manager.load(busy.id);
      assert.ok(s);
      await manager.touch(s);
    }
    clock.now = T0 + ABSOLUTE;
    assert.equal(await manager.load(busy.id), undefined, 'the absolute timeout ends even a busy session');
  });

  void it('a touch moves the cached idle deadline', async () => {
    const { manager, clock, spy, inner } = setup(100);
    const session = manager.create({ tokens });
    await manager.save(session);
    clock.now = T0 + 2 * MINUTE;
    await manager.touch(session);
    const loaded = await manager.load(session.id);
    assert.equal(loaded?.lastSeenAt, T0 + 2 * MINUTE);
    assert.equal(spy.gets, 0);
    assert.equal((await inner.get(session.id))?.lastSeenAt, T0 + 2 * MINUTE);
    clock.now = T0 + 2 * MINUTE + IDLE - 1;
    assert.ok(await manager.load(session.id), 'still alive thanks to the touch');
  });

  void it('keeps at most cacheSize sessions, dropping the least recently used', async () => {
    const { manager, spy } = setup(2);
    const [a, b, c] = [manager.create({ tokens }), manager.create({ tokens }), manager.create({ tokens })];
    await manager.save(a);
    await manager.save(b);
    await manager.load(a.id); // a is now more recent than b
    await manager.save(c); // evicts b
    assert.equal(spy.gets, 0);
    await manager.load(a.id);
    await manager.load(c.id);
    assert.equal(spy.gets, 0);
    assert.ok(await manager.load(b.id));
    assert.equal(spy.gets, 1, 'b was evicted and read from the store');
  });

  /** A caching manager over `inner` whose store reads take the record at once but answer only on `release()`. */
  function slowReader(inner: SessionStore) {
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined = new Promise<void>((resolve) => {
      release = resolve;
    });
    let gets = 0;
    const manager = new SessionManager({
      store: {
        ...inner,
        get: async (id) => {
          gets++;
          const record = await inner.get(id);
          if (gate !== undefined) await gate;
          return record;
        },
      },
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
      now: () => T0,
      cacheSize: 100,
    });
    return {
      manager,
      gets: () => gets,
      release() {
        gate = undefined;
        release();
      },
    };
  }

  void it('a store read that started before a write never puts the older record back', async () => {
    const { manager: creator, inner } = setup(100);
    const session = creator.create({ tokens });
    await creator.save(session);
    const slow = slowReader(inner);
    const read = slow.manager.load(session.id); // takes version 1 now, answers later
    await slow.manager.save({
      ...session,
      data: { ...session.data, tokens: { ...tokens, accessToken: 'ACCESS-NEW' } },
    });
    slow.release();
    assert.equal((await read)?.data.tokens?.accessToken, 'ACCESS-1', 'the slow read returns what it read');
    assert.equal((await slow.manager.load(session.id))?.data.tokens?.accessToken, 'ACCESS-NEW');
    assert.equal(slow.gets(), 1, 'the newer record came from the cache');
  });

  void it('a store read under way when the session is destroyed does not bring it back (logout stays logout)', async () => {
    const { manager: creator, inner } = setup(100);
    const session = creator.create({ tokens });
    await creator.save(session);
    const slow = slowReader(inner);
    const read = slow.manager.load(session.id);
    await slow.manager.destroy(session.id);
    slow.release();
    assert.ok(await read, 'the read under way still answers what it read');
    assert.equal(await slow.manager.load(session.id), undefined);
    assert.equal(await inner.get(session.id), undefined);
  });

  void it('rejects a bad cacheSize', () => {
    const options = {
      store: createMemoryStore({ now: () => T0 }),
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
    };
    for (const cacheSize of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new SessionManager({ ...options, cacheSize }), /cacheSize/);
    }
    assert.throws(() => new SessionCache(0), RangeError);
  });
});

/**
 * A change feed driven by the test, with the contract of `SessionChangeFeed` (what Redis tracking provides in
 * production: `redis/session-tracking.ts`, tested on a real Redis in `test/unit/redis/session-tracking.test.ts`).
 */
function manualFeed() {
  const listeners: ((id: string | undefined) => void)[] = [];
  const feed = {
    live: true,
    listen(listener: (id: string | undefined) => void) {
      listeners.push(listener);
    },
    report(id: string | undefined) {
      for (const listener of listeners) listener(id);
    },
  };
  return feed;
}

void describe('session manager cache with a change feed (a store other processes write)', () => {
  /** Two "instances": managers with their own caches over one shared store; `second` has the feed. */
  function shared(options: { slow?: boolean } = {}) {
    const inner = createMemoryStore({ now: () => T0 });
    const feed = manualFeed();
    let gets = 0;
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined;
    const hold = (): void => {
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
    };
    const common = {
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: ABSOLUTE,
      now: () => T0,
    };
    const first = new SessionManager({ ...common, store: inner });
    const store: SessionStore = {
      ...inner,
      kind: 'redis',
      changes: feed,
      get: async (id) => {
        gets++;
        const record = await inner.get(id);
        if (options.slow === true && gate !== undefined) await gate;
        return record;
      },
    };
    const second = new SessionManager({ ...common, store, cacheSize: 100, changes: feed });
    return { inner, feed, first, second, gets: () => gets, hold, release: () => release() };
  }

  async function loggedIn(first: SessionManager) {
    const session = first.create({ tokens });
    await first.save(session);
    return session;
  }

  const withToken = (session: Session, accessToken: string): SessionData => ({
    ...session.data,
    tokens: { ...tokens, accessToken },
  });

  void it('serves from memory while nothing is reported; a reported change is read again', async () => {
    const { feed, first, second, gets } = shared();
    const session = await loggedIn(first);
    await second.load(session.id);
    await second.load(session.id);
    assert.equal(gets(), 1, 'read once');
    const changed = { ...session, data: withToken(session, 'ACCESS-NEW') };
    assert.ok(await first.save(changed));
    feed.report(session.id);
    assert.equal((await second.load(session.id))?.data.tokens?.accessToken, 'ACCESS-NEW');
    assert.equal(gets(), 2);
  });

  void it('a reported logout ends the session at the next load', async () => {
    const { feed, first, second } = shared();
    const session = await loggedIn(first);
    assert.ok(await second.load(session.id));
    await first.destroy(session.id);
    feed.report(session.id);
    assert.equal(await second.load(session.id), undefined);
  });

  void it('while the feed is not live: every load reads the store, nothing is kept', async () => {
    const { feed, first, second, gets } = shared();
    const session = await loggedIn(first);
    assert.ok(await second.load(session.id));
    feed.live = false;
    // A change the feed could not report: a copy from before must not be served.
    assert.ok(await first.save({ ...session, data: withToken(session, 'ACCESS-UNREPORTED') }));
    assert.equal((await second.load(session.id))?.data.tokens?.accessToken, 'ACCESS-UNREPORTED');
    assert.equal((await second.load(session.id))?.data.tokens?.accessToken, 'ACCESS-UNREPORTED');
    assert.equal(gets(), 3, 'one read per load while not live');
    feed.report(undefined);
    feed.live = true;
    await second.load(session.id);
    await second.load(session.id);
    assert.equal(gets(), 4, 'kept again once live');
  });

  void it('"all" empties the cache', async () => {
    const { feed, first, second, gets } = shared();
    const a = await loggedIn(first);
    const b = await loggedIn(first);
    await second.load(a.id);
    await second.load(b.id);
    feed.report(undefined);
    await second.load(a.id);
    await second.load(b.id);
    assert.equal(gets(), 4);
  });

  void it('a read under way when a change is reported is not kept (the change may postdate what it read)', async () => {
    const { feed, first, second, gets, hold, release } = shared({ slow: true });
    const session = await loggedIn(first);
    hold();
    const reading = second.load(session.id); // reads version 1 now, answers on release()
    await first.destroy(session.id);
    feed.report(session.id);
    release();
    assert.ok(await reading, 'the read under way answers what it read');
    assert.equal(await second.load(session.id), undefined, 'the next load reads again and finds it gone');
    assert.equal(gets(), 2);
  });

  void it('a read under way when the feed was interrupted and resumed is not kept', async () => {
    const { feed, first, second, hold, release } = shared({ slow: true });
    const session = await loggedIn(first);
    hold();
    const reading = second.load(session.id);
    feed.live = false;
    await first.destroy(session.id); // not reported: the feed is down
    feed.report(undefined);
    feed.live = true;
    release();
    assert.ok(await reading);
    assert.equal(await second.load(session.id), undefined);
  });

  void it("this process's own writes are not copied in: the feed reports them, the next load reads", async () => {
    const { second, gets } = shared();
    const session = second.create({ tokens });
    await second.save(session);
    assert.ok(await second.load(session.id));
    assert.equal(gets(), 1);
    await second.touch({ ...session, lastSeenAt: T0 - 2 * MINUTE });
    await second.load(session.id);
    assert.equal(gets(), 2, 'a touch drops the copy too');
  });
});
