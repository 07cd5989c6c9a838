/**
 * @module emulator/contact-view
 * The personal address book as RingCentral JSON: one contact (`PersonalContactResource`, `availability: Alive`) and
 * the list (`ContactList`) with its query: `startsWith` (first or last name, case-insensitive), `sortBy` (repeated
 * `FirstName` / `LastName` / `Company`; default creation order), `phoneNumber` (repeated; any phone field, compared
 * by digits), `page` / `perPage` (100 by default, above 1000 cut to 1000). URIs use numeric ids, never `~`.
 *
 * @see spec/rc-public-openapi.yml `listContacts`, `components.schemas.ContactList`
 */
import { CONTACT_PHONE_FIELDS, type PersonalContact } from './contacts.js';
import type { DemoData } from './data.js';
import { invalidParameter } from './errors.js';
import { extensionUri } from './extension-view.js';
import { MAX_PAGE, MAX_PER_PAGE, paginate, toQueryString } from './paging.js';
import { allValues, type Params } from './params.js';
import { readEnumList, readInt, readString } from './rest-params.js';

const SORT_KEYS = ['FirstName', 'LastName', 'Company'] as const;
type SortKey = (typeof SORT_KEYS)[number];
const SORT_FIELD: Record<SortKey, 'firstName' | 'lastName' | 'company'> = {
  FirstName: 'firstName',
  LastName: 'lastName',
  Company: 'company',
};
const PHONE_FILTER = /^\+?[0-9\s\-().]{1,32}$/;
/** Most `phoneNumber` values one list request may carry. */
const MAX_PHONE_FILTERS = 50;

/** Validated list query. */
export interface ContactListQuery {
  readonly startsWith?: string;
  readonly sortBy: readonly SortKey[];
  readonly phoneNumbers: readonly string[];
  readonly page: number;
  readonly perPage: number;
}

/** `https://host/restapi/v1.0/account/<id>/extension/<id>/address-book/contact`. */
export function contactsUri(base: string, data: DemoData, owner: number): string {
  return `${extensionUri(base, data, owner)}/address-book/contact`;
}

/** One contact as `PersonalContactResource`. */
export function renderContact(
  base: string,
  data: DemoData,
  owner: number,
  contact: PersonalContact,
): Record<string, unknown> {
  return {
    uri: `${contactsUri(base, data, owner)}/${contact.id}`,
    availability: 'Alive',
    id: contact.id,
    ...contact.fields,
  };
}

/** Reads and validates the list query. */
export function parseContactListQuery(params: Params): ContactListQuery {
  const startsWith = readString(params, 'startsWith', 64);
  const sortBy = readEnumList(params, 'sortBy', SORT_KEYS);
  const phoneNumbers = allValues(params, 'phoneNumber').filter((v) => v !== '');
  if (phoneNumbers.length > MAX_PHONE_FILTERS || phoneNumbers.some((v) => !PHONE_FILTER.test(v))) {
    throw invalidParameter('phoneNumber');
  }
  return {
    ...(startsWith !== undefined ? { startsWith } : {}),
    sortBy,
    phoneNumbers,
    page: readInt(params, 'page', { min: 1, max: MAX_PAGE, fallback: 1 }),
    perPage: readInt(params, 'perPage', { min: 1, clampAbove: MAX_PER_PAGE, fallback: 100 }),
  };
}

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

/** The digits of a stored phone number without its extension and DTMF part. */
function mainDigits(stored: string): string {
  return digits(stored.split(/[*,;]/, 1)[0] ?? '');
}

function matches(contact: PersonalContact, q: ContactListQuery, prefix: string | undefined, wanted: Set<string>) {
  const f = contact.fields;
  if (
    prefix !== undefined &&
    !(f.firstName ?? '').toLowerCase().startsWith(prefix) &&
    !(f.lastName ?? '').toLowerCase().startsWith(prefix)
  ) {
    return false;
  }
  if (q.phoneNumbers.length > 0) {
    return CONTACT_PHONE_FIELDS.some((key) => {
      const stored = f[key];
      return stored !== undefined && wanted.has(mainDigits(stored));
    });
  }
  return true;
}

function compare(a: PersonalContact, b: PersonalContact, sortBy: readonly SortKey[]): number {
  for (const key of sortBy) {
    const x = (a.fields[SORT_FIELD[key]] ?? '').toLowerCase();
    const y = (b.fields[SORT_FIELD[key]] ?? '').toLowerCase();
    // Contacts without the value come last.
    if (x !== y) return x === '' ? 1 : y === '' ? -1 : x < y ? -1 : 1;
  }
  return a.id - b.id;
}

/** The whole `ContactList` for one user's contacts and a query. */
export function renderContactList(
  base: string,
  data: DemoData,
  owner: number,
  contacts: readonly PersonalContact[],
  q: ContactListQuery,
): Record<string, unknown> {
  const prefix = q.startsWith?.toLowerCase();
  const wanted = new Set(q.phoneNumbers.map(digits));
  const selected = contacts.filter((c) => matches(c, q, prefix, wanted)).sort((a, b) => compare(a, b, q.sortBy));
  const pairs: [string, string][] = [];
  if (q.startsWith !== undefined) pairs.push(['startsWith', q.startsWith]);
  for (const key of q.sortBy) pairs.push(['sortBy', key]);
  for (const phone of q.phoneNumbers) pairs.push(['phoneNumber', phone]);
  const path = contactsUri(base, data, owner);
  const uriFor = (n: number): string =>
    `${path}?${toQueryString([...pairs, ['page', String(n)], ['perPage', String(q.perPage)]])}`;
  const page = paginate(selected, q.page, q.perPage, uriFor);
  return {
    uri: uriFor(q.page),
    records: page.records.map((c) => renderContact(base, data, owner, c)),
    paging: page.paging,
    navigation: page.navigation,
    groups: { uri: `${extensionUri(base, data, owner)}/address-book/group` },
  };
}
