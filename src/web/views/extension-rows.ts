/**
 * @module web/views/extension-rows
 * Reads a RingCentral extension list (`GetExtensionListResponse`) into table rows, defensively.
 * @see https://developers.ringcentral.com/api-reference/Extensions/listExtensions
 */
import { asRecord, toText } from './format.js';

/** One row of the extension table; every field is display text (possibly empty). */
export interface ExtensionRow {
  readonly id: string;
  readonly extensionNumber: string;
  readonly name: string;
  readonly type: string;
  readonly status: string;
  readonly email: string;
}

/**
 * The rows of an extension list body, or `undefined` when `body` has no `records` array (the page then shows
 * only the raw JSON). Records that are not objects are skipped.
 */
export function toExtensionRows(body: unknown): ExtensionRow[] | undefined {
  const records = asRecord(body)?.records;
  if (!Array.isArray(records)) return undefined;
  const rows: ExtensionRow[] = [];
  for (const item of records as unknown[]) {
    const record = asRecord(item);
    if (!record) continue;
    const contact = asRecord(record.contact);
    const fullName = [toText(contact?.firstName), toText(contact?.lastName)].filter(Boolean).join(' ');
    rows.push({
      id: toText(record.id),
      extensionNumber: toText(record.extensionNumber),
      name: toText(record.name) || fullName,
      type: toText(record.type),
      status: toText(record.status),
      email: toText(contact?.email),
    });
  }
  return rows;
}
