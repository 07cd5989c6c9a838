/**
 * Call Log Sync (`syncUserCallLog`, `syncAccountCallLog`), in-process: FSync returns the newest `recordCount`
 * records (within `dateFrom`, `statusGroup`); a call added through `POST /__emulator/call-log` is exactly what the next
 * ISync returns (and the ordinary call-log reads show it); ISync `recordCount` extends the frame into the past; bad
 * parameters are CMN-101, bad tokens CLG-101, tokens from before a reset or older than 30 days CLG-102, more than 250
 * new records CLG-104; user permissions as for the call-log reads; the Heavy group; stats. Every JSON answer is
 * checked against the spec when the emulator stops.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';

import { DEMO } from '../../emulator/index.js';
import { buildTestEmulator, type InProcessEmulator } from '../helpers/emulator.js';

const SYNC = '/restapi/v1.0/account/~/extension/~/call-log-sync';
const ACCOUNT_SYNC = '/restapi/v1.0/account/~/call-log-sync';
const DAY = 86_400_000;
const USER1 = DEMO.user('user1@example.com');

interface SyncRecord {
  uri: string;
  id: string;
  startTime: string;
  direction: string;
  result: string;
  legs?: unknown[];
  extension?: { id: number };
}
interface SyncResponse {
  uri: string;
  records: SyncRecord[];
  syncInfo: { syncType: string; syncToken: string; syncTime: string };
}
interface ErrorBody {
  errorCode: string;
  message: string;
  permissionName?: string;
  errors: { errorCode: string; parameterName?: string }[];
}

/** An emulator on a clock the test moves, with the Heavy group out of the way. */
async function emulator(t: TestContext): Promise<InProcessEmulator & { clock: { now: number } }> {
  const clock = { now: Date.UTC(2026, 5, 15, 12) };
  const emu = await buildTestEmulator(t, { now: () => clock.now, limits: { Heavy: { limit: 100_000 } } });
  return Object.assign(emu, { clock });
}

function parse<T>(res: { statusCode: number; body: string }, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return JSON.parse(res.body) as T;
}

async function sync(emu: InProcessEmulator, query: string, path = SYNC, token?: string): Promise<SyncResponse> {
  return parse<SyncResponse>(await emu.request('GET', `${path}?${query}`, token === undefined ? {} : { token }));
}

async function syncError(
  emu: InProcessEmulator,
  query: string,
  code: string,
  parameterName: string,
  path = SYNC,
  token?: string,
): Promise<ErrorBody> {
  const body = parse<ErrorBody>(
    await emu.request('GET', `${path}?${query}`, token === undefined ? {} : { token }),
    400,
  );
  assert.equal(body.errorCode, code, `${query}: ${JSON.stringify(body)}`);
  assert.equal(body.errors[0]?.errorCode, code);
  assert.equal(body.errors[0]?.parameterName, parameterName, query);
  return body;
}

const iSync = (token: string, extra = '') => `syncType=ISync&syncToken=${token}${extra}`;

/** Adds a call through the control API (as a test or a demo would) and returns what it answered. */
async function addCall(
  emu: InProcessEmulator,
  body: Record<string, unknown>,
): Promise<{ extensionId: number; seq: number; record: SyncRecord }> {
  const res = await emu.app.inject({
    method: 'POST',
    url: '/__emulator/call-log',
    headers: { host: 'localhost', 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return parse(res);
}

it('FSync: the newest recordCount records, a token and syncInfo; dateFrom, statusGroup and view', async (t) => {
  const emu = await emulator(t);
  const res = await emu.request('GET', `${SYNC}?syncType=FSync&recordCount=5`);
  assert.equal(res.headers['x-rate-limit-group'], 'Heavy');
  const full = parse<SyncResponse>(res);
  assert.equal(
    full.uri,
    `http://localhost:80/restapi/v1.0/account/${DEMO.accountId}/extension/${DEMO.admin.extensionId}/call-log-sync?syncType=FSync&recordCount=5`,
  );
  assert.equal(full.syncInfo.syncType, 'FSync');
  assert.equal(full.syncInfo.syncTime, new Date(emu.clock.now).toISOString());
  assert.match(full.syncInfo.syncToken, /^[A-Za-z0-9_-]{40,}$/);
  const read = parse<{ records: SyncRecord[] }>(
    await emu.request(
      'GET',
      `/restapi/v1.0/account/~/extension/~/call-log?dateFrom=${new Date(emu.clock.now - 40 * DAY).toISOString()}&perPage=5`,
    ),
  );
  assert.deepEqual(
    full.records.map((r) => r.id),
    read.records.map((r) => r.id),
    'the same newest records as the call-log read',
  );
  assert.deepEqual(full.records, read.records, 'rendered the same way');
  assert.deepEqual(
    (await sync(emu, 'recordCount=5')).records.map((r) => r.id),
    full.records.map((r) => r.id),
    'FSync is the default',
  );

  const dateFrom = new Date(emu.clock.now - 2 * DAY).toISOString();
  const recent = await sync(emu, `syncType=FSync&recordCount=250&dateFrom=${dateFrom}`);
  const window = parse<{ records: SyncRecord[] }>(
    await emu.request('GET', `/restapi/v1.0/account/~/extension/~/call-log?dateFrom=${dateFrom}&perPage=1000`),
  );
  assert.ok(recent.records.length > 5 && recent.records.length < 250, String(recent.records.length));
  assert.deepEqual(
    recent.records.map((r) => r.id),
    window.records.map((r) => r.id),
  );
  assert.match(recent.uri, /&dateFrom=2026-06-13T12:00:00\.000Z$/);

  const missed = await sync(emu, 'syncType=FSync&recordCount=250&statusGroup=Missed');
  assert.ok(missed.records.length > 5);
  for (const r of missed.records) {
    assert.equal(r.direction, 'Inbound');
    assert.ok(r.result === 'Missed' || r.result === 'Voicemail', r.result);
  }
  const both = await sync(emu, 'syncType=FSync&recordCount=20&statusGroup=Missed&statusGroup=All');
  assert.deepEqual(
    both.records.map((r) => r.id),
    (await sync(emu, 'recordCount=20')).records.map((r) => r.id),
    'All wins',
  );

  const detailed = await sync(emu, 'syncType=FSync&recordCount=2&view=Detailed');
  assert.ok(detailed.records.every((r) => Array.isArray(r.legs) && r.uri.endsWith('?view=Detailed')));
  const account = await sync(emu, 'syncType=FSync&recordCount=4', ACCOUNT_SYNC);
  assert.ok(account.records.every((r) => typeof r.extension?.id === 'number'));
  assert.equal(
    account.uri,
    `http://localhost:80/restapi/v1.0/account/${DEMO.accountId}/call-log-sync?syncType=FSync&recordCount=4`,
  );
  assert.equal(emu.state.stats.get('rest.syncUserCallLog'), 7);
  assert.equal(emu.state.stats.get('rest.syncAccountCallLog'), 1);
});

it('FSync, then a call added through the control API: ISync returns exactly that record, and the reads show it', async (t) => {
  const emu = await emulator(t);
  const first = await sync(emu, 'syncType=FSync&recordCount=3');
  const accountFirst = await sync(emu, 'syncType=FSync&recordCount=3', ACCOUNT_SYNC);
  emu.clock.now += 60_000;
  const nothing = await sync(emu, iSync(first.syncInfo.syncToken));
  assert.deepEqual(nothing.records, [], 'nothing new yet');
  assert.equal(nothing.syncInfo.syncType, 'ISync');
  assert.equal(nothing.syncInfo.syncTime, new Date(emu.clock.now).toISOString());
  assert.notEqual(nothing.syncInfo.syncToken, first.syncInfo.syncToken);

  emu.clock.now += 60_000;
  const added = await addCall(emu, { extensionNumber: '101' });
  assert.equal(added.extensionId, DEMO.admin.extensionId);
  assert.equal(added.record.startTime, new Date(emu.clock.now).toISOString(), 'a call at the emulator’s now');
  const other = await addCall(emu, { extensionId: USER1.extensionId, record: { direction: 'Outbound' } });

  const next = await sync(emu, iSync(nothing.syncInfo.syncToken));
  assert.deepEqual(
    next.records.map((r) => r.id),
    [added.record.id],
    'exactly the new record of this user',
  );
  assert.equal(
    next.records[0]?.uri,
    added.record.uri.replace('http://localhost/', 'http://localhost:80/').replace('view=Detailed', 'view=Simple'),
  );
  assert.deepEqual((await sync(emu, iSync(next.syncInfo.syncToken))).records, [], 'then nothing again');
  assert.deepEqual(
    (await sync(emu, iSync(first.syncInfo.syncToken))).records.map((r) => r.id),
    [added.record.id],
    'an older token still works and sees the same',
  );
  const account = await sync(emu, iSync(accountFirst.syncInfo.syncToken), ACCOUNT_SYNC);
  assert.deepEqual(account.records.map((r) => r.id).sort(), [added.record.id, other.record.id].sort());

  // The ordinary reads (default 24 h window) see the new calls, newest first.
  const log = parse<{ records: SyncRecord[] }>(
    await emu.request('GET', '/restapi/v1.0/account/~/extension/~/call-log'),
  );
  assert.equal(log.records[0]?.id, added.record.id);
  const company = parse<{ records: SyncRecord[] }>(await emu.request('GET', '/restapi/v1.0/account/~/call-log'));
  assert.deepEqual(
    company.records
      .slice(0, 2)
      .map((r) => r.id)
      .sort(),
    [added.record.id, other.record.id].sort(),
  );
  const user1Log = parse<{ records: SyncRecord[] }>(
    await emu.request('GET', '/restapi/v1.0/account/~/extension/~/call-log', { token: emu.token(USER1) }),
  );
  assert.equal(user1Log.records[0]?.id, other.record.id);
  assert.equal(user1Log.records[0]?.direction, 'Outbound');
});

it('ISync only returns new records within the frame: dateFrom and statusGroup of the FSync', async (t) => {
  const emu = await emulator(t);
  const recent = await sync(
    emu,
    `syncType=FSync&recordCount=1&dateFrom=${new Date(emu.clock.now - DAY).toISOString()}`,
  );
  const missed = await sync(emu, 'syncType=FSync&recordCount=1&statusGroup=Missed');
  const all = await sync(emu, 'syncType=FSync&recordCount=1');
  const old = await addCall(emu, {
    extensionNumber: '101',
    record: { startTime: new Date(emu.clock.now - 10 * DAY).toISOString() },
  });
  const missedCall = await addCall(emu, { extensionNumber: '101', record: { result: 'Missed' } });
  assert.deepEqual(
    (await sync(emu, iSync(recent.syncInfo.syncToken))).records.map((r) => r.id),
    [missedCall.record.id],
    'a call older than the frame’s dateFrom is outside it',
  );
  assert.deepEqual(
    (await sync(emu, iSync(missed.syncInfo.syncToken))).records.map((r) => r.id),
    [missedCall.record.id],
    'an answered call is not a missed call',
  );
  assert.deepEqual(
    (await sync(emu, iSync(all.syncInfo.syncToken))).records.map((r) => r.id),
    [missedCall.record.id, old.record.id],
    'both, newest first',
  );
});

it('ISync with recordCount extends the frame into the past, new records first, 250 at most', async (t) => {
  const emu = await emulator(t);
  const reference = await sync(emu, 'syncType=FSync&recordCount=12');
  const ids = reference.records.map((r) => r.id);
  const start = await sync(emu, 'syncType=FSync&recordCount=3');
  const more = await sync(emu, iSync(start.syncInfo.syncToken, '&recordCount=4'));
  assert.deepEqual(
    more.records.map((r) => r.id),
    ids.slice(3, 7),
  );
  const added = await addCall(emu, { extensionNumber: '101' });
  const again = await sync(emu, iSync(more.syncInfo.syncToken, '&recordCount=5'));
  assert.deepEqual(
    again.records.map((r) => r.id),
    [added.record.id, ...ids.slice(7, 12)],
  );
  assert.match(again.uri, /\?syncType=ISync&syncToken=[A-Za-z0-9_-]+&recordCount=5$/);
});

it('bad parameters are 400 CMN-101 with parameterName', async (t) => {
  const emu = await emulator(t);
  const old = new Date(emu.clock.now - 31 * DAY).toISOString();
  for (const [query, parameterName] of [
    ['syncType=FSync', 'recordCount'],
    ['recordCount=0', 'recordCount'],
    ['recordCount=251', 'recordCount'],
    ['recordCount=ten', 'recordCount'],
    ['recordCount=5&recordCount=6', 'recordCount'],
    ['syncType=Full&recordCount=5', 'syncType'],
    ['syncType=ISync', 'syncToken'],
    ['syncType=ISync&recordCount=5', 'syncToken'],
    [`recordCount=5&dateFrom=${old}`, 'dateFrom'],
    ['recordCount=5&dateFrom=yesterday', 'dateFrom'],
    ['recordCount=5&statusGroup=Answered', 'statusGroup'],
    ['recordCount=5&view=Full', 'view'],
    ['recordCount=5&recordingType=Some', 'recordingType'],
    ['recordCount=5&showDeleted=maybe', 'showDeleted'],
  ] as const) {
    const body = await syncError(emu, query, 'CMN-101', parameterName);
    assert.equal(body.message, `Parameter [${parameterName}] value is invalid.`);
  }
  await syncError(emu, 'recordCount=0', 'CMN-101', 'recordCount', ACCOUNT_SYNC);
  // 30 days back is still fine.
  await sync(emu, `recordCount=5&dateFrom=${new Date(emu.clock.now - 30 * DAY + 1000).toISOString()}`);
});

it('bad tokens: unreadable or another log’s is CLG-101, after a reset or 30 days CLG-102, > 250 new records CLG-104', async (t) => {
  const emu = await emulator(t);
  const { syncToken } = (await sync(emu, 'recordCount=1')).syncInfo;
  const flipped = `${syncToken.slice(0, 20)}${syncToken[20] === 'A' ? 'B' : 'A'}${syncToken.slice(21)}`;
  for (const token of ['garbage', flipped, `${syncToken}AA`, syncToken.slice(0, -2), 'x'.repeat(2000)]) {
    const body = await syncError(emu, iSync(token), 'CLG-101', 'syncToken');
    assert.match(body.message, /^Parameter \[syncToken\] is invalid \[/);
  }
  const accountToken = (await sync(emu, 'recordCount=1', ACCOUNT_SYNC)).syncInfo.syncToken;
  await syncError(emu, iSync(accountToken), 'CLG-101', 'syncToken');
  await syncError(emu, iSync(syncToken), 'CLG-101', 'syncToken', ACCOUNT_SYNC);
  // The admin may sync user1's log, but not with a token of their own log.
  const user1Sync = `/restapi/v1.0/account/~/extension/${USER1.extensionId}/call-log-sync`;
  await sync(emu, 'recordCount=1', user1Sync);
  await syncError(emu, iSync(syncToken), 'CLG-101', 'syncToken', user1Sync);

  // 250 new records are fine, 251 are too many.
  for (let i = 0; i < 250; i += 1) await addCall(emu, { extensionNumber: '101' });
  assert.equal((await sync(emu, iSync(syncToken))).records.length, 250);
  await addCall(emu, { extensionNumber: '101' });
  const tooMany = await syncError(emu, iSync(syncToken), 'CLG-104', 'syncToken');
  assert.equal(tooMany.message, 'Parameter [syncToken] is invalid [max sync record number limit is exceeded]');

  // 30 days later the token has expired (the log it describes is gone).
  const fresh = (await sync(emu, 'recordCount=1')).syncInfo.syncToken;
  emu.clock.now += 30 * DAY + 60_000;
  const later = emu.token();
  const expired = await syncError(emu, iSync(fresh), 'CLG-102', 'syncToken', SYNC, later);
  assert.equal(expired.message, 'Parameter [syncToken] is invalid [Sync token expired, call log was reset]');

  // A reset generates the log again: tokens of the old one have expired.
  const beforeReset = (await sync(emu, 'recordCount=1', SYNC, later)).syncInfo.syncToken;
  const reset = await emu.app.inject({ method: 'POST', url: '/__emulator/reset', headers: { host: 'localhost' } });
  assert.equal(reset.statusCode, 200);
  await syncError(emu, iSync(beforeReset), 'CLG-102', 'syncToken', SYNC, emu.token());
});

it('permissions: another user’s log needs FullCompanyCallLog (CMN-419), the account log too (CMN-401), the app ReadCallLog', async (t) => {
  const emu = await emulator(t);
  const user1 = emu.token(USER1);
  const adminSync = `/restapi/v1.0/account/~/extension/${DEMO.admin.extensionId}/call-log-sync`;
  const refusals: [string, string, string, string][] = [
    [adminSync, user1, 'CMN-419', 'ReadCallLog'],
    [ACCOUNT_SYNC, user1, 'CMN-401', 'FullCompanyCallLog'],
    [SYNC, emu.token(DEMO.admin, ['ReadAccounts', 'ReadContacts']), 'CMN-401', 'ReadCallLog'],
    [ACCOUNT_SYNC, emu.token(DEMO.admin, ['ReadAccounts']), 'CMN-401', 'ReadCallLog'],
  ];
  for (const [path, token, code, permission] of refusals) {
    const body = parse<ErrorBody>(await emu.request('GET', `${path}?recordCount=1`, { token }), 403);
    assert.equal(body.errorCode, 'InsufficientPermissions');
    assert.equal(body.errors[0]?.errorCode, code, path);
    assert.equal(body.permissionName, permission, path);
  }
  // Own log for user1; any log and the account log for the admin (FullCompanyCallLog).
  assert.equal((await emu.request('GET', `${SYNC}?recordCount=1`, { token: user1 })).statusCode, 200);
  assert.equal(
    (await emu.request('GET', `/restapi/v1.0/account/~/extension/${USER1.extensionId}/call-log-sync?recordCount=1`))
      .statusCode,
    200,
  );
  const unknown = parse<ErrorBody>(
    await emu.request('GET', '/restapi/v1.0/account/~/extension/777/call-log-sync?recordCount=1'),
    404,
  );
  assert.equal(unknown.errors[0]?.parameterName, 'extensionId');
});
