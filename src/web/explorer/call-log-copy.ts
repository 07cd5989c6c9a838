/**
 * @module web/explorer/call-log-copy
 * A user's copy of the call-log records of a time range, as RingCentral returned them, and the pure functions
 * that serve a page from it: the records of a narrower range and filters, newest first; one page of those; the
 * copy after an incremental sync. One read of a range (1,000 records a call) serves every page, filter, sort and
 * chart inside it, and a revisit costs no call: RingCentral allows 10 call-log reads a minute per user, and the
 * explorer spends them on answers it does not have yet.
 * @see https://developers.ringcentral.com/guide/voice/call-log/sync
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { asRecord } from '../views/format.js';
import type { CallLogFilters, DateRange } from './filters.js';

/** Whose log: the user's own (`readUserCallLog`) or the whole account's (`readCompanyCallLog`). */
export type CallLogScope = 'extension' | 'account';

/** The records of one range of one user's log. */
export interface CallLogCopy {
  readonly scope: CallLogScope;
  /** Start of the range, ms since epoch. */
  readonly from: number;
  /** End of the range; `undefined`: up to `asOf` (the range was read up to "now"). */
  readonly to?: number;
  /** When RingCentral's answer was read, or the last incremental sync brought it up to date (ms since epoch). */
  readonly asOf: number;
  /** Every record of the range, newest first, as RingCentral sent them (the detailed view: with legs). */
  readonly records: readonly unknown[];
  /** RingCentral's Call Log Sync token of the range (when it starts within the last 30 days), for the next ISync. */
  readonly syncToken?: string;
}

/** One page of records served from a copy. */
export interface CopyPage {
  readonly records: readonly unknown[];
  readonly page: number;
  readonly perPage: number;
  readonly totalPages: number;
  readonly totalElements: number;
}

/** RingCentral's default page size of the call log. */
export const DEFAULT_PER_PAGE = 100;

function startOf(record: unknown): number {
  const value = asRecord(record)?.startTime;
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

function idOf(record: unknown): string | undefined {
  const value = asRecord(record)?.id;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** True when the copy holds every record of `range` (a range up to "now" is held by a copy read up to "now"). */
export function covers(copy: CallLogCopy, range: DateRange): boolean {
  if (range.from === undefined || range.from < copy.from) return false;
  if (copy.to === undefined) return true;
  return range.to !== undefined && range.to <= copy.to;
}

/** The records of the range that match the filters' direction and type, newest first. */
export function selectRecords(copy: CallLogCopy, range: DateRange, filters: CallLogFilters): unknown[] {
  const from = range.from ?? copy.from;
  const to = range.to ?? Number.POSITIVE_INFINITY;
  const directions: readonly string[] = filters.direction;
  const types: readonly string[] = filters.type;
  return copy.records.filter((record) => {
    const start = startOf(record);
    if (!(start >= from && start <= to)) return false;
    const fields = asRecord(record);
    if (directions.length > 0 && !directions.includes(String(fields?.direction))) return false;
    if (types.length > 0 && !types.includes(String(fields?.type))) return false;
    return true;
  });
}

/** Page `page` (1-based) of `records` at `perPage` a page; a page past the end is empty. */
export function pageOf(records: readonly unknown[], page = 1, perPage = DEFAULT_PER_PAGE): CopyPage {
  const totalElements = records.length;
  const totalPages = Math.max(1, Math.ceil(totalElements / perPage));
  const start = (page - 1) * perPage;
  return { records: records.slice(start, start + perPage), page, perPage, totalPages, totalElements };
}

/** The records as RingCentral's simple view has them: without the call legs of the detailed view. */
export function simpleView(records: readonly unknown[]): unknown[] {
  return records.map((record) => {
    const fields = asRecord(record);
    if (fields === undefined || !('legs' in fields)) return record;
    const { legs: _legs, ...rest } = fields;
    return rest;
  });
}

/**
 * The copy after an incremental sync: the records RingCentral added since the last one (newest first) merged in
 * by id, those outside the copy's range left out, and the new token.
 */
export function mergeSync(copy: CallLogCopy, added: readonly unknown[], syncToken: string, asOf: number): CallLogCopy {
  const known = new Set(copy.records.map(idOf));
  const inRange = added.filter((record) => {
    const start = startOf(record);
    const id = idOf(record);
    return id !== undefined && !known.has(id) && start >= copy.from && (copy.to === undefined || start <= copy.to);
  });
  const records = [...inRange, ...copy.records].sort((a, b) => startOf(b) - startOf(a));
  return { ...copy, records, syncToken, asOf };
}
