/**
 * The personal address book (`listContacts`, `createContact`, `readContact`, `updateContact`, `patchContact`,
 * `deleteContact`),
 * in-process: the deterministic seed, paging and filters, a create → read → update → delete round trip, RingCentral's
 * errors for bad fields (CMN-101, PAB-102..106) and bad bodies (CMN-103, 415, 413), each user confined to their own
 * book, the app permissions (`ReadContacts`, `Contacts`), the Heavy group, stats, and reset restoring the seed. Every
 * JSON answer is checked against the spec when the emulator stops.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';

import { FIRST_CONTACT_ID, MAX_CONTACTS_PER_USER } from '../../emulator/contacts.js';
import { DEMO } from '../../emulator/index.js';
import { buildTestEmulator, type InProcessEmulator } from '../helpers/emulator.js';

const BOOK = '/restapi/v1.0/account/~/extension/~/address-book/contact';
const USER1 = DEMO.user('user1@example.com');
const USER2 = DEMO.user('user2@example.com');

interface Contact {
  uri: string;
  id: number;
  availability: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  email?: string;
  [field: string]: unknown;
}
interface ContactList {
  uri: string;
  records: Contact[];
  paging: { page?: number; perPage: number; totalPages: number; totalElements: number };
  navigation: Record<string, { uri: string } | undefined>;
  groups: { uri: string };
}
interface ErrorBody {
  errorCode: string;
  message: string;
  errors: { errorCode: string; message: string; parameterName?: string; permissionName?: string }[];
}

/** An emulator whose Heavy group does not get in the way. */
async function emulator(t: TestContext, seed?: number): Promise<InProcessEmulator> {
  return buildTestEmulator(t, { limits: { Heavy: { limit: 100_000 } }, ...(seed !== undefined ? { seed } : {}) });
}

function json<T>(res: { statusCode: number; body: string }, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return JSON.parse(res.body) as T;
}

function expectError(
  res: { statusCode: number; body: string },
  status: number,
  errorCode: string,
  parameterName?: string,
): ErrorBody {
  const body = json<ErrorBody>(res, status);
  assert.equal(body.errorCode, errorCode, res.body);
  assert.equal(body.errors[0]?.errorCode, errorCode);
  if (parameterName !== undefined) assert.equal(body.errors[0]?.parameterName, parameterName, res.body);
  return body;
}

it('every demo user has a few deterministic seed contacts of their own', async (t) => {
  const emu = await emulator(t);
  const other = await emulator(t, 42);
  const seen = new Set<number>();
  for (const user of DEMO.users) {
    const list = json<ContactList>(await emu.request('GET', BOOK, { token: emu.token(user) }));
    assert.ok(list.records.length >= 3 && list.records.length <= 6, `${user.username}: ${list.records.length}`);
    assert.equal(list.paging.totalElements, list.records.length);
    for (const c of list.records) {
      assert.ok(!seen.has(c.id), 'contact ids are unique across users');
      seen.add(c.id);
      assert.equal(c.availability, 'Alive');
      assert.equal(
        c.uri,
        `http://localhost:80/restapi/v1.0/account/${DEMO.accountId}/extension/${user.extensionId}/address-book/contact/${c.id}`,
      );
      assert.ok(c.firstName && c.lastName && c.company, JSON.stringify(c));
      assert.match(c.email ?? '', /^[a-z.]+@[a-z-]+\.example$/);
      assert.match(String(c.businessPhone), /^\+1\d{10}$/);
    }
  }
  assert.equal(Math.min(...seen), FIRST_CONTACT_ID);
  const again = await emulator(t);
  const admin = (e: InProcessEmulator) => e.request('GET', BOOK).then((r) => r.body.replaceAll(/"uri":"[^"]*"/g, ''));
  assert.equal(await admin(emu), await admin(again), 'same seed, same contacts');
  assert.notEqual(await admin(emu), await admin(other), 'another seed, other contacts');
});

it('lists with paging, navigation, startsWith, sortBy and phoneNumber filters', async (t) => {
  const emu = await emulator(t);
  for (const [firstName, lastName, company, mobilePhone] of [
    ['anna', 'Zeta', 'Beta Co', '+1 (212) 555-0101'],
    ['Bruno', 'anders', 'Alpha Co', '212-555-0102'],
    ['Carla', 'Young', 'Gamma Co', '+442079460018'],
  ] as const) {
    json(await emu.request('POST', BOOK, { body: { firstName, lastName, company, mobilePhone } }));
  }
  const all = json<ContactList>(await emu.request('GET', BOOK));
  const total = all.records.length;
  assert.deepEqual(
    all.records.map((c) => c.id),
    [...all.records.map((c) => c.id)].sort((a, b) => a - b),
    'creation order by default',
  );

  // Paging by following nextPage links.
  const ids: number[] = [];
  let url: string | undefined = `${BOOK}?perPage=2`;
  let pages = 0;
  while (url !== undefined && pages < 10) {
    const page: ContactList = json<ContactList>(await emu.request('GET', url.replace('http://localhost:80', '')));
    pages += 1;
    assert.equal(page.paging.page, pages);
    ids.push(...page.records.map((c) => c.id));
    url = page.navigation.nextPage?.uri;
  }
  assert.deepEqual(
    ids,
    all.records.map((c) => c.id),
  );
  assert.equal(pages, Math.ceil(total / 2));
  const past = json<ContactList>(await emu.request('GET', `${BOOK}?page=50&perPage=2`));
  assert.deepEqual(past.records, []);
  assert.equal(past.paging.page, undefined, 'page fields are omitted for an empty page');
  assert.equal(json<ContactList>(await emu.request('GET', `${BOOK}?perPage=5000`)).paging.perPage, 1000);

  const a = json<ContactList>(await emu.request('GET', `${BOOK}?startsWith=AN`));
  assert.deepEqual(a.records.map((c) => c.firstName).sort(), ['Bruno', 'anna'].sort(), 'first or last name, any case');
  assert.match(a.uri, /\?startsWith=AN&page=1&perPage=100$/);

  const byCompany = json<ContactList>(await emu.request('GET', `${BOOK}?sortBy=Company`));
  const companies = byCompany.records.map((c) => (c.company ?? '').toLowerCase());
  assert.deepEqual(companies, [...companies].sort());
  const byLast = json<ContactList>(await emu.request('GET', `${BOOK}?sortBy=LastName&sortBy=FirstName`));
  const last = byLast.records.map((c) => (c.lastName ?? '').toLowerCase());
  assert.deepEqual(last, [...last].sort());
  assert.equal(byLast.records[0]?.lastName, 'anders');

  const byPhone = json<ContactList>(
    await emu.request('GET', `${BOOK}?phoneNumber=${encodeURIComponent('+12125550102')}&phoneNumber=442079460018`),
  );
  assert.deepEqual(byPhone.records.map((c) => c.firstName).sort(), ['Bruno', 'Carla']);
  assert.equal(json<ContactList>(await emu.request('GET', `${BOOK}?phoneNumber=15550000000`)).records.length, 0);

  for (const q of ['sortBy=Email', 'page=0', 'perPage=x', 'phoneNumber=abc', 'startsWith=a&startsWith=b']) {
    const name = q.split('=')[0]!;
    expectError(await emu.request('GET', `${BOOK}?${q}`), 400, 'CMN-101', name);
  }
});

it('create, read, update (a full replace) and delete a contact', async (t) => {
  const emu = await emulator(t);
  const body = {
    firstName: 'Charlie',
    lastName: 'Williams',
    middleName: 'J',
    nickName: 'The Boss',
    company: 'Example, Inc.',
    jobTitle: 'CEO',
    email: 'charlie.williams@example.com',
    email2: 'charlie-example@gmail.com',
    birthday: '1980-02-29',
    webPage: 'http://www.example.com',
    notes: '#1 Customer',
    homePhone: '(650) 555-0100',
    mobilePhone: '+15551234567',
    businessPhone: '+16505550100*101',
    businessFax: '650.555.0199',
    otherPhone: '+16505550111,,1234#',
    businessAddress: { street: '20 Davis Dr.', city: 'Belmont', state: 'CA', zip: '94002', country: 'USA' },
    homeAddress: { city: 'San Mateo', unknownPart: 'ignored' },
    ringtoneIndex: '3',
    appInfo: 'rc-authflow tests',
    id: 1,
    uri: 'http://elsewhere.example/',
    availability: 'Deleted',
    somethingElse: true,
  };
  const created = json<Contact>(await emu.request('POST', BOOK, { body }));
  assert.equal(created.availability, 'Alive');
  assert.ok(created.id > FIRST_CONTACT_ID);
  assert.ok(created.uri.endsWith(`/extension/${DEMO.admin.extensionId}/address-book/contact/${created.id}`));
  assert.equal(created.homePhone, '+16505550100', 'a national number is stored in E.164 (US dialing plan)');
  assert.equal(created.businessPhone, '+16505550100*101', 'an extension is kept');
  assert.equal(created.businessFax, '+16505550199');
  assert.equal(created.otherPhone, '+16505550111,,1234#', 'DTMF is kept');
  assert.equal(created.birthday, '1980-02-29T00:00:00.000Z');
  assert.deepEqual(created.homeAddress, { city: 'San Mateo' });
  assert.equal(created.somethingElse, undefined, 'unknown fields are ignored');

  const read = json<Contact>(await emu.request('GET', `${BOOK}/${created.id}`));
  assert.deepEqual(read, created);
  const byId = json<Contact>(
    await emu.request(
      'GET',
      `/restapi/v1.0/account/${DEMO.accountId}/extension/${DEMO.admin.extensionId}/address-book/contact/${created.id}`,
    ),
  );
  assert.deepEqual(byId, created, '~ and explicit ids alike');
  // The contact as read can be sent back unchanged (read-only fields are ignored).
  assert.deepEqual(json<Contact>(await emu.request('PUT', `${BOOK}/${created.id}`, { body: read })), read);

  const updated = json<Contact>(
    await emu.request('PUT', `${BOOK}/${created.id}?dialingPlan=gb`, {
      body: { firstName: 'Charles', mobilePhone: '020 7946 0018', email: null, notes: '' },
    }),
  );
  assert.deepEqual(updated, {
    uri: created.uri,
    availability: 'Alive',
    id: created.id,
    firstName: 'Charles',
    mobilePhone: '02079460018',
  });
  assert.deepEqual(json<Contact>(await emu.request('GET', `${BOOK}/${created.id}`)), updated);

  const deleted = await emu.request('DELETE', `${BOOK}/${created.id}`);
  assert.equal(deleted.statusCode, 204);
  assert.equal(deleted.body, '');
  expectError(await emu.request('GET', `${BOOK}/${created.id}`), 404, 'CMN-102', 'contactId');
  expectError(await emu.request('DELETE', `${BOOK}/${created.id}`), 404, 'CMN-102', 'contactId');
  expectError(await emu.request('PUT', `${BOOK}/${created.id}`, { body: {} }), 404, 'CMN-102', 'contactId');
  const list = json<ContactList>(await emu.request('GET', BOOK));
  assert.ok(!list.records.some((c) => c.id === created.id));

  const stats = emu.state.stats.snapshot();
  assert.equal(stats['rest.createContact'], 1);
  assert.equal(stats['rest.readContact'], 4);
  assert.equal(stats['rest.updateContact'], 3);
  assert.equal(stats['rest.deleteContact'], 2);
  assert.equal(stats['rest.listContacts'], 1);
});

const BAD_FIELDS: [string, Record<string, unknown>, string, string][] = [
  ['an invalid email', { email: 'not-an-email' }, 'CMN-101', 'email'],
  ['an email with two @', { email2: 'a@b@example.com' }, 'CMN-101', 'email2'],
  ['a number where a string belongs', { firstName: 42 }, 'CMN-101', 'firstName'],
  ['notes over 1024 characters', { notes: 'n'.repeat(1025) }, 'CMN-101', 'notes'],
  ['a NUL character', { company: 'a\u0000b' }, 'CMN-101', 'company'],
  ['an invalid birthday', { birthday: '1980-02-30' }, 'CMN-101', 'birthday'],
  ['a web page that is no http(s) URL', { webPage: 'javascript:alert(1)' }, 'CMN-101', 'webPage'],
  ['an address that is no object', { businessAddress: 'Main St' }, 'CMN-101', 'businessAddress'],
  ['an address part that is no string', { homeAddress: { zip: 94002 } }, 'CMN-101', 'homeAddress.zip'],
  ['a phone number that does not parse', { mobilePhone: 'call me' }, 'PAB-102', 'mobilePhone'],
  ['a phone number with too few digits', { homePhone: '12' }, 'PAB-102', 'homePhone'],
  ['a phone number of 16 digits', { businessPhone: '+1234567890123456' }, 'PAB-103', 'businessPhone'],
  ['a phone number starting with *', { assistantPhone: '*67 650 555 0100' }, 'PAB-104', 'assistantPhone'],
  ['an extension of 11 digits', { carPhone: '+16505550100*12345678901' }, 'PAB-105', 'carPhone'],
  ['DTMF over 64 characters', { otherFax: `+16505550100,${'1'.repeat(64)}` }, 'PAB-106', 'otherFax'],
  ['a phone number that is no string', { callbackPhone: 16505550100 }, 'CMN-101', 'callbackPhone'],
];

it('bad fields get RingCentral’s codes with parameterName; nothing is stored', async (t) => {
  const emu = await emulator(t);
  const before = emu.state.contacts.exportState();
  for (const [what, fields, code, parameterName] of BAD_FIELDS) {
    const res = await emu.request('POST', BOOK, { body: { firstName: 'Valid', ...fields } });
    const body = expectError(res, 400, code, parameterName);
    assert.match(body.message, new RegExp(`^Parameter \\[${parameterName.replace('.', '\\.')}\\]`), what);
  }
  const [, fields, code, parameterName] = BAD_FIELDS[0]!;
  const id = emu.state.contacts.list(DEMO.admin.extensionId)[0]!.id;
  expectError(await emu.request('PUT', `${BOOK}/${id}`, { body: fields }), 400, code, parameterName);
  assert.match(
    expectError(await emu.request('POST', BOOK, { body: { homePhone: '*123' } }), 400, 'PAB-104').message,
    /^Parameter \[homePhone\] is invalid\. The phone numbers starting with the asterisk are not supported\.$/,
  );
  expectError(await emu.request('POST', `${BOOK}?dialingPlan=USA`, { body: {} }), 400, 'CMN-101', 'dialingPlan');
  assert.deepEqual(emu.state.contacts.exportState(), before);
});

it('bodies: not JSON is 415, unparsable or missing is 400 CMN-103, too large is 413, not an object is CMN-101', async (t) => {
  const emu = await emulator(t);
  const before = emu.state.contacts.exportState();
  const cases: [string, { body?: unknown; headers?: Record<string, string> }, number, string][] = [
    [
      'a form body',
      { body: 'firstName=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'CMN-104',
    ],
    ['text/plain', { body: '{"firstName":"x"}', headers: { 'content-type': 'text/plain' } }, 415, 'CMN-104'],
    ['broken JSON', { body: '{"firstName":', headers: { 'content-type': 'application/json' } }, 400, 'CMN-103'],
    ['an empty JSON body', { body: '', headers: { 'content-type': 'application/json' } }, 400, 'CMN-103'],
    ['no body at all', {}, 400, 'CMN-103'],
    [
      'a prototype key',
      { body: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } },
      400,
      'CMN-103',
    ],
    [
      'a constructor.prototype key',
      {
        body: '{"a":{"constructor":{"prototype":{}}}}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      },
      400,
      'CMN-103',
    ],
    ['a JSON array', { body: [] }, 400, 'CMN-101'],
    ['a JSON string', { body: '"x"', headers: { 'content-type': 'application/json' } }, 400, 'CMN-101'],
    ['a 20 kB body', { body: { notes: 'x'.repeat(20_000) } }, 413, 'CMN-104'],
  ];
  for (const [what, options, status, code] of cases) {
    const res = await emu.request('POST', BOOK, options);
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    assert.equal((JSON.parse(res.body) as ErrorBody).errors[0]?.errorCode, code, what);
  }
  assert.deepEqual(emu.state.contacts.exportState(), before);
  // Authentication comes before the body: a bad token with a bad body is a 401, and the request is counted.
  const unauthenticated = await emu.request('POST', BOOK, {
    token: 'x'.repeat(48),
    body: '{',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(unauthenticated.statusCode, 401);
  // The 413 is answered while the body arrives, before the route: the other cases and the 401 are counted.
  assert.equal(emu.state.stats.get('rest.createContact'), cases.length - 1 + 1);
});

it('a user reaches only their own book: another extension is 404 CMN-102 extensionId, even for the admin', async (t) => {
  const emu = await emulator(t);
  const before = emu.state.contacts.exportState();
  const user1Contact = emu.state.contacts.list(USER1.extensionId)[0]!.id;
  const user1Book = `/restapi/v1.0/account/~/extension/${USER1.extensionId}/address-book/contact`;
  for (const token of [emu.token(DEMO.admin), emu.token(USER2)]) {
    expectError(await emu.request('GET', user1Book, { token }), 404, 'CMN-102', 'extensionId');
    expectError(
      await emu.request('POST', user1Book, { token, body: { firstName: 'x' } }),
      404,
      'CMN-102',
      'extensionId',
    );
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      expectError(
        await emu.request(method, `${user1Book}/${user1Contact}`, { token, ...(method === 'PUT' ? { body: {} } : {}) }),
        404,
        'CMN-102',
        'extensionId',
      );
    }
    // Another user's contact id through one's own book: not found either.
    expectError(await emu.request('GET', `${BOOK}/${user1Contact}`, { token }), 404, 'CMN-102', 'contactId');
  }
  for (const path of [
    '/restapi/v1.0/account/~/extension/999/address-book/contact',
    '/restapi/v1.0/account/42/extension/~/address-book/contact',
  ]) {
    const res = await emu.request('GET', path);
    assert.equal(res.statusCode, 404, path);
  }
  expectError(await emu.request('GET', `${BOOK}/abc`), 404, 'CMN-102', 'contactId');
  expectError(await emu.request('GET', `${BOOK}/1,2`), 400, 'CMN-101', 'contactId');
  const own = json<ContactList>(await emu.request('GET', user1Book, { token: emu.token(USER1) }));
  assert.ok(
    own.records.some((c) => c.id === user1Contact),
    'the owner still sees it',
  );
  assert.deepEqual(emu.state.contacts.exportState(), before);
});

it('permissions: reads need ReadContacts, writes need Contacts (403 CMN-401 InsufficientPermissions)', async (t) => {
  const emu = await emulator(t);
  const readOnly = emu.token(DEMO.admin, ['ReadAccounts', 'ReadContacts']);
  const none = emu.token(DEMO.admin, ['ReadAccounts', 'ReadCallLog']);
  const id = emu.state.contacts.list(DEMO.admin.extensionId)[0]!.id;
  assert.equal((await emu.request('GET', BOOK, { token: readOnly })).statusCode, 200);
  assert.equal((await emu.request('GET', `${BOOK}/${id}`, { token: readOnly })).statusCode, 200);
  const refusals: [string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, string][] = [
    [readOnly, 'POST', BOOK, 'Contacts'],
    [readOnly, 'PUT', `${BOOK}/${id}`, 'Contacts'],
    [readOnly, 'DELETE', `${BOOK}/${id}`, 'Contacts'],
    [none, 'GET', BOOK, 'ReadContacts'],
    [none, 'GET', `${BOOK}/${id}`, 'ReadContacts'],
  ];
  for (const [token, method, path, permission] of refusals) {
    const res = await emu.request(method, path, {
      token,
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
    });
    const body = json<ErrorBody & { permissionName: string }>(res, 403);
    assert.equal(body.errorCode, 'InsufficientPermissions');
    assert.equal(body.errors[0]?.errorCode, 'CMN-401');
    assert.equal(body.permissionName, permission, `${method} ${path}`);
    assert.equal(
      body.message,
      `In order to call this API endpoint, application needs to have [${permission}] permission`,
    );
  }
  assert.equal(emu.state.contacts.get(DEMO.admin.extensionId, id)?.id, id, 'nothing was deleted');
});

it('every address-book operation is in the Heavy group; POST on a contact is not supported (405)', async (t) => {
  const emu = await buildTestEmulator(t);
  const id = emu.state.contacts.list(DEMO.admin.extensionId)[0]!.id;
  const token = emu.token();
  const calls: ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?][] = [
    ['GET', BOOK],
    ['POST', BOOK, { firstName: 'Heavy' }],
    ['GET', `${BOOK}/${id}`],
    ['PUT', `${BOOK}/${id}`, { firstName: 'Heavy' }],
    ['PATCH', `${BOOK}/${id}`, { lastName: 'Heavier' }],
    ['DELETE', `${BOOK}/${id}`],
  ];
  let remaining = 10;
  for (const [method, path, body] of calls) {
    const res = await emu.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
    assert.ok(res.statusCode < 300, `${method} ${path}: ${res.body}`);
    assert.equal(res.headers['x-rate-limit-group'], 'Heavy');
    assert.equal(res.headers['x-rate-limit-limit'], '10');
    remaining -= 1;
    assert.equal(res.headers['x-rate-limit-remaining'], String(remaining));
  }
  const post = await emu.request('POST', `${BOOK}/${id}`, { token, body: {} });
  assert.equal(post.statusCode, 405);
  assert.equal(post.headers.allow, 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');
  assert.equal((JSON.parse(post.body) as ErrorBody).errorCode, 'CMN-202');
  const stats = emu.state.stats.snapshot();
  assert.equal(stats['rest.Heavy'], 6);
  assert.equal(stats['rest.patchContact'], 1);
});

it('PATCH changes only the properties sent (null removes one), checked like a full update', async (t) => {
  const emu = await emulator(t);
  const created = json<Contact>(
    await emu.request('POST', BOOK, {
      body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Engines' },
    }),
  );
  const patched = json<Contact>(
    await emu.request('PATCH', `${BOOK}/${created.id}`, { body: { lastName: 'King', company: null } }),
  );
  assert.equal(patched.firstName, 'Ada');
  assert.equal(patched.lastName, 'King');
  assert.equal(patched.email, 'ada@example.com', 'not sent: kept');
  assert.equal(patched.company, undefined, 'null: removed');
  assert.deepEqual(json<Contact>(await emu.request('GET', `${BOOK}/${created.id}`)), patched);
  expectError(
    await emu.request('PATCH', `${BOOK}/${created.id}`, { body: { email: 'nope' } }),
    400,
    'CMN-101',
    'email',
  );
  expectError(await emu.request('PATCH', `${BOOK}/${created.id}`, { body: [1] }), 400, 'CMN-101', 'body');
  expectError(await emu.request('PATCH', `${BOOK}/99`, { body: {} }), 404, 'CMN-102', 'contactId');
  assert.equal(json<Contact>(await emu.request('GET', `${BOOK}/${created.id}`)).lastName, 'King', 'nothing stored');
});

it(`a user keeps at most ${MAX_CONTACTS_PER_USER} contacts (400 PAB-101 beyond); reset restores the seed`, async (t) => {
  const emu = await emulator(t);
  const seed = emu.state.contacts.exportState();
  const room = MAX_CONTACTS_PER_USER - emu.state.contacts.list(DEMO.admin.extensionId).length;
  for (let i = 0; i < room; i += 1) {
    const res = await emu.request('POST', BOOK, { body: { firstName: `Filler ${i}` } });
    assert.equal(res.statusCode, 200, res.body);
  }
  const full = expectError(await emu.request('POST', BOOK, { body: { firstName: 'One too many' } }), 400, 'PAB-101');
  assert.match(full.message, /max contacts count reached \(500\)/);
  // Another user is not affected.
  assert.equal(
    (await emu.request('POST', BOOK, { token: emu.token(USER1), body: { firstName: 'Fine' } })).statusCode,
    200,
  );
  const reset = await emu.app.inject({ method: 'POST', url: '/__emulator/reset', headers: { host: 'localhost' } });
  assert.equal(reset.statusCode, 200);
  assert.deepEqual(emu.state.contacts.exportState(), seed);
  const list = json<ContactList>(await emu.request('GET', BOOK, { token: emu.token() }));
  assert.deepEqual(
    list.records.map((c) => c.id),
    seed.contacts.filter((c) => c.owner === DEMO.admin.extensionId).map((c) => c.id),
  );
});
