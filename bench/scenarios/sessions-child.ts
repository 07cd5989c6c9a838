/**
 * @module bench/scenarios/sessions-child
 * The process measured by the `sessions` scenario. It loads the app's module graph (`createApp` and everything it
 * imports, as `npm start` does) and builds the session layer exactly as `server.ts` and `app.ts` do for the
 * embedded store: `openEmbeddedStore` in a data directory, the AES-GCM cipher, and the `SessionManager` with the
 * default timeouts and the app's session cache. Then:
 *
 * 1. creates `SMALL` logged-in sessions, serves the traffic below, waits idle for the process to settle, reads
 *    its RSS, then times lookups of random stored sessions;
 * 2. creates more sessions up to `LARGE`, serves the same traffic, settles, reads RSS, times the same lookups;
 * 3. reads RSS once more: what the cold reads of step 2 added (LevelDB maps its table files, so every session
 *    read from disk brings its file pages into the process's RSS, as clean, shared, reclaimable page cache).
 *
 * The traffic, identical at both sizes: `TRAFFIC` requests (a `load`, as every authenticated request does, and
 * its throttled `touch`) from the `ACTIVE` most recent sessions: the users active right now, while the rest are
 * merely stored. Lookups: `LOOKUPS` raw `store.get` calls (the store's own cost) and `LOOKUPS` `manager.load`
 * calls (what a request sees, with the cache) on uniformly random stored sessions, one at a time. Session data is
 * what a login stores, with tokens of 160 characters (longer than the emulator's, as real ones are). Prints one
 * `RESULT <json>` line.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LOGIN_TIMEOUT_MS, SESSION_CACHE_SIZE, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createSessionCipher } from '../../src/session/cipher.js';
import { openEmbeddedStore } from '../../src/session/embedded-store.js';
import { SessionManager } from '../../src/session/session-manager.js';
import { readRss } from '../lib/child.js';
import { percentile } from '../lib/stats.js';

const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};
const SMALL = envInt('SESSIONS_SMALL', 1_000);
const LARGE = envInt('SESSIONS_LARGE', 100_000);
const LOOKUPS = envInt('SESSIONS_LOOKUPS', 2_000);
const TRAFFIC = envInt('SESSIONS_TRAFFIC', 20_000);
const ACTIVE = envInt('SESSIONS_ACTIVE', 1_000);
const SETTLE_MS = envInt('SESSIONS_SETTLE_MS', 5_000);
const CONCURRENCY = 32;
const dataDir = process.env.SESSIONS_DATA_DIR ?? '';
if (dataDir === '') throw new Error('SESSIONS_DATA_DIR is required');

// The app module graph is loaded like in the app process (the baseline includes it); nothing is built from it.
void createApp;

const secret = randomBytes(48).toString('base64url');
const config = loadConfig({ DATA_DIR: dataDir, SESSION_SECRETS: secret });
const store = await openEmbeddedStore({ dir: join(config.session.dataDir, 'sessions'), now: Date.now });
const manager = new SessionManager({
  store,
  cipher: createSessionCipher([secret]),
  idleTimeoutMs: config.session.idleTimeoutSeconds * 1000,
  absoluteTimeoutMs: config.session.absoluteTimeoutSeconds * 1000,
  anonymousIdleTimeoutMs: LOGIN_TIMEOUT_MS,
  cacheSize: SESSION_CACHE_SIZE,
  now: Date.now,
});

const token = (): string => randomBytes(120).toString('base64url');
const ID_BYTES = 32;
/**
 * The ids of the sessions created, kept as raw bytes in one buffer allocated (and touched) before the first
 * measurement, so the harness's own bookkeeping does not show up as growth of the measured process.
 */
const idBytes = Buffer.alloc(LARGE * ID_BYTES, 1);
let count = 0;
const idAt = (i: number): string => idBytes.toString('base64url', i * ID_BYTES, (i + 1) * ID_BYTES);

async function createSessions(upTo: number): Promise<void> {
  let next = count;
  async function worker(): Promise<void> {
    while (next < upTo) {
      next++;
      const t = Date.now();
      const session = manager.create({
        tokens: {
          accessToken: token(),
          refreshToken: token(),
          tokenType: 'bearer',
          scope: 'ReadAccounts ReadCallLog',
          ownerId: String(400000001101 + (next % 10)),
          endpointId: randomBytes(16).toString('base64url').slice(0, 22),
          rcSessionId: String(1_000_000 + next),
          accessExpiresAt: t + 3_600_000,
          refreshExpiresAt: t + 7 * 86_400_000,
        },
        user: { name: 'Demo User', extensionNumber: String(101 + (next % 10)) },
      });
      await manager.save(session);
      idBytes.write(session.id, count * ID_BYTES, ID_BYTES, 'base64url');
      count++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const pickAny = (): string => idAt(Math.floor(Math.random() * count));
/** One of the `ACTIVE` most recently created sessions (the users who are active right now). */
const pickActive = (): string => idAt(count - 1 - Math.floor(Math.random() * Math.min(ACTIVE, count)));

/** The traffic run at both sizes: `TRAFFIC` requests (load + throttled touch) from the active users. */
async function traffic(): Promise<void> {
  let started = 0;
  async function worker(): Promise<void> {
    while (started < TRAFFIC) {
      started++;
      const session = await manager.load(pickActive());
      if (session === undefined) throw new Error('an active session was not found');
      await manager.touch(session);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Lookup latency, one at a time, over uniformly random stored sessions: raw store reads, then manager loads. */
async function lookups(): Promise<{
  storeGetP50Us: number;
  storeGetP99Us: number;
  loadP50Us: number;
  loadP99Us: number;
}> {
  const storeGetUs: number[] = [];
  const loadUs: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const t0 = performance.now();
    const record = await store.get(pickAny());
    storeGetUs.push((performance.now() - t0) * 1000);
    if (record === undefined) throw new Error('a stored session was not found');
  }
  for (let i = 0; i < LOOKUPS; i++) {
    const t0 = performance.now();
    const session = await manager.load(pickAny());
    loadUs.push((performance.now() - t0) * 1000);
    if (session === undefined) throw new Error('a stored session did not load');
  }
  return {
    storeGetP50Us: percentile(storeGetUs, 50),
    storeGetP99Us: percentile(storeGetUs, 99),
    loadP50Us: percentile(loadUs, 50),
    loadP99Us: percentile(loadUs, 99),
  };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

function readMemory(label: string) {
  const rss = readRss(process.pid);
  const heap = process.memoryUsage();
  const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
  process.stderr.write(
    `${label}: ${count} sessions, RSS ${mb(rss.rss)} MB (anon ${mb(rss.anon)}, file ${mb(rss.file)}), V8 heap ${mb(heap.heapUsed)} used / ${mb(heap.heapTotal)} MB\n`,
  );
  return { rss: rss.rss, rssAnon: rss.anon, rssFile: rss.file, heapUsed: heap.heapUsed, heapTotal: heap.heapTotal };
}

/**
 * RSS as found after the idle pause, then after a full garbage collection. The second reading does not depend on
 * when V8 last happened to collect the garbage of the burst of saves (a long-running app collects it in its
 * normal course); both are reported.
 */
function memory(label: string) {
  const asFound = readMemory(label);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  return { sessions: count, asFound, ...readMemory(`${label} after GC`) };
}

const t0 = performance.now();
await createSessions(SMALL);
await traffic();
await settle();
const small = memory('1k');
const smallLookups = await lookups();
const createStarted = performance.now();
await createSessions(LARGE);
const createSeconds = (performance.now() - createStarted) / 1000;
await traffic();
await settle();
const large = memory('100k');
const largeLookups = await lookups();
await settle();
const afterColdReads = memory('100k after cold reads');
await store.close();
console.log(
  `RESULT ${JSON.stringify({
    small: { ...small, ...smallLookups },
    large: { ...large, ...largeLookups },
    afterColdReads,
    createSeconds,
    created: LARGE - SMALL,
    seconds: (performance.now() - t0) / 1000,
    lookups: LOOKUPS,
    traffic: TRAFFIC,
    active: ACTIVE,
    cacheSize: SESSION_CACHE_SIZE,
  })}`,
);
