/**
 * @module web/explorer/csv
 * Call-log records as CSV (RFC 4180): CRLF line ends, a cell quoted when it holds a comma, a quote or a line
 * break, quotes doubled. Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
 * carriage return) get a leading `'`, as OWASP recommends, unless the whole cell is a plain number: an E.164
 * phone number such as `+14155550100` stays as RingCentral sent it, since no formula can hide in digits alone.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
import { asRecord, toText } from '../views/format.js';

/** The export's columns, in order (the header row). */
export const CSV_COLUMNS = [
  'id',
  'sessionId',
  'startTime',
  'direction',
  'type',
  'action',
  'result',
  'fromName',
  'fromPhoneNumber',
  'fromExtensionNumber',
  'toName',
  'toPhoneNumber',
  'toExtensionNumber',
  'duration',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Neutralises a cell a spreadsheet would evaluate (see the module doc). */
export function guardFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One CSV cell: formula-guarded, then quoted if needed. */
export function csvCell(value: string): string {
  const safe = guardFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line with its CRLF. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The header line. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

/** An ISO 8601 UTC instant for a RingCentral date-time; the text as sent when it does not parse. */
function isoInstant(value: unknown): string {
  const text = toText(value);
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : text;
}

/** The cells of one call-log record (`CallLogRecord`), in {@link CSV_COLUMNS} order, unescaped. */
export function callLogCells(record: unknown): string[] {
  const r = asRecord(record) ?? {};
  const from = asRecord(r.from) ?? {};
  const to = asRecord(r.to) ?? {};
  return [
    toText(r.id),
    toText(r.sessionId),
    isoInstant(r.startTime),
    toText(r.direction),
    toText(r.type),
    toText(r.action),
    toText(r.result),
    toText(from.name),
    toText(from.phoneNumber),
    toText(from.extensionNumber),
    toText(to.name),
    toText(to.phoneNumber),
    toText(to.extensionNumber),
    toText(r.duration),
  ];
}

/** The CSV lines of a page of records (non-objects skipped). */
export function callLogCsv(records: readonly unknown[]): string {
  let out = '';
  for (const record of records) {
    if (asRecord(record) !== undefined) out += csvLine(callLogCells(record));
  }
  return out;
}
