/**
 * @module emulator/call-log-book
 * The call log as the REST reads see it: the generated demo log (`data.ts`) plus the records added through the
 * control API (`POST /__emulator/call-log`). Each added record carries a sequence number (1, 2, ... in the order
 * they were added), so Call Log Sync can tell what was added since a sync token; generated records count as 0.
 * Merged views are built on first use and kept until the next addition or reset: with nothing added, a read costs
 * nothing extra. `exportState()`/`importState()` turn the added records into plain data and back (the emulator's
 * snapshot, `saved-parts.ts`).
 */
import { randomBytes } from 'node:crypto';

import type { CallRecord } from './call-log-data.js';
import type { DemoData } from './data.js';

/** Most records the control API may add (all users together) before a reset. */
export const MAX_ADDED_CALLS = 10_000;

/** One added record with its sequence number. */
export interface AddedCall {
  readonly seq: number;
  readonly record: CallRecord;
}

/** The saved form of the added records. */
export interface CallLogBookState {
  readonly calls: readonly AddedCall[];
}

/** The demo call log plus added records. */
export interface CallLogBook {
  /** One extension's log, newest first. */
  userLog(extensionId: number): readonly CallRecord[];
  /** The account log (every extension's records), newest first. */
  accountLog(): readonly CallRecord[];
  /** The sequence number of a record: 0 for generated records. */
  seqOf(record: CallRecord): number;
  /** The sequence number of the latest added record (0 when none). */
  lastSeq(): number;
  /**
   * A random name of this generation of the log, new at every start and reset (the demo data is generated again,
   * relative to the clock, then): a sync token of another generation is answered "call log was reset".
   */
  epoch(): string;
  /** Whether a record id is taken (generated or added). */
  hasId(id: string): boolean;
  /** Adds a record; throws `RangeError` when {@link MAX_ADDED_CALLS} are already there. */
  add(record: CallRecord): AddedCall;
  /** How many records were added. */
  addedCount(): number;
  exportState(): CallLogBookState;
  /** Replaces the added records (a saved state being loaded; the schema has checked it). */
  importState(state: CallLogBookState): void;
  /** Drops every added record. */
  reset(): void;
}

/** Newest first; the same start time is ordered by id (as the generator orders). */
export function byNewest(a: CallRecord, b: CallRecord): number {
  return b.startTimeMs - a.startTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Merges two newest-first lists. */
function merge(a: readonly CallRecord[], b: readonly CallRecord[]): CallRecord[] {
  const out: CallRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byNewest(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Creates an empty book over the current demo data (`data()` changes on reset); `onChange` after every change. */
export function createCallLogBook(data: () => DemoData, onChange: () => void = () => undefined): CallLogBook {
  let added: AddedCall[] = [];
  const seqById = new Map<string, number>();
  let cacheFor: DemoData | undefined;
  let users = new Map<number, readonly CallRecord[]>();
  let account: readonly CallRecord[] | undefined;
  let generatedIds: Set<string> | undefined;
  let epoch = randomBytes(9).toString('base64url');

  const current = (): DemoData => {
    const d = data();
    if (d !== cacheFor) {
      cacheFor = d;
      users = new Map();
      account = undefined;
      generatedIds = undefined;
    }
    return d;
  };
  const invalidate = (): void => {
    users = new Map();
    account = undefined;
  };
  const addedNewestFirst = (filter: (r: CallRecord) => boolean): CallRecord[] =>
    added
      .map((a) => a.record)
      .filter(filter)
      .sort(byNewest);

  return {
    userLog(extensionId) {
      const d = current();
      const generated = d.callLogs.get(extensionId) ?? [];
      if (added.length === 0) return generated;
      let log = users.get(extensionId);
      if (log === undefined) {
        log = merge(
          generated,
          addedNewestFirst((r) => r.ownerExtensionId === extensionId),
        );
        users.set(extensionId, log);
      }
      return log;
    },
    accountLog() {
      const d = current();
      if (added.length === 0) return d.accountCallLog;
      account ??= merge(
        d.accountCallLog,
        addedNewestFirst(() => true),
      );
      return account;
    },
    seqOf: (record) => seqById.get(record.id) ?? 0,
    lastSeq: () => added[added.length - 1]?.seq ?? 0,
    epoch: () => epoch,
    hasId(id) {
      if (seqById.has(id)) return true;
      const d = current();
      generatedIds ??= new Set(d.accountCallLog.map((r) => r.id));
      return generatedIds.has(id);
    },
    add(record) {
      if (added.length >= MAX_ADDED_CALLS) {
        throw new RangeError(`at most ${MAX_ADDED_CALLS} call records can be added (reset to start again)`);
      }
      const entry: AddedCall = { seq: (added[added.length - 1]?.seq ?? 0) + 1, record };
      added.push(entry);
      seqById.set(record.id, entry.seq);
      invalidate();
      onChange();
      return entry;
    },
    addedCount: () => added.length,
    exportState: () => ({ calls: added.map((a) => ({ ...a })) }),
    importState(state) {
      added = [...state.calls].sort((a, b) => a.seq - b.seq);
      seqById.clear();
      for (const a of added) seqById.set(a.record.id, a.seq);
      invalidate();
    },
    reset() {
      added = [];
      seqById.clear();
      epoch = randomBytes(9).toString('base64url');
      invalidate();
    },
  };
}
