/**
 * The login transaction is taken by exactly one callback: two callbacks of one browser at once (a double click, a
 * prefetch, two instances behind a balancer) both read the transaction, but its removal is a compare-and-set on the
 * version they read, so only one exchanges the code at RingCentral (a reused code would revoke the first login);
 * the other answers `RCAPP_NO_LOGIN_IN_PROGRESS`. The store's reads are held until both callbacks have read, which
 * opens the race window every time.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { openEmbeddedStore } from '../../../src/session/embedded-store.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import type { SessionStore } from '../../../src/session/store.js';
import { startTestApp } from '../../helpers/app.js';
import { HttpClient, signInAtAuthorizeUrl } from '../../helpers/http-client.js';
import { control, startTestEmulatorFor, USER1 } from '../support/fixtures.js';

const BARRIER_TIMEOUT_MS = 5_000;

/** `store`, with each `get` of `held` held until `parties` gets of it are waiting (or a timeout passes). */
function holdReads(store: SessionStore, parties: number): { store: SessionStore; hold(id: string): void } {
  let held: string | undefined;
  let waiting: (() => void)[] = [];
  return {
    hold(id) {
      held = id;
    },
    store: {
      ...store,
      kind: store.kind,
      get: async (id) => {
        if (id === held) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            const timer = setTimeout(resolve, BARRIER_TIMEOUT_MS);
            timer.unref();
            if (waiting.length >= parties) {
              held = undefined;
              for (const release of waiting) release();
              waiting = [];
            }
          });
        }
        return store.get(id);
      },
      set: (id, record) => store.set(id, record),
      setIfVersion: (id, record, version) => store.setIfVersion(id, record, version),
      destroy: (id) => store.destroy(id),
      touch: (id, lastSeenAt, expiresAt) => store.touch(id, lastSeenAt, expiresAt),
      ping: () => store.ping(),
      close: () => store.close(),
    },
  };
}

async function twoCallbacksAtOnce(t: TestContext, store: SessionStore, hold?: (id: string) => void): Promise<void> {
  const emulator = await startTestEmulatorFor(t);
  const api = control(emulator.url);
  const app = await startTestApp(t, { emulator, store });
  const browser = new HttpClient(app.url);
  const callbackUrl = await signInAtAuthorizeUrl(await browser.startLogin(), USER1);
  const raw = decodeURIComponent(browser.jar.get('rcsid') ?? '');
  hold?.(raw.slice(0, raw.lastIndexOf('.')));

  const [a, b] = await Promise.all([browser.page(callbackUrl), browser.page(callbackUrl)]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [302, 400], `one callback logs in, the other is refused: ${a.status} ${b.status}`);
  const refused = a.status === 400 ? a : b;
  assert.match(refused.text, /RCAPP_NO_LOGIN_IN_PROGRESS/);
  assert.equal((await api.stats())['token.authorization_code'], 1, 'exactly one code exchange reached RingCentral');

  const landed = await browser.get('/test?api=extension', { accept: 'application/json' });
  assert.equal(landed.status, 200, 'the login that won works');
  assert.equal(emulator.state.tokens.activeSessions(), 1);
}

void describe('two callbacks of one login at once', () => {
  void it('exactly one exchanges the code (memory store, reads held until both callbacks have read)', async (t) => {
    const held = holdReads(createMemoryStore({ now: Date.now }), 2);
    await twoCallbacksAtOnce(t, held.store, (id) => held.hold(id));
  });

  void it('exactly one exchanges the code (embedded store, its in-process cache in the way)', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rc-authflow-callback-race-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const store = await openEmbeddedStore({ dir, now: Date.now, sweepIntervalMs: 0 });
    await twoCallbacksAtOnce(t, store);
  });
});
