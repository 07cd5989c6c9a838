/**
 * @module web/assets/contacts/api
 * The Contacts page's only way to RingCentral: `fetch` to the app's backend for front-ends (`/api/rc/...`, see
 * `docs/bff.md`) with `X-CSRF: 1`, the session cookie sent by the browser. No token ever reaches this code. Every
 * answer becomes an {@link ApiResult}: RingCentral's body, or one of the failures the page explains (validation
 * errors with the fields they name, a rate limit with when to come back, the session ended, anything else).
 */

/** Where the user's personal address book is, through the backend for front-ends. */
export const CONTACTS_PATH = '/api/rc/restapi/v1.0/account/~/extension/~/address-book/contact';

/** One field-level error of RingCentral's error body (`errors[]`). */
export interface FieldError {
  readonly errorCode: string;
  readonly message: string;
  readonly parameterName?: string;
}

/** Why a call did not give the expected answer. */
export type Failure =
  /** RingCentral refused the input (400/422 with `errorCode`, `message`, `errors[]`). */
  | {
      readonly kind: 'invalid';
      readonly status: number;
      readonly message: string;
      readonly errors: readonly FieldError[];
    }
  /** The rate limit is used up (the app's governor or RingCentral): come back in `retryAfterSeconds`. */
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number | undefined }
  /** Not logged in any more (401): the user has to log in again. */
  | { readonly kind: 'logged-out' }
  /** The contact is not there (any more). */
  | { readonly kind: 'not-found'; readonly message: string }
  /** Anything else: a status and the message to show. */
  | { readonly kind: 'failed'; readonly status: number; readonly message: string };

export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: Failure };

/** The fields of a personal contact this page shows and edits (RingCentral's names). */
export interface ContactFields {
  firstName?: string;
  lastName?: string;
  email?: string;
  mobilePhone?: string;
  company?: string;
}

/** A contact as RingCentral returns it (`PersonalContactResource`); other properties are kept as they came. */
export interface Contact extends ContactFields {
  readonly id: number;
  readonly [other: string]: unknown;
}

/** A page of the address book (`ContactList`). */
export interface ContactPage {
  readonly records: readonly Contact[];
  readonly page: number;
  readonly perPage: number;
  readonly totalPages: number;
  readonly totalElements: number;
  readonly hasNext: boolean;
  readonly hasPrevious: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

async function bodyOf(response: Response): Promise<unknown> {
  if (!/^application\/json\b/i.test(response.headers.get('content-type') ?? '')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** RingCentral's field errors (`errors[]`), or the app's. */
function fieldErrors(body: Record<string, unknown>): FieldError[] {
  const list = Array.isArray(body.errors) ? body.errors : [];
  return list.filter(isObject).map((e) => ({
    errorCode: text(e.errorCode) ?? '',
    message: text(e.message) ?? 'This value is not accepted.',
    ...(text(e.parameterName) === undefined ? {} : { parameterName: text(e.parameterName) }),
  }));
}

/** Reads a failed answer: the app's JSON error (`code`) or RingCentral's (`errorCode`). */
async function failureOf(response: Response): Promise<Failure> {
  const raw = await bodyOf(response);
  const body = isObject(raw) ? raw : {};
  const message = text(body.message) ?? text(body.error_description) ?? `The request failed (HTTP ${response.status}).`;
  if (response.status === 401) return { kind: 'logged-out' };
  if (response.status === 429) {
    const header = Number(response.headers.get('retry-after'));
    const fromBody = body.retryAfterSeconds;
    const seconds =
      typeof fromBody === 'number' && fromBody >= 0
        ? fromBody
        : Number.isFinite(header) && header >= 0
          ? header
          : undefined;
    return { kind: 'rate-limited', retryAfterSeconds: seconds === undefined ? undefined : Math.ceil(seconds) };
  }
  if (response.status === 404 && text(body.errorCode) !== undefined) return { kind: 'not-found', message };
  if ((response.status === 400 || response.status === 422) && text(body.errorCode) !== undefined) {
    return { kind: 'invalid', status: response.status, message, errors: fieldErrors(body) };
  }
  return { kind: 'failed', status: response.status, message };
}

/** One call through the backend for front-ends; `read` turns a 2xx answer into the value. */
async function call<T>(
  path: string,
  init: { method: string; body?: unknown },
  read: (response: Response) => Promise<T>,
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { 'X-CSRF': '1', Accept: 'application/json' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    return {
      ok: false,
      failure: { kind: 'failed', status: 0, message: 'The app could not be reached. Check your connection.' },
    };
  }
  if (!response.ok) return { ok: false, failure: await failureOf(response) };
  return { ok: true, value: await read(response) };
}

function toContact(value: unknown): Contact | undefined {
  if (!isObject(value) || typeof value.id !== 'number') return undefined;
  return value as Contact;
}

async function readContact(response: Response): Promise<Contact> {
  const contact = toContact(await bodyOf(response));
  if (contact === undefined) throw new Error('RingCentral answered without a contact');
  return contact;
}

/** `GET ...?page=&perPage=`: one page of the address book, in the order contacts were added. */
export function listContacts(page: number, perPage: number): Promise<ApiResult<ContactPage>> {
  const query = new URLSearchParams({ page: String(page), perPage: String(perPage) });
  return call(`${CONTACTS_PATH}?${query.toString()}`, { method: 'GET' }, async (response) => {
    const raw = await bodyOf(response);
    const body = isObject(raw) ? raw : {};
    const paging = isObject(body.paging) ? body.paging : {};
    const navigation = isObject(body.navigation) ? body.navigation : {};
    const records = (Array.isArray(body.records) ? body.records : [])
      .map(toContact)
      .filter((c): c is Contact => c !== undefined);
    const totalElements = count(paging.totalElements, records.length);
    const size = count(paging.perPage, perPage) || perPage;
    return {
      records,
      page: count(paging.page, page),
      perPage: size,
      totalElements,
      totalPages: count(paging.totalPages, Math.ceil(totalElements / size)),
      // RingCentral's navigation URIs point at RingCentral itself: only whether they are there is used.
      hasNext: isObject(navigation.nextPage),
      hasPrevious: isObject(navigation.previousPage),
    };
  });
}

/** `POST`: creates a contact; RingCentral answers it with its id. */
export function createContact(fields: ContactFields): Promise<ApiResult<Contact>> {
  return call(CONTACTS_PATH, { method: 'POST', body: fields }, readContact);
}

/** `PUT .../{id}`: a full update, so `contact` is sent whole (the fields this page does not show included). */
export function updateContact(contact: Contact): Promise<ApiResult<Contact>> {
  const { id, uri: _uri, availability: _availability, ...fields } = contact;
  return call(`${CONTACTS_PATH}/${encodeURIComponent(String(id))}`, { method: 'PUT', body: fields }, readContact);
}

/** `DELETE .../{id}`: 204. */
export function deleteContact(id: number): Promise<ApiResult<true>> {
  return call(`${CONTACTS_PATH}/${encodeURIComponent(String(id))}`, { method: 'DELETE' }, () =>
    Promise.resolve(true as const),
  );
}
