/**
 * @module web/call-log-copies
 * Getting a user's copy of their call log for a range (see `explorer/call-log-copy.ts`): from the copy store when a
 * copy covers it, else read from RingCentral through the session's client and kept.
 *
 * - A range inside the last 31 days is served from one copy of the whole 31 days (`recent`), read once at 1,000
 *   records a call: every other recent range, filter, page and chart then costs nothing. Before reading it, a Call
 *   Log Sync (`FSync`, one record) takes a sync token, so a refresh is one incremental sync (`ISync`: the calls
 *   added since) instead of a full re-read. Taking the token first means no call added during the read is missed
 *   (one seen twice is merged by id).
 * - A range reaching further back is read as asked (`range`), and re-read on refresh (sync covers 30 days only).
 *   The recent copy reaches a day beyond sync, so "the last 30 days" of whole days is inside it in any time zone;
 *   what sync brings later are new calls, which are recent.
 * - A range of more than `MAX_COPY_RECORDS` records is not copied: its pages are read from RingCentral as asked.
 * A failing copy store only costs calls: the page is served from RingCentral instead.
 * @see https://developers.ringcentral.com/guide/voice/call-log/sync
 */
import { AppError, RCAPP_NOT_LOGGED_IN, RCAPP_SESSION_ENDED } from '../errors.js';
import type { OperationId } from '../rc-api/operations.js';
import type { SessionClient } from '../ringcentral/client.js';
import { readPages } from '../ringcentral/pages.js';
import { sessionEnded } from '../ringcentral/token-keeper.js';
import type { AppContext } from './context.js';
import { covers, mergeSync, type CallLogCopy, type CallLogScope } from './explorer/call-log-copy.js';
import { MAX_COPY_RECORDS, type CopySlot } from './explorer/copy-store.js';
import type { DateRange } from './explorer/filters.js';
import { asRecord, toText } from './views/format.js';

const DAY_MS = 86_400_000;
/** How far back Call Log Sync reaches (RingCentral: the last 30 days); a minute short, for clock differences. */
const SYNC_REACH_MS = 30 * DAY_MS - 60_000;
/**
 * How far back the `recent` copy reaches: a day more than sync, so "the last 30 days" as whole calendar days in any
 * time zone is inside it (only new calls come by sync, and those are recent).
 */
const RECENT_REACH_MS = 31 * DAY_MS;
const PAGE_SIZE = 1000;
/** Errors that are not a read's own: the login ended or is gone. */
const ENDED: ReadonlySet<string> = new Set([RCAPP_SESSION_ENDED, RCAPP_NOT_LOGGED_IN]);

/** RingCentral still refusing the token after the client's refresh: the login has ended. */
function endedBy(answer: { readonly status: number }): AppError | undefined {
  return answer.status === 401 ? sessionEnded() : undefined;
}

const READ: Readonly<Record<CallLogScope, OperationId>> = {
  extension: 'readUserCallLog',
  account: 'readCompanyCallLog',
};
const SYNC: Readonly<Record<CallLogScope, OperationId>> = {
  extension: 'syncUserCallLog',
  account: 'syncAccountCallLog',
};

/** A copy and how it came to be (for logs and the page's freshness line). */
export interface CopyOutcome {
  readonly copy: CallLogCopy;
  /** RingCentral calls this request made for it (0: served from the copy). */
  readonly calls: number;
}

function syncTokenOf(body: unknown): string | undefined {
  const token = toText(asRecord(asRecord(body)?.syncInfo)?.syncToken);
  return token === '' ? undefined : token;
}

/** Takes a sync token for the calls after now, from `from` on; `undefined` when RingCentral does not give one. */
async function takeSyncToken(rc: SessionClient, scope: CallLogScope, from: number): Promise<string | undefined> {
  const query = new URLSearchParams({ syncType: 'FSync', recordCount: '1', dateFrom: new Date(from).toISOString() });
  const answer = await rc.call(SYNC[scope], { query });
  const ended = endedBy(answer);
  if (ended !== undefined) throw ended;
  return answer.ok ? syncTokenOf(answer.json()) : undefined;
}

/** Every record of `range` (detailed view), or `undefined` when there are more than a copy holds. */
async function readRange(ctx: AppContext, rc: SessionClient, scope: CallLogScope, range: DateRange) {
  const query = (page: number): URLSearchParams => {
    const params = new URLSearchParams();
    if (range.from !== undefined) params.set('dateFrom', new Date(range.from).toISOString());
    if (range.to !== undefined) params.set('dateTo', new Date(range.to).toISOString());
    params.set('view', 'Detailed');
    params.set('page', String(page));
    params.set('perPage', String(PAGE_SIZE));
    return params;
  };
  const records: unknown[] = [];
  let calls = 0;
  let cut = false;
  for await (const page of readPages(rc, READ[scope], {
    query,
    maxPages: Math.ceil(MAX_COPY_RECORDS / PAGE_SIZE),
    now: ctx.now,
    errorFor: endedBy,
  })) {
    calls += 1;
    records.push(...page.records);
    cut = page.hasNext;
  }
  return { records: cut ? undefined : records, calls };
}

/** The calls added since the copy's token (`ISync`), merged in; `undefined` when RingCentral refuses the token. */
async function syncCopy(rc: SessionClient, copy: CallLogCopy, now: number): Promise<CallLogCopy | undefined> {
  if (copy.syncToken === undefined || copy.to !== undefined) return undefined;
  const query = new URLSearchParams({ syncType: 'ISync', syncToken: copy.syncToken });
  const answer = await rc.call(SYNC[copy.scope], { query });
  const ended = endedBy(answer);
  if (ended !== undefined) throw ended;
  if (!answer.ok) return undefined;
  const body = asRecord(answer.json());
  const token = syncTokenOf(body);
  if (token === undefined) return undefined;
  return mergeSync(copy, Array.isArray(body?.records) ? body.records : [], token, now);
}

/** The slot a range is served from: the last 30 days, or a range reaching further back. */
function slotOf(range: DateRange, now: number): CopySlot {
  return (range.from ?? now - DAY_MS) >= now - RECENT_REACH_MS ? 'recent' : 'range';
}

/** A kept copy that covers `range`, without calling RingCentral (e.g. for the CSV export); else `undefined`. */
export async function storedCopyFor(
  ctx: AppContext,
  owner: string,
  scope: CallLogScope,
  range: DateRange,
): Promise<CallLogCopy | undefined> {
  const copy = await ctx.explorer.copies.get(owner, scope, slotOf(range, ctx.now())).catch(() => undefined);
  return copy !== undefined && covers(copy, range) ? copy : undefined;
}

/**
 * The copy to serve `range` from (read or refreshed when needed), or `undefined` when the range is too large to
 * copy. `refresh`: bring the copy up to date first (an incremental sync when it can, else a full read).
 * @throws RingCentral's refusal of the read (403 naming the permission, 429, 5xx) as the app's error
 */
export async function copyFor(
  ctx: AppContext,
  rc: SessionClient,
  scope: CallLogScope,
  range: DateRange,
  options: { refresh: boolean },
): Promise<CopyOutcome | undefined> {
  const store = ctx.explorer.copies;
  const now = ctx.now();
  const slot = slotOf(range, now);
  const stored = await store.get(rc.owner, scope, slot).catch((err: unknown) => {
    ctx.logger.warn({ err }, 'call-log copy store unavailable; reading from RingCentral');
    return undefined;
  });
  const keep = async (copy: CallLogCopy): Promise<void> => {
    await store.set(rc.owner, scope, slot, copy).catch((err: unknown) => {
      ctx.logger.warn({ err }, 'could not keep the call-log copy');
    });
  };
  if (stored !== undefined && covers(stored, range)) {
    if (!options.refresh) return { copy: stored, calls: 0 };
    const synced = await syncCopy(rc, stored, now);
    if (synced !== undefined) {
      await keep(synced);
      return { copy: synced, calls: 1 };
    }
  }
  const wanted: DateRange =
    slot === 'recent'
      ? { from: now - RECENT_REACH_MS }
      : { from: range.from ?? now - DAY_MS, ...(range.to !== undefined && range.to < now ? { to: range.to } : {}) };
  let calls = 0;
  let syncToken: string | undefined;
  if (slot === 'recent') {
    calls += 1;
    syncToken = await takeSyncToken(rc, scope, now - SYNC_REACH_MS).catch((err: unknown) => {
      // Without a sync token the copy is still served (a refresh then re-reads); a limit or an ended login is not
      // the sync's own problem and stops the read too.
      if (err instanceof AppError && (err.status === 429 || ENDED.has(err.code))) throw err;
      ctx.logger.info({ err }, 'no Call Log Sync token for the copy; a refresh will read it again');
      return undefined;
    });
  }
  const read = await readRange(ctx, rc, scope, wanted);
  calls += read.calls;
  if (read.records === undefined) return undefined;
  const copy: CallLogCopy = {
    scope,
    from: wanted.from!,
    ...(wanted.to === undefined ? {} : { to: wanted.to }),
    asOf: now,
    records: read.records,
    ...(syncToken === undefined ? {} : { syncToken }),
  };
  await keep(copy);
  return { copy, calls };
}
