/**
 * @module emulator/persistence
 * Keeps parts of an emulator's state across restarts in one versioned JSON snapshot,
 * `<dataDir>/emulator/state.json`, so that restarting `npm start` does not log everyone out (real RingCentral does
 * not forget a login because an app restarted).
 *
 * - What is saved is a list of {@link PersistentPart}s, each with its own zod schema (`saved-parts.ts`); a new kind
 *   of state that must survive a restart is one more part.
 * - Saves are throttled: the first change schedules a save a short delay later, further changes ride along; `flush()`
 *   saves at once and `close()` saves what is left. Each save captures the state when it runs, and saves run one at a
 *   time, so the file always ends with the latest state.
 * - A save is atomic: a new file (mode 0600, exclusive create) is written and fsynced, then renamed over the old one,
 *   and the directory is fsynced. The directory is kept at mode 0700: the file holds live tokens.
 * - Loading never stops the emulator: a missing file means a fresh start; an unreadable, corrupt or foreign one is
 *   reported through `onWarning`, moved aside to `state.json.unreadable`, and the emulator starts fresh.
 * - Warnings name the file and what is wrong with it (a JSON path, an errno code), never a value from it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The `format` every snapshot carries (anything else is a foreign file). */
export const SNAPSHOT_FORMAT = 'rc-authflow-emulator-state';
/** The snapshot layout this code writes and reads. A change that old code must not misread bumps it. */
export const SNAPSHOT_VERSION = 1;
/** Subdirectory of the data directory that the emulator owns. */
export const STATE_SUBDIRECTORY = 'emulator';
/** The snapshot's file name inside {@link STATE_SUBDIRECTORY}. */
export const STATE_FILE = 'state.json';
/** Delay between the first change and its save. */
export const DEFAULT_SAVE_DELAY_MS = 200;
/** Larger files are not read (the token store's own bounds keep a real snapshot far below this). */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
const TEMP_FILE = /^state\.json\.\d+\.[0-9a-f]{12}\.tmp$/;

/** One part of the state that is saved: a name, how to capture it, and how to check and restore it. */
export interface PersistentPart {
  readonly name: string;
  /** The part as JSON-safe data. */
  capture(): unknown;
  /**
   * Validates saved data; returns a function that applies it, or the JSON path of the first problem. Every part
   * is validated before any is applied, so a bad snapshot changes nothing.
   */
  prepare(value: unknown): { readonly apply: () => void } | { readonly invalidAt: string };
}

/** A {@link PersistentPart} from a schema: `restore` only ever sees data the schema accepted. */
export function persistentPart<T>(
  name: string,
  schema: z.ZodType<T>,
  capture: () => T,
  restore: (value: T) => void,
): PersistentPart {
  return {
    name,
    capture,
    prepare(value) {
      const result = schema.safeParse(value);
      if (result.success) return { apply: () => restore(result.data) };
      // The path only: zod messages are generic, but a path can never echo a token.
      return { invalidAt: (result.error.issues[0]?.path ?? []).map(String).join('.') || '(top)' };
    },
  };
}

const Envelope = z.object({
  format: z.string(),
  version: z.number(),
  savedAt: z.string(),
  parts: z.record(z.string(), z.unknown()),
});

/** Outcome of reading a snapshot. */
export type DecodedSnapshot =
  { readonly ok: true; readonly savedAt: string; apply(): void } | { readonly ok: false; readonly reason: string };

/** The snapshot text of `parts` now (`savedAt` in ms since the epoch). */
export function encodeSnapshot(parts: readonly PersistentPart[], savedAt: number): string {
  const captured: Record<string, unknown> = {};
  for (const part of parts) captured[part.name] = part.capture();
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    savedAt: new Date(savedAt).toISOString(),
    parts: captured,
  });
}

/**
 * Checks snapshot text against `parts`. A part missing from the snapshot keeps its current state (a part added in
 * a later release); a part the code does not know is ignored. Nothing is applied until `apply()` is called.
 */
export function decodeSnapshot(parts: readonly PersistentPart[], text: string): DecodedSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which holds tokens.
    return { ok: false, reason: 'not valid JSON' };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success || envelope.data.format !== SNAPSHOT_FORMAT) {
    return { ok: false, reason: 'not an rc-authflow emulator state file' };
  }
  const { version, savedAt } = envelope.data;
  if (!Number.isInteger(version) || version < 1) return { ok: false, reason: 'invalid format version' };
  if (version > SNAPSHOT_VERSION) {
    return {
      ok: false,
      reason: `written by a newer release (format version ${version}, this one reads ${SNAPSHOT_VERSION})`,
    };
  }
  const appliers: (() => void)[] = [];
  for (const part of parts) {
    if (!Object.hasOwn(envelope.data.parts, part.name)) continue;
    const prepared = part.prepare(envelope.data.parts[part.name]);
    if ('invalidAt' in prepared)
      return { ok: false, reason: `invalid data at parts.${part.name}.${prepared.invalidAt}` };
    appliers.push(prepared.apply);
  }
  return {
    ok: true,
    savedAt,
    apply: () => {
      for (const apply of appliers) apply();
    },
  };
}

/** What {@link StatePersistence.load} found. */
export type LoadOutcome =
  | { readonly status: 'fresh' }
  | { readonly status: 'loaded'; readonly savedAt: string }
  | { readonly status: 'unreadable'; readonly reason: string }
  | { readonly status: 'disabled' };

/** The saved state of one emulator. */
export interface StatePersistence {
  /** The snapshot file. */
  readonly file: string;
  /** Reads the snapshot into the parts (once, at start). Never throws. */
  load(): LoadOutcome;
  /** Something changed: save soon. */
  changed(): void;
  /** Saves now if anything changed; resolves once written (or the failure reported). */
  flush(): Promise<void>;
  /** Saves what is left and stops saving. */
  close(): Promise<void>;
}

/** Options of {@link openStatePersistence}. */
export interface PersistenceOptions {
  /** The data directory; the emulator keeps its state in `<dataDir>/emulator/`. */
  readonly dataDir: string;
  readonly parts: readonly PersistentPart[];
  /** Problems worth a line in the log (unreadable snapshot, failed save). Never given a token. */
  readonly onWarning: (message: string) => void;
  readonly saveDelayMs?: number;
  /** Time of `savedAt` (default `Date.now`). */
  readonly now?: () => number;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'unknown error';
}

/** Writes `text` to `file` atomically: temporary file, fsync, rename, fsync of the directory. */
async function writeAtomically(dir: string, file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // 'wx': never follow or reuse an existing path; 0600: the file holds tokens.
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  try {
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Opens (creating, mode 0700) `<dataDir>/emulator/` for the state of one emulator. If the directory cannot be used,
 * it warns and the emulator runs in memory only.
 */
export function openStatePersistence(options: PersistenceOptions): StatePersistence {
  const dir = join(options.dataDir, STATE_SUBDIRECTORY);
  const file = join(dir, STATE_FILE);
  const delay = options.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS;
  const now = options.now ?? Date.now;
  const warn = options.onWarning;

  let usable = true;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The directory is the emulator's own: tighten it even if something else created it.
    chmodSync(dir, 0o700);
    for (const name of readdirSync(dir)) if (TEMP_FILE.test(name)) rmSync(join(dir, name), { force: true });
  } catch (err) {
    usable = false;
    warn(`cannot keep the emulator's state in ${dir} (${errorCode(err)}); logins will not survive a restart`);
  }

  let dirty = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let lastFailure: string | undefined;

  const save = (): Promise<void> => {
    queue = queue.then(async () => {
      if (!dirty || !usable) return;
      dirty = false;
      // Captured when this save runs, so the last save in the queue writes the latest state.
      const text = encodeSnapshot(options.parts, now());
      try {
        await writeAtomically(dir, file, text);
        lastFailure = undefined;
      } catch (err) {
        dirty = true;
        const code = errorCode(err);
        if (code !== lastFailure) {
          lastFailure = code;
          warn(`could not save the emulator's state to ${file} (${code}); logins may not survive a restart`);
        }
      }
    });
    return queue;
  };

  const flush = (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    return save();
  };

  return {
    file,
    load(): LoadOutcome {
      if (!usable) return { status: 'disabled' };
      let text: string;
      try {
        const stat = statSync(file);
        if (!stat.isFile()) return unreadable('not a regular file', false);
        if (stat.size > MAX_SNAPSHOT_BYTES) return unreadable(`larger than ${MAX_SNAPSHOT_BYTES} bytes`, true);
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if (errorCode(err) === 'ENOENT') return { status: 'fresh' };
        return unreadable(`cannot be read: ${errorCode(err)}`, false);
      }
      const decoded = decodeSnapshot(options.parts, text);
      if (!decoded.ok) return unreadable(decoded.reason, true);
      decoded.apply();
      return { status: 'loaded', savedAt: decoded.savedAt };
    },
    changed(): void {
      dirty = true;
      if (closed || timer !== undefined || !usable) return;
      timer = setTimeout(() => {
        timer = undefined;
        void save();
      }, delay);
      // A pending save never keeps the process alive; close() writes what is left.
      timer.unref();
    },
    flush,
    async close(): Promise<void> {
      closed = true;
      await flush();
    },
  };

  function unreadable(reason: string, moveAside: boolean): LoadOutcome {
    let kept = '';
    if (moveAside) {
      try {
        renameSync(file, `${file}.unreadable`);
        kept = `; it was moved to ${file}.unreadable`;
      } catch {
        // Leave it: the next save replaces it.
      }
    }
    warn(`the emulator's saved state ${file} is unreadable (${reason}); starting with no logins${kept}`);
    return { status: 'unreadable', reason };
  }
}
