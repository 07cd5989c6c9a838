/**
 * @module session/embedded-store
 * A persistent `SessionStore` on local disk, with no server to run: LevelDB through `classic-level` (prebuilt
 * binary shipped in the npm package, nothing compiled at install).
 *
 * Keyspace (UTF-8 keys):
 * - `s:<id>` → the record as compact JSON `[createdAt, lastSeenAt, expiresAt, version, payload]`;
 * - `x:<expiresAt, 15 digits>:<id>` → `''`, an expiry index kept exact by every write, so the sweep reads only
 *   expired entries, in key order, in batches. Nothing about the sessions is held in JS memory.
 *
 * Durability: every write is in LevelDB's write-ahead log (handed to the OS with write(2)) before its promise
 * resolves, so a crash or `kill -9` of the process loses nothing. Without `sync: true` the last writes can be lost
 * only if the whole machine goes down before the OS flushes them; `sync: true` fsyncs every write instead (slower).
 *
 * One process at a time: LevelDB locks the directory, and a second open (in this or another process) fails with
 * {@link StoreLockedError}.
 */
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import type { SessionStore, StoredSession } from './store.js';
import { assertExpectedVersion, assertStoredSession, assertTouchTimes, StoreClosedError } from './stored-session.js';

export interface EmbeddedStoreOptions {
  /** Directory of the LevelDB database; created (mode 0700) when missing. */
  dir: string;
  /** Clock in ms since epoch; expiry is checked against it on every read. */
  now: () => number;
  /** Remove expired records every this many ms (unref'd timer). Default 60 000; 0 turns the timer off. */
  sweepIntervalMs?: number;
  /** Index entries read per sweep batch. Default 500. */
  sweepBatchSize?: number;
  /** fsync every write (survives power loss, not only process crashes). Default false. */
  sync?: boolean;
  /** Called after each timer-driven sweep with the number of records removed (e.g. to log it). */
  onSweep?: (removed: number) => void;
  /** Called when a timer-driven sweep fails (the store keeps serving). Default: ignore. */
  onSweepError?: (error: unknown) => void;
}

/** The embedded store, plus an explicit sweep (the timer calls the same). */
export interface EmbeddedStore extends SessionStore {
  readonly kind: 'embedded';
  /** Removes every record expired at `now()`; resolves to how many were removed. */
  sweep(): Promise<number>;
}

/** The store directory is already open (LevelDB lock held by another process or another store in this one). */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  readonly code = 'RCAPP_SESSION_STORE_LOCKED';
}

/** The store directory could not be opened for another reason (permissions, corruption, not a database). */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  readonly code = 'RCAPP_SESSION_STORE_OPEN_FAILED';
}

type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

type EncodedRecord = [createdAt: number, lastSeenAt: number, expiresAt: number, version: number, payload: string];

const FORMAT_KEY = 'm:format';
const FORMAT = '1';
const INDEX_PREFIX = 'x:';
const INDEX_DIGITS = 15;
/** `x:` + 15 digits + `:` */
const INDEX_ID_OFFSET = INDEX_PREFIX.length + INDEX_DIGITS + 1;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_SWEEP_BATCH = 500;

function recordKey(id: string): string {
  return `s:${id}`;
}

function indexKey(expiresAt: number, id: string): string {
  return `${INDEX_PREFIX}${String(expiresAt).padStart(INDEX_DIGITS, '0')}:${id}`;
}

function encode(s: StoredSession): string {
  const encoded: EncodedRecord = [s.createdAt, s.lastSeenAt, s.expiresAt, s.version, s.payload];
  return JSON.stringify(encoded);
}

/** A copy of the stored fields only (extra properties are not persisted). */
function copyRecord(s: StoredSession): StoredSession {
  const { createdAt, lastSeenAt, expiresAt, version, payload } = s;
  return { createdAt, lastSeenAt, expiresAt, version, payload };
}

/** The record, or `undefined` for anything that is not a well-formed record (treated as absent, never thrown). */
function decode(raw: string | undefined): StoredSession | undefined {
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value) || value.length !== 5) return undefined;
    const [createdAt, lastSeenAt, expiresAt, version, payload] = value as unknown[];
    const record = { createdAt, lastSeenAt, expiresAt, version, payload };
    assertStoredSession(record);
    return record;
  } catch {
    return undefined;
  }
}

function isLockError(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return (error as { code?: unknown } | null)?.code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED';
}

/**
 * Opens (creating if needed) the store in `dir`.
 * @throws StoreLockedError when the directory is already open; StoreOpenError for other failures.
 * @see https://github.com/Level/classic-level#readme
 * @see https://github.com/google/leveldb/blob/main/doc/index.md#synchronous-writes
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dir, now } = options;
  const writeOptions = { sync: options.sync ?? false };
  const batchSize = options.sweepBatchSize ?? DEFAULT_SWEEP_BATCH;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (error) {
    if (isLockError(error)) {
      throw new StoreLockedError(
        `session store directory "${dir}" is already in use (LevelDB lock held by another process or another open store); stop the other instance or use another directory`,
        { cause: error },
      );
    }
    throw new StoreOpenError(`cannot open the session store in "${dir}"`, { cause: error });
  }
  const format = await db.get(FORMAT_KEY);
  if (format === undefined) {
    await db.put(FORMAT_KEY, FORMAT, { sync: true });
  } else if (format !== FORMAT) {
    await db.close();
    throw new StoreOpenError(
      `the session store in "${dir}" has format "${format}"; this version reads format "${FORMAT}"`,
    );
  }

  let closed = false;
  let sweeping: Promise<number> | undefined;
  /** Tail of the pending writes per id; an entry exists only while writes to that id are in flight. */
  const writeQueues = new Map<string, Promise<void>>();

  function ensureOpen(): void {
    if (closed) throw new StoreClosedError('embedded');
  }

  // LevelDB runs each call on the libuv thread pool, so two calls may reach it in either order. Writes to one id
  // are chained so they apply in call order (and a touch's read-modify-write sees the preceding set); reads wait
  // only for writes already queued, so concurrent reads of a session never queue behind each other.
  function queueWrite(id: string, op: () => Promise<void>): Promise<void> {
    const previous = writeQueues.get(id);
    const run = previous === undefined ? op() : previous.then(op);
    const tail = run.catch(() => undefined);
    writeQueues.set(id, tail);
    void tail.then(() => {
      if (writeQueues.get(id) === tail) writeQueues.delete(id);
    });
    return run;
  }

  async function readRecord(id: string): Promise<StoredSession | undefined> {
    return decode(await db.get(recordKey(id)));
  }

  /** Writes `record` and its index entry, dropping the index entry of `previous` when its expiry differs. */
  async function writeRecord(id: string, previous: StoredSession | undefined, record: StoredSession): Promise<void> {
    const ops: BatchOp[] = [];
    if (previous !== undefined && previous.expiresAt !== record.expiresAt) {
      ops.push({ type: 'del', key: indexKey(previous.expiresAt, id) });
    }
    ops.push({ type: 'put', key: recordKey(id), value: encode(record) });
    ops.push({ type: 'put', key: indexKey(record.expiresAt, id), value: '' });
    await db.batch(ops, writeOptions);
  }

  async function sweepOne(id: string, key: string, t: number): Promise<boolean> {
    const record = await readRecord(id);
    if (record === undefined || record.expiresAt > t) {
      // A stale index entry (record gone or re-set with a later expiry): drop the entry only.
      await db.del(key, writeOptions);
      return false;
    }
    const ownIndexKey = indexKey(record.expiresAt, id);
    const ops: BatchOp[] = [
      { type: 'del', key: recordKey(id) },
      { type: 'del', key: ownIndexKey },
    ];
    if (key !== ownIndexKey) ops.push({ type: 'del', key });
    await db.batch(ops, writeOptions);
    return true;
  }

  async function runSweep(): Promise<number> {
    const t = Math.floor(now());
    const end = INDEX_PREFIX + String(t + 1).padStart(INDEX_DIGITS, '0');
    let after = INDEX_PREFIX;
    let removed = 0;
    // Each batch starts after the last key seen, so the loop always advances and ends at `end`.
    while (!closed) {
      const keys = await db.keys({ gt: after, lt: end, limit: batchSize }).all();
      const last = keys.at(-1);
      if (last === undefined) break;
      after = last;
      const results = await Promise.all(
        keys.map((key) => {
          const id = key.slice(INDEX_ID_OFFSET);
          let swept = false;
          return queueWrite(id, async () => {
            swept = await sweepOne(id, key, t);
          }).then(() => swept);
        }),
      );
      removed += results.filter(Boolean).length;
      if (keys.length < batchSize) break;
    }
    return removed;
  }

  function sweep(): Promise<number> {
    if (sweeping === undefined) {
      sweeping = runSweep().finally(() => {
        sweeping = undefined;
      });
    }
    return sweeping;
  }

  const timer =
    sweepIntervalMs > 0
      ? setInterval(() => {
          if (closed || sweeping !== undefined) return;
          sweep().then(
            (removed) => options.onSweep?.(removed),
            (error: unknown) => options.onSweepError?.(error),
          );
        }, sweepIntervalMs)
      : undefined;
  timer?.unref();

  return {
    kind: 'embedded',

    async get(id) {
      ensureOpen();
      await writeQueues.get(id);
      const record = await readRecord(id);
      return record !== undefined && record.expiresAt > now() ? record : undefined;
    },

    async set(id, session) {
      ensureOpen();
      assertStoredSession(session);
      const record = copyRecord(session);
      await queueWrite(id, async () => {
        await writeRecord(id, await readRecord(id), record);
      });
    },

    async setIfVersion(id, session, expectedVersion) {
      ensureOpen();
      assertStoredSession(session);
      assertExpectedVersion(expectedVersion);
      const record = copyRecord(session);
      let written = false;
      // Read, compare and write inside the id's write queue: no other write of this id can come in between.
      await queueWrite(id, async () => {
        const previous = await readRecord(id);
        if (previous === undefined || previous.expiresAt <= now() || previous.version !== expectedVersion) return;
        await writeRecord(id, previous, record);
        written = true;
      });
      return written;
    },

    async destroy(id) {
      ensureOpen();
      await queueWrite(id, async () => {
        const previous = await readRecord(id);
        const ops: BatchOp[] = [{ type: 'del', key: recordKey(id) }];
        if (previous !== undefined) ops.push({ type: 'del', key: indexKey(previous.expiresAt, id) });
        await db.batch(ops, writeOptions);
      });
    },

    async touch(id, lastSeenAt, expiresAt) {
      ensureOpen();
      assertTouchTimes(lastSeenAt, expiresAt);
      await queueWrite(id, async () => {
        const previous = await readRecord(id);
        if (previous === undefined || previous.expiresAt <= now()) return;
        await writeRecord(id, previous, { ...previous, lastSeenAt, expiresAt });
      });
    },

    async ping() {
      ensureOpen();
      if ((await db.get(FORMAT_KEY)) !== FORMAT) throw new Error('the embedded session store cannot be read');
    },

    sweep() {
      return Promise.resolve().then(() => {
        ensureOpen();
        return sweep();
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await Promise.allSettled([sweeping, ...writeQueues.values()]);
      await db.close();
    },
  };
}
