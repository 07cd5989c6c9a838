/**
 * Every JSON body the emulator sends validates against RingCentral's pinned OpenAPI spec: a scenario that reaches
 * each emulated operation with each status it can answer, validated record by record, plus checks that the
 * validator itself rejects wrong bodies and that `startTestEmulator` fails a suite on a mismatch.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';

import { parse } from 'yaml';

import {
  CALL_ACTIONS,
  CALL_INTERNAL_TYPES,
  CALL_LEG_TYPES,
  CALL_REASONS,
  CALL_RESULTS,
} from '../../emulator/call-log-enums.js';
import { DEMO } from '../../emulator/index.js';
import {
  buildAuthorizeUrl,
  demoBasicAuth,
  loginAndGetTokens,
  postForm,
  startTestEmulator,
} from '../helpers/emulator.js';
import {
  SPEC_PATH,
  SPEC_SHA256,
  getSpecValidator,
  validateRecordedResponses,
  validateResponse,
} from '../helpers/openapi.js';

it('the committed spec is the pinned file', () => {
  const sha = createHash('sha256').update(readFileSync(SPEC_PATH)).digest('hex');
  assert.equal(sha, SPEC_SHA256);
});

it('operations are found by id and by method + concrete path', () => {
  const v = getSpecValidator();
  const cases: [string, string, string][] = [
    ['GET', '/restapi/v1.0/account/~/extension', 'listExtensions'],
    ['GET', '/restapi/v1.0/account/400000001000/extension/400000001101', 'readExtension'],
    ['GET', '/restapi/v1.0/account/~/extension/~/call-log', 'readUserCallLog'],
    ['GET', '/restapi/v1.0/account/~/call-log', 'readCompanyCallLog'],
    ['POST', '/restapi/oauth/token', 'getToken'],
    ['POST', '/restapi/oauth/revoke', 'revokeToken'],
    ['GET', '/restapi/oauth/authorize', 'authorize'],
    ['GET', '/restapi/v1.0/account/~', 'readAccountInfo'],
    ['GET', '/restapi/v1.0/account/~/extension/~/presence', 'readUserPresenceStatus'],
    ['GET', '/restapi/v1.0/account/~/extension/~/call-log-sync', 'syncUserCallLog'],
    ['GET', '/restapi/v1.0/account/~/call-log-sync', 'syncAccountCallLog'],
    ['GET', '/restapi/v1.0/account/~/extension/~/address-book/contact', 'listContacts'],
    ['POST', '/restapi/v1.0/account/~/extension/~/address-book/contact', 'createContact'],
    ['GET', '/restapi/v1.0/account/~/extension/~/address-book/contact/701000001', 'readContact'],
    ['PUT', '/restapi/v1.0/account/~/extension/~/address-book/contact/701000001', 'updateContact'],
    ['PATCH', '/restapi/v1.0/account/~/extension/~/address-book/contact/701000001', 'patchContact'],
    ['DELETE', '/restapi/v1.0/account/~/extension/~/address-book/contact/701000001', 'deleteContact'],
    ['GET', '/restapi/v1.0/account/~/extension/~/profile-image', 'readUserProfileImageLegacy'],
  ];
  for (const [method, path, id] of cases) assert.equal(v.findOperation(method, path)?.operationId, id, path);
  assert.equal(v.findOperation('GET', '/nowhere'), undefined);
});

it('the call-log value lists the emulator checks added records against are the spec’s', () => {
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
    components: { schemas: Record<string, { enum?: string[] }> };
  };
  const lists: [string, readonly string[]][] = [
    ['CallActionEnum', CALL_ACTIONS],
    ['CallResultEnum', CALL_RESULTS],
    ['CallResultReasonEnum', CALL_REASONS],
    ['CallInternalTypeEnum', CALL_INTERNAL_TYPES],
    ['CallLegTypeEnum', CALL_LEG_TYPES],
  ];
  for (const [name, list] of lists) assert.deepEqual([...list], spec.components.schemas[name]?.enum, name);
});

it('the validator rejects bodies that break the spec', () => {
  const token = {
    access_token: 'a',
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: 'r',
    refresh_token_expires_in: 604800,
    scope: 'ReadAccounts',
    owner_id: '1',
    endpoint_id: 'e',
    session_id: 's',
  };
  assert.equal(validateResponse('getToken', 200, token).valid, true);
  const { session_id: _omit, ...noSession } = token;
  assert.equal(validateResponse('getToken', 200, noSession).valid, false);
  assert.equal(validateResponse('getToken', 200, { ...token, token_type: 'Bearer' }).valid, false);
  assert.equal(validateResponse('getToken', 200, { ...token, expires_in: 2 ** 40 }).valid, false, 'int32');
  const oauthError = {
    error: 'invalid_grant',
    errors: [{ errorCode: 'OAU-106', message: 'Invalid authorization code' }],
  };
  assert.equal(validateResponse('getToken', 400, oauthError).valid, true);
  assert.equal(validateResponse('getToken', 400, { ...oauthError, error: 'nope' }).valid, false);
  assert.equal(validateResponse('getToken', 400, { error: 'invalid_grant', errors: [] }).valid, false);
  const record = {
    uri: 'http://x/restapi/v1.0/account/1/extension/1/call-log/a',
    id: 'a',
    sessionId: '1',
    startTime: '2025-01-01T00:00:00.000Z',
    type: 'Voice',
    direction: 'Inbound',
    action: 'Phone Call',
  };
  const page = { records: [record], paging: { perPage: 1 }, navigation: {} };
  assert.equal(validateResponse('readUserCallLog', 200, page).valid, true);
  assert.equal(
    validateResponse('readUserCallLog', 200, { ...page, records: [{ ...record, direction: 'Sideways' }] }).valid,
    false,
  );
  assert.equal(validateResponse('readUserCallLog', 200, { ...page, paging: { perPage: 5000 } }).valid, false);
  assert.equal(validateResponse('readUserCallLog', 200, { records: [] }).valid, false, 'paging/navigation required');
  assert.equal(
    validateResponse('listExtensions', 401, { errors: [{ errorCode: 'X' }] }).valid,
    false,
    'message required',
  );
  assert.equal(validateResponse('revokeToken', 200, '').valid, true);
  assert.equal(validateResponse('revokeToken', 200, '{}').valid, false, 'revoke 200 has no body');
  assert.equal(validateResponse('noSuchOperation', 200, {}).valid, false);
});

it('startTestEmulator fails when the emulator sent a body that breaks the spec', async () => {
  const emu = await startTestEmulator();
  (emu.responses as unknown as { push(r: unknown): void }).push({
    method: 'GET',
    path: '/restapi/v1.0/account/~/extension',
    operationId: 'listExtensions',
    status: 200,
    contentType: 'application/json;charset=utf-8',
    body: '{"records":"not an array"}',
  });
  await assert.rejects(emu.stop(), /do not match the OpenAPI spec[\s\S]*listExtensions 200/);
});

it('every JSON body of every emulated operation and status validates against the spec', async (t) => {
  const emu = await startTestEmulator(t);
  const url = emu.url;
  const admin = await loginAndGetTokens(url);
  const user = await loginAndGetTokens(url, DEMO.user('user1@example.com'), { app: 'public' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (path: string, token = admin.access_token) => fetch(`${url}${path}`, { headers: bearer(token) });
  const basic = { authorization: demoBasicAuth() };

  // authorize: 400 (unknown client, bad redirect)
  await fetch(buildAuthorizeUrl(url, { clientId: 'nope' }));
  await fetch(buildAuthorizeUrl(url, { redirectUri: 'https://evil.example/' }));
  // token: 200 (refresh), 400, 401, 415, 429
  const refreshed = (await (
    await postForm(
      `${url}/restapi/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: admin.refresh_token },
      basic,
    )
  ).json()) as { access_token: string; refresh_token: string };
  await postForm(`${url}/restapi/oauth/token`, { grant_type: 'authorization_code', code: 'x' }, basic);
  await postForm(`${url}/restapi/oauth/token`, { grant_type: 'authorization_code', code: 'x' });
  await fetch(`${url}/restapi/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  await emu.control.limits({ group: 'Auth', limit: 1 });
  const latest = (await (
    await postForm(
      `${url}/restapi/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token },
      basic,
    )
  ).json()) as { access_token: string; refresh_token: string };
  const limited = await postForm(
    `${url}/restapi/oauth/token`,
    { grant_type: 'refresh_token', refresh_token: latest.refresh_token },
    basic,
  );
  assert.equal(limited.status, 429);
  await emu.control.limits({ group: 'Auth', limit: 5 });
  // revoke: 400
  await postForm(`${url}/restapi/oauth/revoke`, {}, basic);
  // REST 200s (Simple and Detailed, empty pages, paging navigation)
  const token = latest.access_token;
  for (const path of [
    '/restapi/v1.0/account/~/extension',
    '/restapi/v1.0/account/~/extension?perPage=3&page=2',
    '/restapi/v1.0/account/~/extension?type=Department&page=9',
    '/restapi/v1.0/account/~/extension/~',
    `/restapi/v1.0/account/~/extension/${Number(DEMO.accountId) + 301}`,
    '/restapi/v1.0/account/~/extension/~/call-log?view=Detailed&dateFrom=2020-01-01&perPage=1000',
    '/restapi/v1.0/account/~/extension/~/call-log?withRecording=true&dateFrom=2020-01-01',
    '/restapi/v1.0/account/~/call-log?view=Detailed&dateFrom=2020-01-01&perPage=1000',
    '/restapi/v1.0/account/~/call-log?dateFrom=2020-01-01&page=2&perPage=1',
    '/restapi/v1.0/account/~/call-log?dateTo=2001-01-01',
  ]) {
    const res = await get(path, token);
    assert.equal(res.status, 200, path);
  }
  // REST errors: 400, 401 (several codes), 403, 404, 405, 429, injected 5xx
  await get('/restapi/v1.0/account/~/extension/~/call-log?view=Wrong', token);
  await get('/restapi/v1.0/account/~/extension', admin.access_token);
  await get('/restapi/v1.0/account/~/extension', 'garbage');
  await fetch(`${url}/restapi/v1.0/account/~/extension`);
  await get('/restapi/v1.0/account/~/call-log', user.access_token);
  await get('/restapi/v1.0/account/42/extension', token);
  await get('/restapi/v1.0/account/~/extension/77', token);
  await fetch(`${url}/restapi/v1.0/account/~/extension`, { method: 'DELETE', headers: bearer(token) });
  await fetch(`${url}/restapi/nothing`);
  await emu.control.limits({ group: 'Light', limit: 1 });
  await get('/restapi/v1.0/account/~/extension/~', token);
  await get('/restapi/v1.0/account/~/extension/~', token);
  for (const status of [500, 502, 503]) {
    await emu.control.fault({ route: 'rest', status, count: 1 });
    await get('/restapi/v1.0/account/~/extension', token);
    await emu.control.fault({ route: 'token', status, count: 1 });
    await postForm(`${url}/restapi/oauth/token`, { grant_type: 'refresh_token', refresh_token: 'x' }, basic);
  }

  // The operations added for the next features: 200s and their errors.
  await emu.control.limits({ group: 'Heavy', limit: 1000 });
  await emu.control.limits({ group: 'Light', limit: 1000 });
  const send = (method: string, path: string, body?: unknown, bearerToken = token) =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...bearer(bearerToken), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const book = '/restapi/v1.0/account/~/extension/~/address-book/contact';
  const created = (await (
    await send('POST', book, {
      firstName: 'Spec',
      lastName: 'Check',
      email: 'spec.check@example.com',
      birthday: '1990-01-02T03:04:05Z',
      webPage: 'https://example.com/a%20b?x=1#y',
      mobilePhone: '650 555 0199',
      otherPhone: '+16505550100*22,,#1',
      homeAddress: { street: '1 Main St', city: 'Belmont', state: 'CA', zip: '94002', country: 'USA' },
    })
  ).json()) as { id: number };
  const user1 = DEMO.user('user1@example.com').extensionId;
  for (const [method, path, body, status] of [
    ['GET', '/restapi/v1.0/account/~', undefined, 200],
    ['GET', '/restapi/v1.0/account/7', undefined, 404],
    ['GET', '/restapi/v1.0/account/~/extension/~/presence', undefined, 200],
    [
      'GET',
      `/restapi/v1.0/account/~/extension/${user1}/presence?detailedTelephonyState=true&sipData=true`,
      undefined,
      200,
    ],
    ['GET', `/restapi/v1.0/account/~/extension/${Number(DEMO.accountId) + 601}/presence`, undefined, 200],
    ['GET', '/restapi/v1.0/account/~/extension/~/presence?sipData=x', undefined, 400],
    ['GET', '/restapi/v1.0/account/~/extension/55/presence', undefined, 404],
    ['GET', `${book}?sortBy=LastName&perPage=2&page=2`, undefined, 200],
    ['GET', `${book}?page=99`, undefined, 200],
    ['GET', `${book}?perPage=abc`, undefined, 400],
    ['GET', `${book}/${created.id}`, undefined, 200],
    ['PUT', `${book}/${created.id}`, { firstName: 'Spec 2', businessAddress: { city: 'Boston' } }, 200],
    ['POST', book, { email: 'nope' }, 400],
    ['POST', book, { homePhone: '*1' }, 400],
    ['POST', book, '{', 400],
    ['GET', `${book}/1`, undefined, 404],
    ['GET', `/restapi/v1.0/account/~/extension/${user1}/address-book/contact`, undefined, 404],
    ['DELETE', `${book}/${created.id}`, undefined, 204],
    ['GET', '/restapi/v1.0/account/~/extension/~/call-log-sync?recordCount=3&view=Detailed', undefined, 200],
    ['GET', '/restapi/v1.0/account/~/call-log-sync?recordCount=3&statusGroup=Missed', undefined, 200],
    ['GET', '/restapi/v1.0/account/~/extension/~/call-log-sync?syncType=ISync&syncToken=bad', undefined, 400],
    ['GET', '/restapi/v1.0/account/~/call-log-sync?syncType=Other', undefined, 400],
  ] as const) {
    const res = await send(method, path, body);
    assert.equal(res.status, status, `${method} ${path}`);
  }
  const fsync = (await (
    await send('GET', '/restapi/v1.0/account/~/extension/~/call-log-sync?recordCount=1')
  ).json()) as {
    syncInfo: { syncToken: string };
  };
  await fetch(`${url}/__emulator/call-log`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      extensionNumber: '101',
      record: { type: 'Fax', direction: 'Outbound', result: 'Fax Partially Sent', recording: { type: 'Automatic' } },
    }),
  });
  await fetch(`${url}/__emulator/call-log`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ extensionNumber: '101', record: { result: 'Voicemail', from: { extensionNumber: '105' } } }),
  });
  const isync = await send(
    'GET',
    `/restapi/v1.0/account/~/extension/~/call-log-sync?syncType=ISync&view=Detailed&recordCount=2&syncToken=${fsync.syncInfo.syncToken}`,
  );
  assert.equal(((await isync.json()) as { records: unknown[] }).records.length, 4);
  const narrow = await loginAndGetTokens(url, DEMO.user('user2@example.com'));
  for (const path of [
    '/restapi/v1.0/account/~/call-log-sync?recordCount=1',
    `/restapi/v1.0/account/~/extension/${user1}/call-log-sync?recordCount=1`,
  ]) {
    assert.equal((await send('GET', path, undefined, narrow.access_token)).status, 403, path);
  }

  const seen = new Set(
    emu.responses
      .filter((r) => r.contentType.includes('json') && r.path.startsWith('/restapi'))
      .map((r) => `${r.operationId ?? '-'} ${r.status}`),
  );
  for (const expected of [
    'authorize 400',
    'getToken 200',
    'getToken 400',
    'getToken 401',
    'getToken 415',
    'getToken 429',
    'getToken 503',
    'revokeToken 400',
    'listExtensions 200',
    'listExtensions 401',
    'listExtensions 404',
    '- 405',
    'listExtensions 500',
    'readExtension 200',
    'readExtension 404',
    'readExtension 429',
    'readUserCallLog 200',
    'readUserCallLog 400',
    'readCompanyCallLog 200',
    'readCompanyCallLog 403',
    '- 404',
    'readAccountInfo 200',
    'readAccountInfo 404',
    'readUserPresenceStatus 200',
    'readUserPresenceStatus 400',
    'readUserPresenceStatus 404',
    'listContacts 200',
    'listContacts 400',
    'listContacts 404',
    'createContact 200',
    'createContact 400',
    'readContact 200',
    'readContact 404',
    'updateContact 200',
    'syncUserCallLog 200',
    'syncUserCallLog 400',
    'syncUserCallLog 403',
    'syncAccountCallLog 200',
    'syncAccountCallLog 400',
    'syncAccountCallLog 403',
  ]) {
    assert.ok(seen.has(expected), `scenario covers ${expected} (seen: ${[...seen].sort().join(', ')})`);
  }
  assert.deepEqual(validateRecordedResponses(emu.responses), []);
});
