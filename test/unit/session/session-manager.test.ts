/**
 * @module test/unit/session/session-manager.test
 * The session manager over a memory store with a hand-moved clock and a spy counting store calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { isSessionId, SessionManager, type SessionManagerOptions } from '../../../src/session/session-manager.js';
import type { SessionStore } from '../../../src/session/store.js';
import type { TokenSet } from '../../../src/session/types.js';

const SECRET = 'session-manager-test-secret-0123456789';
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const IDLE = 30 * MINUTE;
const ANON_IDLE = 5 * MINUTE;
const ABSOLUTE = 8 * 60 * MINUTE;

const tokens: TokenSet = {
  accessToken: 'ACCESS-TOKEN-U0pDMTFQMDFQQVMwMHxBQUJfMDAx',
  refreshToken: 'REFRESH-TOKEN-U0pDMTFQMDFQQVMwMHxBQUJfMDAy',
  tokenType: 'bearer',
  scope: 'ReadAccounts ReadCallLog',
  ownerId: '101',
  accessExpiresAt: T0 + 3600_000,
  refreshExpiresAt: T0 + 7 * 24 * 3600_000,
};

type Method = 'get' | 'set' | 'setIfVersion' | 'destroy' | 'touch' | 'ping' | 'close';

function spyOn(store: SessionStore): SessionStore & { calls: Record<Method, number> } {
  const calls: Record<Method, number> = { get: 0, set: 0, setIfVersion: 0, destroy: 0, touch: 0, ping: 0, close: 0 };
  return {
    kind: store.kind,
    calls,
    get: (id) => (calls.get++, store.get(id)),
    set: (id, s) => (calls.set++, store.set(id, s)),
    setIfVersion: (id, s, v) => (calls.setIfVersion++, store.setIfVersion(id, s, v)),
    destroy: (id) => (calls.destroy++, store.destroy(id)),
    touch: (id, l, e) => (calls.touch++, store.touch(id, l, e)),
    ping: () => (calls.ping++, store.ping()),
    close: () => (calls.close++, store.close()),
  };
}

function setup(overrides: Partial<SessionManagerOptions> = {}) {
  const clock = { now: T0 };
  const now = (): number => clock.now;
  const map = new Map<string, string>();
  const store = spyOn(createMemoryStore({ now, map }));
  const manager = new SessionManager({
    store,
    cipher: createSessionCipher([SECRET]),
    idleTimeoutMs: IDLE,
    absoluteTimeoutMs: ABSOLUTE,
    anonymousIdleTimeoutMs: ANON_IDLE,
    touchIntervalMs: MINUTE,
    now,
    ...overrides,
  });
  return { clock, map, store, manager };
}

void describe('session manager', () => {
  void it('makes 256-bit base64url ids, all different', () => {
    const { manager } = setup();
    const ids = new Set(Array.from({ length: 1000 }, () => manager.newId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(id, 'base64url').length, 32);
      assert.ok(isSessionId(id));
    }
  });

  void it('creates a session with a random csrf token that is stored only on save', async () => {
    const { manager, store } = setup();
    const a = manager.create();
    const b = manager.create({ flash: 'hello' });
    assert.match(a.data.csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.data.csrf, b.data.csrf);
    assert.equal(b.data.flash, 'hello');
    assert.deepEqual([a.createdAt, a.lastSeenAt, a.version], [T0, T0, 0]);
    assert.equal(manager.create({ csrf: 'given' }).data.csrf, 'given');
    assert.equal(store.calls.set, 0);
    assert.equal(await manager.load(a.id), undefined);
  });

  void it('saves and loads the same data, counting versions', async () => {
    const { manager, clock } = setup();
    const session = manager.create({ tokens, user: { name: 'Zoë', extensionNumber: '101' } });
    await manager.save(session);
    assert.equal(session.version, 1);
    clock.now += 1000;
    const loaded = await manager.load(session.id);
    assert.deepEqual(loaded, { id: session.id, data: session.data, createdAt: T0, lastSeenAt: T0, version: 1 });
    loaded.data.flash = 'changed';
    await manager.save(loaded);
    const again = await manager.load(session.id);
    assert.equal(again?.version, 2);
    assert.equal(again?.data.flash, 'changed');
    assert.equal(again?.lastSeenAt, T0 + 1000);
    assert.equal(again?.createdAt, T0);
  });

  void it('never writes on load', async () => {
    const { manager, store } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    const writes = store.calls.set + store.calls.touch + store.calls.destroy;
    for (let i = 0; i < 5; i++) await manager.load(session.id);
    await manager.load(manager.newId());
    assert.equal(store.calls.set + store.calls.touch + store.calls.destroy, writes);
  });

  void it('rejects malformed ids without calling the store', async () => {
    const { manager, store } = setup();
    const bad = [
      '',
      'short',
      'x'.repeat(44),
      'x'.repeat(42) + '=',
      'x'.repeat(42) + '/',
      'é'.repeat(43),
      '../'.repeat(15),
    ];
    for (const id of bad) assert.equal(await manager.load(id), undefined, id);
    assert.equal(await manager.load(42 as unknown as string), undefined);
    for (const id of bad) await manager.destroy(id);
    assert.equal(store.calls.get, 0);
    assert.equal(store.calls.destroy, 0);
  });

  void it('ends a logged-in session after the idle timeout', async () => {
    const { manager, clock } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    clock.now = T0 + IDLE - 1;
    assert.ok(await manager.load(session.id));
    clock.now = T0 + IDLE;
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('ends a session holding only a login in progress after the shorter anonymous idle timeout', async () => {
    const { manager, clock } = setup();
    const session = manager.create({ login: { state: 's', codeVerifier: 'v', startedAt: T0 } });
    await manager.save(session);
    assert.equal(manager.expiresAt(session), T0 + ANON_IDLE);
    clock.now = T0 + ANON_IDLE - 1;
    assert.ok(await manager.load(session.id));
    clock.now = T0 + ANON_IDLE;
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('uses the idle timeout for anonymous sessions when no anonymous timeout is set', async () => {
    const { manager, clock } = setup({ anonymousIdleTimeoutMs: undefined });
    const session = manager.create();
    await manager.save(session);
    clock.now = T0 + IDLE - 1;
    assert.ok(await manager.load(session.id));
    clock.now = T0 + IDLE;
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('ends a session at the absolute timeout however active it is', async () => {
    const { manager, clock } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    let current = session;
    // Use the session every 20 minutes: the idle timeout never hits, the absolute one does.
    for (let t = T0 + 20 * MINUTE; t < T0 + ABSOLUTE; t += 20 * MINUTE) {
      clock.now = t;
      const loaded = await manager.load(current.id);
      assert.ok(loaded, `alive at +${(t - T0) / MINUTE} min`);
      await manager.touch(loaded);
      current = loaded;
    }
    clock.now = T0 + ABSOLUTE - 1;
    assert.ok(await manager.load(session.id));
    assert.equal(manager.expiresAt(current), T0 + ABSOLUTE);
    clock.now = T0 + ABSOLUTE;
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('applies a shortened absolute timeout to records written under a longer one', async () => {
    const { manager, store, map, clock } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    const strict = new SessionManager({
      store,
      cipher: createSessionCipher([SECRET]),
      idleTimeoutMs: IDLE,
      absoluteTimeoutMs: 10 * MINUTE,
      now: () => clock.now,
    });
    clock.now = T0 + 10 * MINUTE;
    assert.ok(map.has(session.id));
    assert.equal(await strict.load(session.id), undefined);
    assert.ok(await manager.load(session.id));
  });

  void it('touch moves the idle deadline, without rewriting the data', async () => {
    const { manager, clock, store } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    clock.now = T0 + 20 * MINUTE;
    const loaded = (await manager.load(session.id))!;
    await manager.touch(loaded);
    assert.equal(store.calls.touch, 1);
    assert.equal(store.calls.set, 1);
    assert.equal(loaded.lastSeenAt, T0 + 20 * MINUTE);
    clock.now = T0 + 20 * MINUTE + IDLE - 1;
    const later = await manager.load(session.id);
    assert.equal(later?.lastSeenAt, T0 + 20 * MINUTE);
    assert.equal(later?.version, 1);
    clock.now = T0 + 20 * MINUTE + IDLE;
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('throttles touches: at most one store write per touch interval', async () => {
    const { manager, clock, store } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    // 100 requests, one every second, over 100 s: with a 60 s interval, exactly one touch reaches the store.
    for (let i = 1; i <= 100; i++) {
      clock.now = T0 + i * 1000;
      const loaded = (await manager.load(session.id))!;
      await manager.touch(loaded);
    }
    assert.equal(store.calls.touch, 1);
    assert.equal((await manager.load(session.id))?.lastSeenAt, T0 + 60_000);
    // Just after a save, touching is a no-op too.
    const loaded = (await manager.load(session.id))!;
    await manager.save(loaded);
    await manager.touch(loaded);
    assert.equal(store.calls.touch, 1);
  });

  void it('regenerate moves the data to a new id with a new anti-CSRF token, removes the old id from the store and restarts the absolute timeout', async () => {
    const { manager, clock, map } = setup();
    const anonymous = manager.create({ login: { state: 's', codeVerifier: 'v', startedAt: T0 } });
    await manager.save(anonymous);
    clock.now = T0 + MINUTE;
    const loaded = (await manager.load(anonymous.id))!;
    delete loaded.data.login;
    loaded.data.tokens = tokens;
    const fresh = await manager.regenerate(loaded);
    assert.notEqual(fresh.id, anonymous.id);
    assert.ok(isSessionId(fresh.id));
    assert.equal(map.has(anonymous.id), false);
    assert.equal(await manager.load(anonymous.id), undefined);
    const reloaded = await manager.load(fresh.id);
    const { csrf, ...data } = reloaded?.data ?? { csrf: '' };
    assert.deepEqual(data, { tokens });
    assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(csrf, anonymous.data.csrf, 'a new anti-CSRF token at login');
    assert.equal(reloaded?.createdAt, T0 + MINUTE);
    assert.equal(reloaded?.version, 1);
    assert.notEqual(fresh.data, loaded.data, 'the new session does not share the data object with the old one');
  });

  void it('destroy removes the session', async () => {
    const { manager, map } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    await manager.destroy(session.id);
    assert.equal(map.size, 0);
    assert.equal(await manager.load(session.id), undefined);
    await manager.destroy(session.id);
  });

  void it('treats a tampered payload as no session', async () => {
    const { manager, map } = setup();
    const session = manager.create({ tokens });
    await manager.save(session);
    const raw = JSON.parse(map.get(session.id)!) as { payload: string };
    const i = raw.payload.length - 5;
    raw.payload = raw.payload.slice(0, i) + (raw.payload[i] === 'A' ? 'B' : 'A') + raw.payload.slice(i + 1);
    map.set(session.id, JSON.stringify(raw));
    assert.equal(await manager.load(session.id), undefined);
  });

  void it('does not open a payload copied under another id', async () => {
    const { manager, map } = setup();
    const victim = manager.create({ tokens });
    await manager.save(victim);
    const attackerId = manager.newId();
    map.set(attackerId, map.get(victim.id)!);
    assert.equal(await manager.load(attackerId), undefined);
    assert.ok(await manager.load(victim.id));
  });

  void it('does not open a session sealed with a secret no longer configured, and opens it while still configured', async () => {
    const { store, clock } = setup();
    const options = { store, idleTimeoutMs: IDLE, absoluteTimeoutMs: ABSOLUTE, now: () => clock.now };
    const old = new SessionManager({ ...options, cipher: createSessionCipher([SECRET]) });
    const session = old.create({ tokens });
    await old.save(session);
    const NEW = 'rotated-secret-rotated-secret-0123456789';
    const rotated = new SessionManager({ ...options, cipher: createSessionCipher([NEW, SECRET]) });
    assert.ok(await rotated.load(session.id));
    const dropped = new SessionManager({ ...options, cipher: createSessionCipher([NEW]) });
    assert.equal(await dropped.load(session.id), undefined);
  });

  void it('never stores tokens, csrf or user data in plaintext', async () => {
    const { manager, map } = setup();
    const session = manager.create({ tokens, user: { name: 'Distinctive Name', extensionNumber: '101' } });
    await manager.save(session);
    const regenerated = await manager.regenerate((await manager.load(session.id))!);
    await manager.touch(regenerated);
    const raw = [...map.values()].join('\n');
    assert.ok(raw.length > 0);
    for (const secret of [
      tokens.accessToken,
      tokens.refreshToken!,
      session.data.csrf,
      'Distinctive Name',
      'ReadCallLog',
    ]) {
      assert.ok(!raw.includes(secret), `raw store record contains ${secret.slice(0, 12)}…`);
    }
  });

  void it('rejects invalid timeouts', () => {
    const base = { store: createMemoryStore({ now: () => 0 }), cipher: createSessionCipher([SECRET]) };
    assert.throws(() => new SessionManager({ ...base, idleTimeoutMs: 0, absoluteTimeoutMs: 1 }), /"idleTimeoutMs"/);
    assert.throws(
      () => new SessionManager({ ...base, idleTimeoutMs: 1, absoluteTimeoutMs: Number.NaN }),
      /"absoluteTimeoutMs"/,
    );
    assert.throws(
      () => new SessionManager({ ...base, idleTimeoutMs: 1, absoluteTimeoutMs: 1, anonymousIdleTimeoutMs: -5 }),
      /"anonymousIdleTimeoutMs"/,
    );
    assert.throws(
      () => new SessionManager({ ...base, idleTimeoutMs: 1, absoluteTimeoutMs: 1, touchIntervalMs: 0.5 }),
      /"touchIntervalMs"/,
    );
  });
});
