/**
 * @module emulator/call-log-view
 * Call-log queries: parameter validation (RingCentral defaults: `dateTo` = now, `dateFrom` = `dateTo` − 24 h,
 * `perPage` 100, `max`/values above 1000 ⇒ 1000), filtering, paging, and rendering records in the `Simple` or
 * `Detailed` view (`Detailed` adds `legs`, `transport`, `lastModifiedTime` and `billing`).
 *
 * @see ringcentral-contract.md §4.3
 */
import type { CallLeg, CallRecord } from './call-log-data.js';
import type { DemoData } from './data.js';
import { restError } from './errors.js';
import { accountUri, extensionUri } from './extension-view.js';
import { MAX_PAGE, MAX_PER_PAGE, paginate, toQueryString } from './paging.js';
import type { Params } from './params.js';
import { readBool, readDateTime, readEnum, readEnumList, readInt, readString } from './rest-params.js';

const DAY_MS = 86_400_000;

/** Which call log: one extension's, or the whole account's. */
export type CallLogScope = { readonly kind: 'user'; readonly extensionId: number } | { readonly kind: 'account' };

/** Validated call-log query. */
export interface CallLogQuery {
  readonly view: 'Simple' | 'Detailed';
  readonly dateFrom: number;
  readonly dateTo: number;
  readonly dateToGiven: boolean;
  readonly direction: readonly string[];
  readonly type: readonly string[];
  readonly transport: readonly string[];
  readonly extensionNumber?: string;
  readonly phoneNumber?: string;
  readonly sessionId?: string;
  readonly telephonySessionId?: string;
  readonly withRecording?: boolean;
  readonly recordingType?: 'Automatic' | 'OnDemand' | 'All';
  readonly showBlocked?: boolean;
  readonly showDeleted?: boolean;
  readonly page: number;
  readonly perPage: number;
}

/** Reads and validates call-log query parameters. */
export function parseCallLogQuery(params: Params, scope: CallLogScope, now: number): CallLogQuery {
  const view = readEnum(params, 'view', ['Simple', 'Detailed'] as const) ?? 'Simple';
  const dateToRaw = readDateTime(params, 'dateTo');
  const dateTo = dateToRaw ?? now;
  const dateFrom = readDateTime(params, 'dateFrom') ?? dateTo - DAY_MS;
  const direction = readEnumList(params, 'direction', ['Inbound', 'Outbound'] as const);
  const type = readEnumList(params, 'type', ['Voice', 'Fax'] as const);
  const transport = scope.kind === 'user' ? readEnumList(params, 'transport', ['PSTN', 'VoIP'] as const) : [];
  const extensionNumber = readString(params, 'extensionNumber', 16);
  const phoneNumber = readString(params, 'phoneNumber', 32);
  const sessionId = readString(params, 'sessionId', 64);
  const telephonySessionId = readString(params, 'telephonySessionId', 128);
  if (extensionNumber !== undefined && phoneNumber !== undefined) {
    throw restError(400, 'CMN-101', 'Parameter [phoneNumber] value is invalid.', { parameterName: 'phoneNumber' });
  }
  if (sessionId !== undefined && (extensionNumber !== undefined || phoneNumber !== undefined)) {
    const other = extensionNumber !== undefined ? 'extensionNumber' : 'phoneNumber';
    throw restError(400, 'CLG-110', `Parameter [sessionId] is not allowed for usage along with parameter [${other}]`, {
      parameterName: 'sessionId',
    });
  }
  const withRecording = readBool(params, 'withRecording');
  const recordingType = readEnum(params, 'recordingType', ['Automatic', 'OnDemand', 'All'] as const);
  const showBlocked = scope.kind === 'user' ? readBool(params, 'showBlocked') : undefined;
  const showDeleted = readBool(params, 'showDeleted');
  const page = readInt(params, 'page', { min: 1, max: MAX_PAGE, fallback: 1 });
  const perPage = readInt(params, 'perPage', {
    min: 1,
    clampAbove: MAX_PER_PAGE,
    fallback: 100,
    allowMax: MAX_PER_PAGE,
  });
  return {
    view,
    dateFrom,
    dateTo,
    dateToGiven: dateToRaw !== undefined,
    direction,
    type,
    transport,
    page,
    perPage,
    ...(extensionNumber !== undefined ? { extensionNumber } : {}),
    ...(phoneNumber !== undefined ? { phoneNumber } : {}),
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(telephonySessionId !== undefined ? { telephonySessionId } : {}),
    ...(withRecording !== undefined ? { withRecording } : {}),
    ...(recordingType !== undefined ? { recordingType } : {}),
    ...(showBlocked !== undefined ? { showBlocked } : {}),
    ...(showDeleted !== undefined ? { showDeleted } : {}),
  };
}

function digits(s: string | undefined): string {
  return (s ?? '').replace(/\D/g, '');
}

/**
 * Whether a record passes the recording filters (`recordingType` wins over the deprecated `withRecording`, as the
 * spec says).
 */
export function matchesRecording(
  r: CallRecord,
  q: { readonly withRecording?: boolean; readonly recordingType?: 'Automatic' | 'OnDemand' | 'All' },
): boolean {
  if (q.recordingType !== undefined) {
    return r.recording !== undefined && (q.recordingType === 'All' || r.recording.type === q.recordingType);
  }
  return q.withRecording !== true || r.recording !== undefined;
}

/** The records of `source` (the log of `scope`, newest first) matching `q`, newest first. */
export function selectCallRecords(
  data: DemoData,
  scope: CallLogScope,
  q: CallLogQuery,
  source: readonly CallRecord[],
): CallRecord[] {
  const phone = q.phoneNumber !== undefined ? digits(q.phoneNumber) : undefined;
  const ownerByNumber =
    scope.kind === 'account' && q.extensionNumber !== undefined
      ? data.extensions.find((e) => e.extensionNumber === q.extensionNumber)?.id
      : undefined;
  return source.filter((r) => {
    if (r.startTimeMs < q.dateFrom || r.startTimeMs > q.dateTo) return false;
    if (q.direction.length > 0 && !q.direction.includes(r.direction)) return false;
    if (q.type.length > 0 && !q.type.includes(r.type)) return false;
    if (q.transport.length > 0 && !q.transport.includes(r.transport)) return false;
    if (q.sessionId !== undefined && r.sessionId !== q.sessionId) return false;
    if (q.telephonySessionId !== undefined && r.telephonySessionId !== q.telephonySessionId) return false;
    if (!matchesRecording(r, q)) return false;
    if (q.extensionNumber !== undefined) {
      // Company log: whose log the record is in; user log: the other party's extension.
      if (scope.kind === 'account') {
        if (r.ownerExtensionId !== ownerByNumber) return false;
      } else if (r.from.extensionNumber !== q.extensionNumber && r.to.extensionNumber !== q.extensionNumber) {
        return false;
      }
    }
    if (phone !== undefined && digits(r.from.phoneNumber) !== phone && digits(r.to.phoneNumber) !== phone) return false;
    return true;
  });
}

/** The normalized query RingCentral echoes in `uri` (numeric ids, defaults filled in), without `page`. */
function normalizedQuery(scope: CallLogScope, q: CallLogQuery): [string, string][] {
  const out: [string, string][] = [];
  if (q.extensionNumber !== undefined) out.push(['extensionNumber', q.extensionNumber]);
  if (q.phoneNumber !== undefined) out.push(['phoneNumber', q.phoneNumber]);
  for (const d of q.direction) out.push(['direction', d]);
  for (const t of q.type) out.push(['type', t]);
  for (const t of q.transport) out.push(['transport', t]);
  if (q.sessionId !== undefined) out.push(['sessionId', q.sessionId]);
  if (q.telephonySessionId !== undefined) out.push(['telephonySessionId', q.telephonySessionId]);
  if (q.recordingType !== undefined) out.push(['recordingType', q.recordingType]);
  out.push(['view', q.view]);
  if (scope.kind === 'user') out.push(['showBlocked', String(q.showBlocked ?? true)]);
  if (q.withRecording !== undefined) out.push(['withRecording', String(q.withRecording)]);
  if (q.showDeleted !== undefined) out.push(['showDeleted', String(q.showDeleted)]);
  out.push(['dateFrom', new Date(q.dateFrom).toISOString()]);
  if (q.dateToGiven) out.push(['dateTo', new Date(q.dateTo).toISOString()]);
  return out;
}

function partyJson(p: CallRecord['from']): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.phoneNumber !== undefined) out.phoneNumber = p.phoneNumber;
  if (p.extensionNumber !== undefined) out.extensionNumber = p.extensionNumber;
  if (p.extensionId !== undefined) out.extensionId = p.extensionId;
  if (p.name !== undefined) out.name = p.name;
  if (p.location !== undefined) out.location = p.location;
  return out;
}

function legJson(base: string, data: DemoData, r: CallRecord, leg: CallLeg): Record<string, unknown> {
  return {
    startTime: leg.startTime,
    duration: leg.duration,
    durationMs: leg.durationMs,
    type: leg.type,
    internalType: leg.internalType,
    direction: leg.direction,
    action: leg.action,
    result: leg.result,
    reason: leg.reason,
    reasonDescription: leg.reasonDescription,
    to: partyJson(leg.to),
    from: partyJson(leg.from),
    extension: { uri: extensionUri(base, data, r.ownerExtensionId), id: r.ownerExtensionId },
    transport: leg.transport,
    legType: leg.legType,
    master: leg.master,
  };
}

/** One record as RingCentral JSON (`CallLogRecord`). */
export function renderCallRecord(
  base: string,
  data: DemoData,
  scope: CallLogScope,
  r: CallRecord,
  view: 'Simple' | 'Detailed',
): Record<string, unknown> {
  const acc = accountUri(base, data);
  const owner = extensionUri(base, data, r.ownerExtensionId);
  const uri =
    scope.kind === 'account' ? `${acc}/call-log/${r.id}?view=${view}` : `${owner}/call-log/${r.id}?view=${view}`;
  const out: Record<string, unknown> = {
    uri,
    id: r.id,
    sessionId: r.sessionId,
    telephonySessionId: r.telephonySessionId,
    startTime: r.startTime,
    duration: r.duration,
    durationMs: r.durationMs,
    type: r.type,
    internalType: r.internalType,
    direction: r.direction,
    action: r.action,
    result: r.result,
    reason: r.reason,
    reasonDescription: r.reasonDescription,
    to: partyJson(r.to),
    from: partyJson(r.from),
  };
  if (scope.kind === 'account') out.extension = { uri: owner, id: r.ownerExtensionId };
  if (r.recording !== undefined) {
    out.recording = {
      uri: `${acc}/recording/${r.recording.id}`,
      id: r.recording.id,
      type: r.recording.type,
      contentUri: `${acc}/recording/${r.recording.id}/content`,
    };
  }
  if (r.message !== undefined) {
    out.message = { uri: `${owner}/message-store/${r.message.id}`, id: r.message.id, type: r.message.type };
  }
  if (view === 'Detailed') {
    out.transport = r.transport;
    out.lastModifiedTime = r.lastModifiedTime;
    out.billing = r.billing;
    out.legs = r.legs.map((leg) => legJson(base, data, r, leg));
  }
  return out;
}

/** The whole `CallLogResponse` for a scope and query; `source` is the scope's log, newest first. */
export function renderCallLog(
  base: string,
  data: DemoData,
  scope: CallLogScope,
  q: CallLogQuery,
  source: readonly CallRecord[],
): Record<string, unknown> {
  const path =
    scope.kind === 'account'
      ? `${accountUri(base, data)}/call-log`
      : `${extensionUri(base, data, scope.extensionId)}/call-log`;
  const query = normalizedQuery(scope, q);
  const uriFor = (page: number): string =>
    `${path}?${toQueryString([...query, ['page', String(page)], ['perPage', String(q.perPage)]])}`;
  const records = selectCallRecords(data, scope, q, source);
  const page = paginate(records, q.page, q.perPage, uriFor);
  return {
    uri: uriFor(q.page),
    records: page.records.map((r) => renderCallRecord(base, data, scope, r, q.view)),
    paging: page.paging,
    navigation: page.navigation,
  };
}
