/**
 * @module test/unit/session/embedded-store.test
 * The embedded (LevelDB) store passes the store contract; plus persistence across close/reopen and `kill -9`,
 * the expiry sweep, and the directory lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { openEmbeddedStore, StoreLockedError } from '../../../src/session/embedded-store.js';
import type { StoredSession } from '../../../src/session/store.js';
import { runStoreContract } from './store-contract.js';

const T0 = 1_700_000_000_000;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rc-authflow-embedded-'));
}

async function tempDirFor(t: TestContext): Promise<string> {
  const dir = await tempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function record(overrides: Partial<StoredSession> = {}): StoredSession {
  return { createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000, version: 1, payload: 'sealed', ...overrides };
}

/** Every key in the database (the store must be closed). */
async function rawKeys(dir: string): Promise<string[]> {
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    return await db.keys().all();
  } finally {
    await db.close();
  }
}

runStoreContract('embedded', async (now) => {
  const dir = await tempDir();
  const store = await openEmbeddedStore({ dir, now, sweepIntervalMs: 0 });
  return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
});

void describe('embedded store', () => {
  void it('keeps sessions across close and reopen', async (t) => {
    const dir = await tempDirFor(t);
    const first = await openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 });
    await first.set('kept', record({ payload: 'still here' }));
    await first.set('touched', record());
    await first.touch('touched', T0 + 5, T0 + 90_000);
    await first.set('destroyed', record());
    await first.destroy('destroyed');
    await first.close();

    const second = await openEmbeddedStore({ dir, now: () => T0 + 10, sweepIntervalMs: 0 });
    t.after(() => second.close());
    assert.deepEqual(await second.get('kept'), record({ payload: 'still here' }));
    assert.deepEqual(await second.get('touched'), record({ lastSeenAt: T0 + 5, expiresAt: T0 + 90_000 }));
    assert.equal(await second.get('destroyed'), undefined);
  });

  void it('loses no acknowledged session when the writing process is killed with SIGKILL', async (t) => {
    const dir = await tempDirFor(t);
    const count = 300;
    const fixture = new URL('./fixtures/write-sessions.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, String(count), String(T0)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('written\n') && out.includes('traffic\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited before writing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const store = await openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 });
    t.after(() => store.close());
    for (let i = 0; i < count; i++) {
      assert.equal((await store.get(`reported-${i}`))?.payload, `payload-of-reported-${i}`, `reported-${i}`);
    }
    // The child was killed mid-traffic: every acknowledged traffic write is there, and the rest are absent, never torn.
    let traffic = 0;
    for (let i = 0; i < 100_000; i++) {
      const got = await store.get(`traffic-${i}`);
      if (got === undefined) break;
      assert.equal(got.payload, `payload-of-traffic-${i}`);
      traffic += 1;
    }
    assert.ok(traffic >= 100, `only ${traffic} traffic sessions survived`);
    // Writes were sequential, so nothing after the first gap may exist (that would mean an earlier write was lost).
    for (let i = traffic + 1; i < traffic + 50; i++) assert.equal(await store.get(`traffic-${i}`), undefined);
    t.diagnostic(`sessions written under traffic before the kill: ${traffic}`);
  });

  void it('sweep removes expired records and their index entries, and keeps live ones', async (t) => {
    const dir = await tempDirFor(t);
    let clock = T0;
    const store = await openEmbeddedStore({ dir, now: () => clock, sweepIntervalMs: 0, sweepBatchSize: 7 });
    for (let i = 0; i < 50; i++) await store.set(`s${i}`, record({ expiresAt: T0 + 1000 + i * 100 }));
    // Touch s0 past everything: its old index entry must not sweep it.
    await store.touch('s0', T0 + 1, T0 + 100_000);
    clock = T0 + 1000 + 29 * 100; // s1..s29 expired
    assert.equal(await store.sweep(), 29);
    assert.equal(await store.sweep(), 0);
    assert.ok(await store.get('s0'));
    for (let i = 30; i < 50; i++) assert.ok(await store.get(`s${i}`), `s${i}`);
    await store.close();

    const keys = await rawKeys(dir);
    const ids = keys.filter((k) => k.startsWith('s:')).map((k) => k.slice(2));
    assert.deepEqual(ids.sort(), ['s0', ...Array.from({ length: 20 }, (_, i) => `s${30 + i}`)].sort());
    assert.equal(keys.filter((k) => k.startsWith('x:')).length, ids.length, 'one index entry per live record');
  });

  void it('sweep drops index entries left behind by a record that no longer exists', async (t) => {
    const dir = await tempDirFor(t);
    const first = await openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 });
    await first.set('a', record({ expiresAt: T0 + 10 }));
    await first.close();
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    await db.del('s:a');
    await db.put('s:corrupt', 'not json');
    await db.put(`x:${String(T0 + 5).padStart(15, '0')}:corrupt`, '');
    await db.close();

    const store = await openEmbeddedStore({ dir, now: () => T0 + 20, sweepIntervalMs: 0 });
    assert.equal(await store.get('corrupt'), undefined, 'a corrupt record reads as absent');
    assert.equal(await store.sweep(), 0);
    await store.close();
    assert.deepEqual(
      (await rawKeys(dir)).filter((k) => k.startsWith('x:')),
      [],
    );
  });

  void it('keeps exactly one index entry per record through sets, touches and destroys', async (t) => {
    const dir = await tempDirFor(t);
    const store = await openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 });
    await store.set('a', record({ expiresAt: T0 + 100 }));
    await store.set('a', record({ expiresAt: T0 + 200 }));
    await store.touch('a', T0 + 1, T0 + 300);
    await store.set('b', record({ expiresAt: T0 + 100 }));
    await store.destroy('b');
    await store.close();
    const keys = (await rawKeys(dir)).filter((k) => k !== 'm:format');
    assert.deepEqual(keys, ['s:a', `x:${String(T0 + 300).padStart(15, '0')}:a`]);
  });

  void it('runs the sweep on its timer and reports what it removed', async (t) => {
    const dir = await tempDirFor(t);
    let clock = T0;
    t.mock.timers.enable({ apis: ['setInterval'] });
    let reportSweep: (removed: number) => void = () => undefined;
    const swept = new Promise<number>((resolve) => (reportSweep = resolve));
    const store = await openEmbeddedStore({ dir, now: () => clock, sweepIntervalMs: 1000, onSweep: reportSweep });
    t.after(() => store.close());
    await store.set('a', record({ expiresAt: T0 + 10 }));
    await store.set('b', record({ expiresAt: T0 + 10_000 }));
    clock = T0 + 10;
    t.mock.timers.tick(1000);
    assert.equal(await swept, 1);
    await store.close();
    assert.deepEqual(
      (await rawKeys(dir)).filter((k) => k !== 'm:format'),
      ['s:b', `x:${String(T0 + 10_000).padStart(15, '0')}:b`],
    );
  });

  void it('refuses a second open of the same directory with a clear error', async (t) => {
    const dir = await tempDirFor(t);
    const store = await openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 });
    t.after(() => store.close());
    await assert.rejects(openEmbeddedStore({ dir, now: () => T0, sweepIntervalMs: 0 }), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.equal(error.code, 'RCAPP_SESSION_STORE_LOCKED');
      assert.match(error.message, /session store directory ".*" is already in use \(LevelDB lock/);
      return true;
    });
    await store.set('still-works', record());
    assert.ok(await store.get('still-works'));
  });

  void it('refuses a directory written in another format', async (t) => {
    const dir = await tempDirFor(t);
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    await db.put('m:format', '99');
    await db.close();
    await assert.rejects(openEmbeddedStore({ dir, now: () => T0 }), /has format "99"; this version reads format "1"/);
  });
});
