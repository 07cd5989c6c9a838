/**
 * @module web/views/call-log-rows
 * Reads a RingCentral call log (`CallLogResponse`) into table rows, defensively.
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readUserCallLog
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readCompanyCallLog
 */
import type { DateFormatter } from './format.js';
import { asRecord, formatDuration, toText } from './format.js';

/** A caller or callee as display text: `primary` (name or number) and `secondary` (number, extension). */
export interface PartyText {
  readonly primary: string;
  readonly secondary: string;
}

/** One row of the call-log table; every field is display text (possibly empty). */
export interface CallLogRow {
  readonly id: string;
  /** ISO timestamp for `<time datetime>`. */
  readonly startTimeIso: string;
  readonly startTime: string;
  readonly direction: string;
  readonly type: string;
  readonly from: PartyText;
  readonly to: PartyText;
  readonly duration: string;
  readonly result: string;
  readonly action: string;
  /**
   * Id of the extension the record belongs to: `extension.id`, else the id in a user call-log record's `uri`
   * (`.../extension/<id>/call-log/<record>`); empty when neither says.
   */
  readonly extensionId: string;
}

/** Formats a `CallLogCallerInfo` (`from`/`to`): name, E.164 number, extension number. */
export function toPartyText(value: unknown): PartyText {
  const party = asRecord(value);
  if (!party) return { primary: '', secondary: '' };
  const name = toText(party.name);
  const number = toText(party.phoneNumber);
  const extension = toText(party.extensionNumber);
  const details = [number, extension ? `ext. ${extension}` : ''].filter(Boolean);
  if (name) return { primary: name, secondary: details.join(' · ') };
  return { primary: details[0] ?? toText(party.location), secondary: details.slice(1).join(' · ') };
}

/**
 * The rows of a call-log body, or `undefined` when `body` has no `records` array. Times are shown in `timeZone`.
 */
export function toCallLogRows(body: unknown, dates: DateFormatter, timeZone?: string): CallLogRow[] | undefined {
  const records = asRecord(body)?.records;
  if (!Array.isArray(records)) return undefined;
  const rows: CallLogRow[] = [];
  for (const item of records as unknown[]) {
    const record = asRecord(item);
    if (!record) continue;
    const startTimeIso = toText(record.startTime);
    rows.push({
      id: toText(record.id),
      startTimeIso: Number.isFinite(Date.parse(startTimeIso)) ? startTimeIso : '',
      startTime: dates.formatDateTime(startTimeIso, timeZone) || startTimeIso,
      direction: toText(record.direction),
      type: toText(record.type),
      from: toPartyText(record.from),
      to: toPartyText(record.to),
      duration: formatDuration(record.duration),
      result: toText(record.result),
      action: toText(record.action),
      extensionId: toText(asRecord(record.extension)?.id) || ownerInUri(record.uri),
    });
  }
  return rows;
}

function ownerInUri(uri: unknown): string {
  return typeof uri === 'string' ? (/\/extension\/(\d+)\/call-log\//.exec(uri)?.[1] ?? '') : '';
}
