/**
 * Account info (`readAccountInfo`) and presence (`readUserPresenceStatus`), in-process: `~` and explicit ids, the
 * demo values, deterministic presence per user, `detailedTelephonyState` and `sipData`, non-user extensions,
 * 404 for unknown ids, 400 for bad parameters, the app permissions (`ReadAccounts`, `ReadPresence`), the Light group
 * and stats. Every JSON answer is checked against the spec when the emulator stops.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { DEMO } from '../../emulator/index.js';
import { buildTestEmulator } from '../helpers/emulator.js';

const ACCOUNT = `/restapi/v1.0/account/${DEMO.accountId}`;
const BASE = 'http://localhost:80';

function parse<T>(res: { statusCode: number; body: string }, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return JSON.parse(res.body) as T;
}

interface ErrorBody {
  errorCode: string;
  permissionName?: string;
  errors: { errorCode: string; parameterName?: string }[];
}

it('account info: the demo account by ~ or by id, Light group, ReadAccounts', async (t) => {
  const emu = await buildTestEmulator(t);
  const res = await emu.request('GET', '/restapi/v1.0/account/~');
  const byTilde = parse<Record<string, unknown>>(res);
  assert.deepEqual(parse(await emu.request('GET', ACCOUNT)), byTilde);
  assert.deepEqual(parse(await emu.request('GET', `${ACCOUNT}/`)), byTilde, 'a trailing slash is the same resource');
  assert.equal(byTilde.id, Number(DEMO.accountId));
  assert.equal(byTilde.uri, `${BASE}${ACCOUNT}`);
  assert.equal(byTilde.mainNumber, '+16505550100');
  assert.equal(byTilde.status, 'Confirmed');
  assert.deepEqual(byTilde.operator, {
    uri: `${BASE}${ACCOUNT}/extension/${DEMO.admin.extensionId}`,
    id: DEMO.admin.extensionId,
    extensionNumber: '101',
  });
  assert.equal((byTilde.regionalSettings as { currency: { code: string } }).currency.code, 'USD');
  assert.equal(res.headers['x-rate-limit-group'], 'Light');
  assert.equal(res.headers['x-rate-limit-limit'], '50');
  assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
  // Every user may read it; an app without ReadAccounts may not.
  assert.equal(
    (await emu.request('GET', ACCOUNT, { token: emu.token(DEMO.user('user5@example.com')) })).statusCode,
    200,
  );
  const refused = parse<ErrorBody>(
    await emu.request('GET', ACCOUNT, { token: emu.token(DEMO.admin, ['ReadCallLog', 'ReadPresence']) }),
    403,
  );
  assert.equal(refused.errorCode, 'InsufficientPermissions');
  assert.equal(refused.errors[0]?.errorCode, 'CMN-401');
  assert.equal(refused.permissionName, 'ReadAccounts');
  const foreign = parse<ErrorBody>(await emu.request('GET', '/restapi/v1.0/account/123456789'), 404);
  assert.equal(foreign.errorCode, 'CMN-102');
  assert.equal(foreign.errors[0]?.parameterName, 'accountId');
  const post = await emu.request('POST', ACCOUNT);
  assert.equal(post.statusCode, 405);
  assert.equal(emu.state.stats.get('rest.readAccountInfo'), 6);
  assert.equal(emu.state.stats.get('rest.Light'), 6);
});

interface Presence {
  uri: string;
  extension: { uri: string; id: number; extensionNumber: string };
  presenceStatus: string;
  telephonyStatus?: string;
  userStatus?: string;
  dndStatus?: string;
  message?: string;
  activeCalls?: { telephonyStatus: string; direction: string; to: string; sipData?: { remoteUri: string } }[];
}

it('presence: deterministic per user, ~ and ids alike, detailedTelephonyState and sipData', async (t) => {
  const emu = await buildTestEmulator(t);
  const path = (id: number | '~', query = '') => `${ACCOUNT}/extension/${id}/presence${query}`;
  const own = parse<Presence>(await emu.request('GET', '/restapi/v1.0/account/~/extension/~/presence'));
  assert.deepEqual(parse(await emu.request('GET', path(DEMO.admin.extensionId))), own);
  assert.equal(own.uri, `${BASE}${path(DEMO.admin.extensionId)}`);
  assert.deepEqual(own.extension, {
    uri: `${BASE}${ACCOUNT}/extension/${DEMO.admin.extensionId}`,
    id: DEMO.admin.extensionId,
    extensionNumber: '101',
  });
  assert.equal(own.activeCalls, undefined, 'no activeCalls unless detailedTelephonyState=true');

  const expected: [string, string, string, string, string][] = [
    // user, presenceStatus, telephonyStatus, userStatus, dndStatus
    ['admin@example.com', 'Available', 'NoCall', 'Available', 'TakeAllCalls'],
    ['user1@example.com', 'Busy', 'CallConnected', 'Available', 'TakeAllCalls'],
    ['user2@example.com', 'Busy', 'NoCall', 'Busy', 'DoNotAcceptAnyCalls'],
    ['user3@example.com', 'Offline', 'NoCall', 'Offline', 'TakeAllCalls'],
    ['user4@example.com', 'Busy', 'Ringing', 'Available', 'TakeAllCalls'],
    ['user5@example.com', 'Available', 'NoCall', 'Available', 'TakeAllCalls'],
  ];
  // Read by another user (user9): the presence of colleagues is visible.
  const token = emu.token(DEMO.user('user9@example.com'));
  for (const [username, presenceStatus, telephonyStatus, userStatus, dndStatus] of expected) {
    const p = parse<Presence>(await emu.request('GET', path(DEMO.user(username).extensionId), { token }));
    assert.deepEqual(
      [p.presenceStatus, p.telephonyStatus, p.userStatus, p.dndStatus],
      [presenceStatus, telephonyStatus, userStatus, dndStatus],
      username,
    );
  }

  const user1 = DEMO.user('user1@example.com');
  const detailed = parse<Presence>(
    await emu.request('GET', path(user1.extensionId, '?detailedTelephonyState=true'), { token }),
  );
  assert.equal(detailed.activeCalls?.length, 1);
  assert.equal(detailed.activeCalls[0]?.telephonyStatus, 'CallConnected');
  assert.equal(detailed.activeCalls[0]?.to, `+1650555${user1.extensionNumber.padStart(4, '0')}`);
  assert.equal(detailed.activeCalls[0]?.sipData, undefined);
  const withSip = parse<Presence>(
    await emu.request('GET', path(user1.extensionId, '?detailedTelephonyState=TRUE&sipData=true'), { token }),
  );
  assert.match(withSip.activeCalls?.[0]?.sipData?.remoteUri ?? '', /^sip:\d+@sip\.ringcentral\.com$/);
  const idle = parse<Presence>(await emu.request('GET', path('~', '?detailedTelephonyState=true&sipData=true')));
  assert.deepEqual(idle.activeCalls, []);
  assert.deepEqual(
    parse(await emu.request('GET', path('~', '?sipData=true'))),
    own,
    'sipData alone changes nothing (no activeCalls to carry it)',
  );
});

it('presence: non-user extensions are Offline with no user status; bad ids and values are RingCentral errors', async (t) => {
  const emu = await buildTestEmulator(t);
  const department = Number(DEMO.accountId) + 201;
  const p = parse<Record<string, unknown>>(
    await emu.request('GET', `/restapi/v1.0/account/~/extension/${department}/presence?detailedTelephonyState=true`),
  );
  assert.deepEqual(Object.keys(p).sort(), ['extension', 'presenceStatus', 'uri']);
  assert.equal(p.presenceStatus, 'Offline');
  for (const [path, status, code, parameterName] of [
    ['/restapi/v1.0/account/~/extension/999/presence', 404, 'CMN-102', 'extensionId'],
    ['/restapi/v1.0/account/~/extension/abc/presence', 404, 'CMN-102', 'extensionId'],
    ['/restapi/v1.0/account/1/extension/~/presence', 404, 'CMN-102', 'accountId'],
    [
      '/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=yes',
      400,
      'CMN-101',
      'detailedTelephonyState',
    ],
    ['/restapi/v1.0/account/~/extension/~/presence?sipData=1', 400, 'CMN-101', 'sipData'],
    ['/restapi/v1.0/account/~/extension/~/presence?sipData=true&sipData=false', 400, 'CMN-101', 'sipData'],
  ] as const) {
    const body = parse<ErrorBody>(await emu.request('GET', path), status);
    assert.equal(body.errors[0]?.errorCode, code, path);
    assert.equal(body.errors[0]?.parameterName, parameterName, path);
  }
  const refused = parse<ErrorBody>(
    await emu.request('GET', '/restapi/v1.0/account/~/extension/~/presence', {
      token: emu.token(DEMO.admin, ['ReadAccounts', 'ReadCallLog', 'ReadContacts', 'Contacts']),
    }),
    403,
  );
  assert.equal(refused.errors[0]?.errorCode, 'CMN-401');
  assert.equal(refused.permissionName, 'ReadPresence');
  const res = await emu.request('GET', '/restapi/v1.0/account/~/extension/~/presence');
  assert.equal(res.headers['x-rate-limit-group'], 'Light');
  assert.equal(emu.state.stats.get('rest.readUserPresenceStatus'), 9);
});
