/**
 * @module emulator/call-log-sync
 * Call Log Sync (`syncUserCallLog`, `syncAccountCallLog`), after RingCentral's guide "Call Log Synchronization":
 * - `syncType=FSync` (the default) returns the newest `recordCount` records (mandatory, 1–250) of the sync frame:
 *   records since `dateFrom` when given (at most 30 days back), else the whole log; `statusGroup=Missed` narrows the
 *   frame to missed inbound calls (`Missed`, `Voicemail`). The answer carries a new `syncToken`.
 * - `syncType=ISync` with that `syncToken` returns the records added to the log since the token was issued (within
 *   its frame), newest first, and a new token; with `recordCount` it also extends the frame into the past by that many
 *   records older than any delivered so far. At most 250 records in all (new ones first); more than 250 new records
 *   is `CLG-104`, and the client must start again with FSync.
 * - A token is opaque (the frame, AES-256-GCM sealed under a key of the emulator's seed, base64url): one that cannot
 *   be opened or belongs to another log is
 *   `CLG-101`; one from before a reset or restart (the demo log is generated again then) or older than 30 days is
 *   `CLG-102` "Sync token expired, call log was reset". Every other bad parameter is `CMN-101`.
 * `view`, `withRecording`, `recordingType`, `showDeleted` and `metadataCategory` are read as the call-log reads read
 * them (there are no deleted records and no metadata categories in the demo log).
 *
 * @see https://developers.ringcentral.com/guide/voice/call-log/sync
 * @see ringcentral-contract.md §5 (CLG-101..105)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CallLogBook } from './call-log-book.js';
import type { CallRecord } from './call-log-data.js';
import { matchesRecording, renderCallRecord, type CallLogScope } from './call-log-view.js';
import type { DemoData } from './data.js';
import { invalidParameter, restError, type EmulatorHttpError } from './errors.js';
import { accountUri, extensionUri } from './extension-view.js';
import { toQueryString } from './paging.js';
import { allValues, type Params } from './params.js';
import { readBool, readDateTime, readEnum, readEnumList, readInt, readString } from './rest-params.js';

/** Most records one sync answer holds (and the largest `recordCount`). */
export const MAX_SYNC_RECORDS = 250;
/** How far back `dateFrom` may reach, and how long a token lives. */
export const SYNC_WINDOW_MS = 30 * 86_400_000;
const MAX_TOKEN_LENGTH = 1024;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_METADATA_CATEGORIES = 50;

/** What a sync token remembers: whose log, which generation of it, when, how far the client has it, the frame. */
interface SyncFrame {
  readonly kind: 'user' | 'account';
  /** The extension of a user log; 0 for the account log. */
  readonly extensionId: number;
  readonly epoch: string;
  readonly syncTime: number;
  /** The book's last sequence number at that time: later records are new to the client. */
  readonly seq: number;
  /** The frame's lower bound (ms), or null for the whole log. */
  readonly dateFrom: number | null;
  readonly missedOnly: boolean;
  /** The oldest record delivered so far (start time, id), or null. */
  readonly oldest: readonly [number, string] | null;
}

/** Validated sync query. */
interface SyncQuery {
  readonly syncType: 'FSync' | 'ISync';
  readonly syncToken?: string;
  readonly dateFrom?: number;
  readonly recordCount?: number;
  readonly statusGroup: readonly ('Missed' | 'All')[];
  readonly view?: 'Simple' | 'Detailed';
  readonly withRecording?: boolean;
  readonly recordingType?: 'Automatic' | 'OnDemand' | 'All';
  readonly showDeleted?: boolean;
}

/** Everything one sync request needs. */
export interface SyncRequest {
  readonly base: string;
  readonly data: DemoData;
  readonly book: CallLogBook;
  readonly scope: CallLogScope;
  readonly params: Params;
  readonly now: number;
  /** The 32-byte key that seals this emulator's tokens. */
  readonly key: Buffer;
}

function tokenError(code: string, reason: string): EmulatorHttpError {
  return restError(400, code, `Parameter [syncToken] is invalid [${reason}]`, { parameterName: 'syncToken' });
}

const unreadableToken = (): EmulatorHttpError => tokenError('CLG-101', 'Sync token cannot be parsed');
const expiredToken = (): EmulatorHttpError => tokenError('CLG-102', 'Sync token expired, call log was reset');

/** The token of a frame: the frame as JSON, sealed (AES-256-GCM: IV, ciphertext, tag), base64url. */
function encodeToken(key: Buffer, f: SyncFrame): string {
  const plain = JSON.stringify([
    1,
    f.kind === 'user' ? 'u' : 'a',
    f.extensionId,
    f.epoch,
    f.syncTime,
    f.seq,
    f.dateFrom,
    f.missedOnly ? 1 : 0,
    f.oldest?.[0] ?? null,
    f.oldest?.[1] ?? null,
  ]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a token; `undefined` when it was not sealed with `key` or was changed. */
function openToken(key: Buffer, token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The frame of a token, or CLG-101 when it is not one of ours. */
function decodeToken(key: Buffer, token: string): SyncFrame {
  const plain = openToken(key, token);
  if (plain === undefined) throw unreadableToken();
  let v: unknown;
  try {
    v = JSON.parse(plain);
  } catch {
    throw unreadableToken();
  }
  // Only this emulator can seal a token; the shape is checked anyway (a token of an older format).
  if (!Array.isArray(v) || v.length !== 10 || v[0] !== 1) throw unreadableToken();
  const [, kind, extensionId, epoch, syncTime, seq, dateFrom, missed, oldestMs, oldestId] = v as unknown[];
  if (
    (kind !== 'u' && kind !== 'a') ||
    !isInt(extensionId) ||
    typeof epoch !== 'string' ||
    !isInt(syncTime) ||
    !isInt(seq) ||
    (dateFrom !== null && !Number.isSafeInteger(dateFrom)) ||
    (missed !== 0 && missed !== 1) ||
    (oldestMs === null) !== (oldestId === null) ||
    (oldestMs !== null && !Number.isSafeInteger(oldestMs)) ||
    (oldestId !== null && typeof oldestId !== 'string')
  ) {
    throw unreadableToken();
  }
  return {
    kind: kind === 'u' ? 'user' : 'account',
    extensionId,
    epoch,
    syncTime,
    seq,
    dateFrom: dateFrom as number | null,
    missedOnly: missed === 1,
    oldest: oldestMs === null ? null : [oldestMs as number, oldestId as string],
  };
}

function parseSyncQuery(params: Params, now: number): SyncQuery {
  const syncType = readEnum(params, 'syncType', ['FSync', 'ISync'] as const) ?? 'FSync';
  const syncToken = readString(params, 'syncToken', MAX_TOKEN_LENGTH * 2);
  const dateFrom = readDateTime(params, 'dateFrom');
  // "The range is limited to the last 30 days from the current moment."
  if (dateFrom !== undefined && dateFrom < now - SYNC_WINDOW_MS) throw invalidParameter('dateFrom');
  const recordCount =
    readString(params, 'recordCount', 16) === undefined
      ? undefined
      : readInt(params, 'recordCount', { min: 1, max: MAX_SYNC_RECORDS, fallback: 0 });
  const statusGroup = readEnumList(params, 'statusGroup', ['Missed', 'All'] as const);
  const view = readEnum(params, 'view', ['Simple', 'Detailed'] as const);
  const withRecording = readBool(params, 'withRecording');
  const recordingType = readEnum(params, 'recordingType', ['Automatic', 'OnDemand', 'All'] as const);
  const showDeleted = readBool(params, 'showDeleted');
  const categories = allValues(params, 'metadataCategory').filter((c) => c !== '');
  if (categories.length > MAX_METADATA_CATEGORIES || categories.some((c) => c.length > 64)) {
    throw invalidParameter('metadataCategory');
  }
  if (syncType === 'FSync' && recordCount === undefined) throw invalidParameter('recordCount');
  if (syncType === 'ISync' && syncToken === undefined) throw invalidParameter('syncToken');
  return {
    syncType,
    statusGroup,
    ...(syncToken !== undefined ? { syncToken } : {}),
    ...(dateFrom !== undefined ? { dateFrom } : {}),
    ...(recordCount !== undefined ? { recordCount } : {}),
    ...(view !== undefined ? { view } : {}),
    ...(withRecording !== undefined ? { withRecording } : {}),
    ...(recordingType !== undefined ? { recordingType } : {}),
    ...(showDeleted !== undefined ? { showDeleted } : {}),
  };
}

/** A missed inbound call (what `statusGroup=Missed` keeps). */
function isMissed(r: CallRecord): boolean {
  return r.direction === 'Inbound' && (r.result === 'Missed' || r.result === 'Voicemail');
}

/** Whether `r` comes after `key` in the log's newest-first order. */
function isOlderThan(r: CallRecord, key: readonly [number, string]): boolean {
  return r.startTimeMs < key[0] || (r.startTimeMs === key[0] && r.id > key[1]);
}

function keyOf(r: CallRecord): readonly [number, string] {
  return [r.startTimeMs, r.id];
}

function newestFirst(a: CallRecord, b: CallRecord): number {
  return b.startTimeMs - a.startTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The echoed request URI (numeric ids, the parameters that were given). */
function requestUri(req: SyncRequest, q: SyncQuery): string {
  const path =
    req.scope.kind === 'account'
      ? `${accountUri(req.base, req.data)}/call-log-sync`
      : `${extensionUri(req.base, req.data, req.scope.extensionId)}/call-log-sync`;
  const pairs: [string, string][] = [['syncType', q.syncType]];
  if (q.syncType === 'ISync' && q.syncToken !== undefined) pairs.push(['syncToken', q.syncToken]);
  if (q.recordCount !== undefined) pairs.push(['recordCount', String(q.recordCount)]);
  if (q.syncType === 'FSync' && q.dateFrom !== undefined) pairs.push(['dateFrom', new Date(q.dateFrom).toISOString()]);
  for (const s of q.statusGroup) pairs.push(['statusGroup', s]);
  if (q.view !== undefined) pairs.push(['view', q.view]);
  if (q.recordingType !== undefined) pairs.push(['recordingType', q.recordingType]);
  if (q.withRecording !== undefined) pairs.push(['withRecording', String(q.withRecording)]);
  if (q.showDeleted !== undefined) pairs.push(['showDeleted', String(q.showDeleted)]);
  return `${path}?${toQueryString(pairs)}`;
}

/** Answers one sync request (`CallLogSyncResponse`), or throws the RingCentral error. */
export function syncCallLog(req: SyncRequest): Record<string, unknown> {
  const q = parseSyncQuery(req.params, req.now);
  const { book, scope, now } = req;
  const log = scope.kind === 'account' ? book.accountLog() : book.userLog(scope.extensionId);
  const kind = scope.kind;
  const extensionId = scope.kind === 'user' ? scope.extensionId : 0;
  const inStatus = (missedOnly: boolean) => (r: CallRecord) => (!missedOnly || isMissed(r)) && matchesRecording(r, q);

  let records: CallRecord[];
  let frame: SyncFrame;
  if (q.syncType === 'FSync') {
    const missedOnly = q.statusGroup.length > 0 && !q.statusGroup.includes('All');
    const dateFrom = q.dateFrom ?? null;
    const wanted = inStatus(missedOnly);
    const limit = q.recordCount ?? MAX_SYNC_RECORDS;
    records = [];
    for (const r of log) {
      if (records.length >= limit) break;
      if ((dateFrom === null || r.startTimeMs >= dateFrom) && wanted(r)) records.push(r);
    }
    const last = records[records.length - 1];
    frame = {
      kind,
      extensionId,
      epoch: book.epoch(),
      syncTime: now,
      seq: book.lastSeq(),
      dateFrom,
      missedOnly,
      oldest: last === undefined ? null : keyOf(last),
    };
  } else {
    const old = decodeToken(req.key, q.syncToken ?? '');
    if (old.kind !== kind || old.extensionId !== extensionId) {
      throw tokenError('CLG-101', 'Sync token was issued for another call log');
    }
    if (old.epoch !== book.epoch() || old.syncTime < now - SYNC_WINDOW_MS) throw expiredToken();
    const wanted = inStatus(old.missedOnly);
    const fresh = log.filter(
      (r) => book.seqOf(r) > old.seq && (old.dateFrom === null || r.startTimeMs >= old.dateFrom) && wanted(r),
    );
    if (fresh.length > MAX_SYNC_RECORDS) throw tokenError('CLG-104', 'max sync record number limit is exceeded');
    // Extending the frame into the past: records the client has not seen, older than any it has.
    const older: CallRecord[] = [];
    const room = Math.min(q.recordCount ?? 0, MAX_SYNC_RECORDS - fresh.length);
    const boundary = old.oldest ?? (old.dateFrom === null ? null : ([old.dateFrom, ''] as const));
    if (room > 0 && boundary !== null) {
      for (const r of log) {
        if (older.length >= room) break;
        if (book.seqOf(r) <= old.seq && isOlderThan(r, boundary) && wanted(r)) older.push(r);
      }
    }
    const last = older[older.length - 1];
    records = [...fresh, ...older].sort(newestFirst);
    frame = {
      ...old,
      syncTime: now,
      seq: book.lastSeq(),
      oldest: last === undefined ? old.oldest : keyOf(last),
      dateFrom: last !== undefined && old.dateFrom !== null ? Math.min(old.dateFrom, last.startTimeMs) : old.dateFrom,
    };
  }
  const view = q.view ?? 'Simple';
  return {
    uri: requestUri(req, q),
    records: records.map((r) => renderCallRecord(req.base, req.data, scope, r, view)),
    syncInfo: {
      syncType: q.syncType,
      syncToken: encodeToken(req.key, frame),
      syncTime: new Date(now).toISOString(),
    },
  };
}
