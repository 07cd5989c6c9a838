/**
 * @module emulator/contact-body
 * Validates a `PersonalContactRequest` body (create and full update) the way RingCentral answers bad fields:
 * `400 CMN-101 Parameter [field] value is invalid.` (wrong type, too long, an invalid email, date or URL) and the
 * personal-address-book phone codes `PAB-102` (cannot be parsed), `PAB-103` (too long), `PAB-104` (starts with `*`),
 * `PAB-105` (extension over 10 digits) and `PAB-106` (DTMF over 64 characters), each with `parameterName`.
 * Read-only and unknown properties (`id`, `uri`, `availability`, ...) are ignored, so a contact read back can be sent
 * again; `null` and `""` mean "not set". Phone numbers are stored in E.164 when they can be (a national number is
 * read in the `dialingPlan` country: US/CA numbering for US, CA and the default; other plans keep the digits).
 *
 * @see spec/rc-public-openapi.yml `components.schemas.PersonalContactRequest`, `createContact`
 */
import {
  ADDRESS_KEYS,
  CONTACT_ADDRESS_FIELDS,
  CONTACT_EMAIL_FIELDS,
  CONTACT_PHONE_FIELDS,
  CONTACT_TEXT_FIELDS,
  type ContactAddress,
  type ContactFields,
} from './contacts.js';
import { invalidParameter, restError, type EmulatorHttpError } from './errors.js';
import { parseDateTime } from './rest-params.js';

/** Longest address part, email and web page kept. */
const MAX_ADDRESS_PART = 256;
const MAX_EMAIL = 254;
const MAX_WEB_PAGE = 2048;
/** Longest phone field accepted before it is "too long" whatever it holds. */
const MAX_PHONE_TEXT = 128;
/** E.164: at most 15 digits. */
const MAX_PHONE_DIGITS = 15;
const MAX_EXTENSION_DIGITS = 10;
const MAX_DTMF = 64;

/**
 * The `email` format of the OpenAPI validator the emulator's answers are checked with (ajv-formats "full"), so a
 * stored address always validates when it is sent back.
 */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
/** RFC 3986 characters (no `[` `]`: those only belong in an IPv6 host), percent-escapes checked separately. */
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/** Formatting people type in phone numbers. */
const PHONE_FORMATTING = /[\s\-().]/g;

/** `Parameter [field] is invalid. <reason>` with a PAB code. */
function phoneError(code: string, field: string, reason: string): EmulatorHttpError {
  return restError(400, code, `Parameter [${field}] is invalid. ${reason}`, { parameterName: field });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of a string field, `undefined` for absent/null/empty; CMN-101 for other types or over `max`. */
function text(body: Record<string, unknown>, key: string, name: string, max: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max || v.includes('\u0000')) throw invalidParameter(name);
  return v;
}

/** Whether `dialingPlan` numbers national numbers as the North American plan does. */
function isNanp(dialingPlan: string): boolean {
  return dialingPlan === 'US' || dialingPlan === 'CA';
}

/**
 * Parses one phone field: `[+]digits` with common formatting, an optional extension `*digits` and optional DTMF
 * (`,` or `;` then `0-9 * # , ;`). Returns the stored form.
 */
export function parsePhoneNumber(field: string, raw: string, dialingPlan: string): string {
  const value = raw.trim();
  if (value.startsWith('*')) {
    throw phoneError('PAB-104', field, 'The phone numbers starting with the asterisk are not supported.');
  }
  if (value.length > MAX_PHONE_TEXT) throw phoneError('PAB-103', field, 'The phone number is too long.');
  const dtmfAt = value.search(/[,;]/);
  const main = dtmfAt === -1 ? value : value.slice(0, dtmfAt);
  const dtmf = dtmfAt === -1 ? '' : value.slice(dtmfAt);
  if (dtmf.length > MAX_DTMF) {
    throw phoneError('PAB-106', field, 'The DTMF sequences longer than 64 digits are not supported.');
  }
  const unparsable = (): EmulatorHttpError => phoneError('PAB-102', field, 'Failed to parse phone number.');
  if (!/^[0-9*#,;]*$/.test(dtmf)) throw unparsable();
  const [number = '', extension, ...rest] = main.split('*');
  if (rest.length > 0) throw unparsable();
  if (extension !== undefined) {
    if (!/^\d+$/.test(extension)) throw unparsable();
    if (extension.length > MAX_EXTENSION_DIGITS) {
      throw phoneError('PAB-105', field, 'The extensions longer than 10 digits are not supported.');
    }
  }
  const compact = number.replace(PHONE_FORMATTING, '');
  if (!/^\+?\d+$/.test(compact)) throw unparsable();
  const digits = compact.startsWith('+') ? compact.slice(1) : compact;
  if (digits.length > MAX_PHONE_DIGITS) throw phoneError('PAB-103', field, 'The phone number is too long.');
  if (digits.length < 3) throw unparsable();
  let e164 = compact;
  if (!compact.startsWith('+') && isNanp(dialingPlan)) {
    if (digits.length === 10) e164 = `+1${digits}`;
    else if (digits.length === 11 && digits.startsWith('1')) e164 = `+${digits}`;
  }
  return `${e164}${extension !== undefined ? `*${extension}` : ''}${dtmf}`;
}

function email(body: Record<string, unknown>, key: string): string | undefined {
  const v = text(body, key, key, MAX_EMAIL);
  if (v !== undefined && !EMAIL.test(v)) throw invalidParameter(key);
  return v;
}

function webPage(body: Record<string, unknown>): string | undefined {
  const v = text(body, 'webPage', 'webPage', MAX_WEB_PAGE);
  if (v === undefined) return undefined;
  let ok = URI_CHARS.test(v) && !BAD_PERCENT.test(v);
  if (ok) {
    try {
      const url = new URL(v);
      ok = url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      ok = false;
    }
  }
  if (!ok) throw invalidParameter('webPage');
  return v;
}

function birthday(body: Record<string, unknown>): string | undefined {
  const v = text(body, 'birthday', 'birthday', 40);
  if (v === undefined) return undefined;
  const ms = parseDateTime(v);
  if (ms === undefined) throw invalidParameter('birthday');
  return new Date(ms).toISOString();
}

function address(body: Record<string, unknown>, field: string): ContactAddress | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw invalidParameter(field);
  const out: ContactAddress = {};
  for (const key of ADDRESS_KEYS) {
    const part = text(v, key, `${field}.${key}`, MAX_ADDRESS_PART);
    if (part !== undefined) out[key] = part;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Checks a parsed JSON body as a `PersonalContactRequest` and returns the contact's fields. `dialingPlan` is the
 * request's ISO 3166 alpha-2 country (upper case).
 */
export function parseContactBody(body: unknown, dialingPlan: string): ContactFields {
  if (!isPlainObject(body)) throw invalidParameter('body');
  const out: ContactFields = {};
  for (const [key, max] of Object.entries(CONTACT_TEXT_FIELDS) as [keyof typeof CONTACT_TEXT_FIELDS, number][]) {
    const v = text(body, key, key, max);
    if (v !== undefined) out[key] = v;
  }
  for (const key of CONTACT_EMAIL_FIELDS) {
    const v = email(body, key);
    if (v !== undefined) out[key] = v;
  }
  const day = birthday(body);
  if (day !== undefined) out.birthday = day;
  const page = webPage(body);
  if (page !== undefined) out.webPage = page;
  for (const key of CONTACT_PHONE_FIELDS) {
    const v = text(body, key, key, Number.MAX_SAFE_INTEGER);
    if (v !== undefined) out[key] = parsePhoneNumber(key, v, dialingPlan);
  }
  for (const key of CONTACT_ADDRESS_FIELDS) {
    const v = address(body, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
