/**
 * The emulator's saved state (`emulator/persistence.ts`, `emulator/saved-parts.ts`): a save/load round trip keeps
 * codes, sessions and every bit of rotation state (and behaves the same after it); the file is a versioned JSON
 * snapshot, 0600 in a 0700 directory, replaced atomically and written soon after a change; reset clears it; a corrupt,
 * foreign or newer file is set aside with a warning that quotes nothing from it; a failed save warns once and
 * changes nothing else; `npm run emulator` keeps its state only with `EMULATOR_DATA_DIR`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it, type TestContext } from 'node:test';

import { createAddressBook } from '../../emulator/contacts.js';
import { DEFAULT_SEED } from '../../emulator/data.js';
import { DEMO, startEmulator } from '../../emulator/index.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from '../../emulator/persistence.js';
import { createEmulatorState, type EmulatorState, type StateOptions } from '../../emulator/state.js';
import { generateToken, type TokenTtls } from '../../emulator/tokens.js';
import { demoBasicAuth, loginAndGetTokens, postForm } from '../helpers/emulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TTLS: TokenTtls = { accessTtl: 3600, refreshTtl: 604_800 };
const USER1_ID = 400000001102;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-authflow-emulator-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An emulator state on a fake clock over `dataDir`, its warnings collected. */
function stateOver(
  t: TestContext,
  dataDir: string,
  clock: { now: number },
  extra: Partial<StateOptions> = {},
): { state: EmulatorState; warnings: string[] } {
  const warnings: string[] = [];
  const state = createEmulatorState({
    dataDir,
    now: () => clock.now,
    onWarning: (message) => warnings.push(message),
    ...extra,
  });
  t.after(() => state.close());
  return { state, warnings };
}

function stateFileOf(dataDir: string): string {
  return join(dataDir, 'emulator', 'state.json');
}

it('a save/load round trip keeps codes, sessions and rotation state, and they behave the same after it', async (t) => {
  const dataDir = tempDir(t);
  const clock = { now: 1_750_000_000_000 };
  const { state: first } = stateOver(t, dataDir, clock);
  const { tokens } = first;

  // A session used once, then rotated: previous pair with firstUsedAt and replacedAt, a fresh current pair.
  const rotated = tokens.createSession({
    clientId: DEMO.clientId,
    extensionId: USER1_ID,
    scope: ['ReadAccounts'],
    ttls: TTLS,
  });
  const firstPair = rotated.current;
  assert.equal(tokens.checkAccessToken(firstPair.accessToken).ok, true);
  clock.now += 1_000;
  const refreshed = tokens.refresh(firstPair.refreshToken, TTLS);
  assert.ok(refreshed.ok);
  // A code used for a session that was then revoked (replay protection must still find it), and an unused code.
  const used = tokens.issueCode({
    clientId: DEMO.clientId,
    redirectUri: DEMO.redirectUri,
    redirectUriInRequest: true,
    extensionId: USER1_ID,
  });
  const revoked = tokens.createSession({ clientId: DEMO.clientId, extensionId: USER1_ID, scope: [], ttls: TTLS });
  tokens.useCode(used, revoked);
  tokens.revokeSession(revoked);
  const pending = tokens.issueCode({
    clientId: DEMO.publicClientId,
    redirectUri: DEMO.redirectUri,
    redirectUriInRequest: false,
    extensionId: USER1_ID,
    challenge: { value: 'a'.repeat(43), method: 'S256' },
  });
  first.clock.advance(5);
  const before = tokens.exportState();
  assert.equal(before.sessions.length, 2, 'the live session and the revoked one a code points at');
  assert.equal(before.sessions[0]?.previous?.firstUsedAt, clock.now - 1_000);
  assert.equal(before.sessions[0]?.previous?.replacedAt, clock.now);
  assert.equal(before.sessions[1]?.revoked, true);
  await first.close();

  const { state: second, warnings } = stateOver(t, dataDir, clock);
  assert.deepEqual(warnings, []);
  assert.equal(second.loaded.status, 'loaded');
  assert.deepEqual(second.tokens.exportState(), before);
  assert.equal(second.clock.offsetMs(), 5_000);
  assert.equal(second.tokens.activeSessions(), 1);

  // Rotation rules after the restart: the old refresh token repeats the same new pair (the new access token is
  // unused, so its grace runs); the old access token was replaced 5 s ago (emulator time): "corrupted" for 10 s,
  // then gone; the new one works.
  const repeated = second.tokens.refresh(firstPair.refreshToken, TTLS);
  assert.ok(repeated.ok && repeated.repeated);
  assert.equal(repeated.pair.accessToken, rotated.current.accessToken);
  const justReplaced = second.tokens.checkAccessToken(firstPair.accessToken);
  assert.ok(!justReplaced.ok && justReplaced.errorCode === 'OAU-129', JSON.stringify(justReplaced));
  clock.now += 10_000;
  const old = second.tokens.checkAccessToken(firstPair.accessToken);
  assert.ok(!old.ok && old.errorCode === 'OAU-213', JSON.stringify(old));
  assert.equal(second.tokens.checkAccessToken(rotated.current.accessToken).ok, true);
  // The used code still knows its (revoked) session; the pending code is still redeemable.
  assert.equal(second.tokens.findCode(used.code)?.used, true);
  assert.equal(second.tokens.findCode(used.code)?.session?.revoked, true);
  assert.equal(second.tokens.sessionOfToken(revoked.current.accessToken), undefined, 'revoked stays revoked');
  assert.deepEqual(second.tokens.findCode(pending.code)?.challenge, { value: 'a'.repeat(43), method: 'S256' });
  assert.equal(second.tokens.findCode(pending.code)?.used, false);
});

it('the file: a versioned JSON snapshot, 0600 in a 0700 directory, replaced atomically, written soon after a change', async (t) => {
  const dataDir = tempDir(t);
  const dir = join(dataDir, 'emulator');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'state.json.123.0123456789ab.tmp'), 'left over by a crash');
  const clock = { now: Date.now() };
  const { state } = stateOver(t, dataDir, clock, { saveDelayMs: 20 });
  assert.equal(statSync(dir).mode & 0o777, 0o700, 'the directory is tightened to 0700');
  assert.deepEqual(readdirSync(dir), [], 'a stale temporary file is removed');
  assert.equal(state.stateFile, stateFileOf(dataDir));

  const session = state.tokens.createSession({ clientId: DEMO.clientId, extensionId: USER1_ID, scope: [], ttls: TTLS });
  // Saved a moment after the change, without a close (a kill -9 later loses at most that moment).
  for (let i = 0; i < 200 && !existsSync(stateFileOf(dataDir)); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(stateFileOf(dataDir)), 'saved within the save delay');
  assert.equal(statSync(stateFileOf(dataDir)).mode & 0o777, 0o600);
  const saved = JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as Record<string, unknown>;
  assert.equal(saved.format, SNAPSHOT_FORMAT);
  assert.equal(saved.version, SNAPSHOT_VERSION);
  assert.ok(!Number.isNaN(Date.parse(String(saved.savedAt))));
  assert.deepEqual(Object.keys(saved.parts as object), ['clock', 'tokens', 'contacts', 'callLog']);
  assert.match(readFileSync(stateFileOf(dataDir), 'utf8'), new RegExp(session.current.refreshToken));

  state.clock.advance(60);
  await state.flush();
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temporary file is left behind');
  const again = JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as { parts: { clock: unknown } };
  assert.deepEqual(again.parts.clock, { offsetMs: 60_000 });
});

it('a corrupt, foreign, newer or invalid file: a warning that quotes nothing, the file set aside, a fresh start', (t) => {
  const secret = generateToken();
  const session = {
    id: '4000000001',
    clientId: DEMO.clientId,
    extensionId: USER1_ID,
    scope: [],
    endpointId: 'e',
    createdAt: 1,
    current: { accessToken: secret, refreshToken: secret, issuedAt: 1, accessExpiresAt: 2, refreshExpiresAt: 3 },
    revoked: false,
  };
  const snapshot = (parts: unknown, version = 1) =>
    JSON.stringify({ format: SNAPSHOT_FORMAT, version, savedAt: new Date().toISOString(), parts });
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', `{"format":"${SNAPSHOT_FORMAT}","version":1,"parts":{"tokens":"${secret}`, /not valid JSON/],
    ['an empty file', '', /not valid JSON/],
    ['another program’s JSON', JSON.stringify({ sessions: [secret] }), /not an rc-authflow emulator state file/],
    ['a JSON array', '[1,2,3]', /not an rc-authflow emulator state file/],
    ['a newer format version', snapshot({}, 2), /newer release \(format version 2, this one reads 1\)/],
    [
      'a malformed token',
      snapshot({
        tokens: { sessions: [{ ...session, current: { ...session.current, accessToken: `${secret}!` } }], codes: [] },
      }),
      /invalid data at parts\.tokens\.sessions\.0\.current\.accessToken/,
    ],
    [
      'a code pointing at a missing session',
      snapshot({
        clock: { offsetMs: 1000 },
        tokens: {
          sessions: [],
          codes: [
            {
              code: secret,
              clientId: 'c',
              redirectUri: 'http://x/cb',
              redirectUriInRequest: true,
              extensionId: 1,
              issuedAt: 1,
              expiresAt: 2,
              used: true,
              session: 0,
            },
          ],
        },
      }),
      /invalid data at parts\.tokens\.codes\.0\.session/,
    ],
    ['a negative clock offset', snapshot({ clock: { offsetMs: -5 } }), /invalid data at parts\.clock\.offsetMs/],
    [
      'a contact of someone who is not a demo user',
      snapshot({ contacts: { nextId: 5, contacts: [{ owner: 42, id: 1, fields: { firstName: 'x' } }] } }),
      /invalid data at parts\.contacts\.contacts\.0/,
    ],
    [
      'a contact with a field the API does not have',
      snapshot({ contacts: { nextId: 5, contacts: [{ owner: USER1_ID, id: 1, fields: { secret } }] } }),
      /invalid data at parts\.contacts\.contacts\.0\.fields/,
    ],
    [
      'an added call with a result the spec does not know',
      snapshot({ clock: { offsetMs: 1000 }, callLog: { calls: [{ seq: 1, record: { result: 'Exploded' } }] } }),
      /invalid data at parts\.callLog\.calls\.0\.record/,
    ],
  ];
  for (const [name, text, reason] of cases) {
    const dataDir = tempDir(t);
    mkdirSync(join(dataDir, 'emulator'), { recursive: true });
    writeFileSync(stateFileOf(dataDir), text);
    const { state, warnings } = stateOver(t, dataDir, { now: Date.now() });
    assert.equal(state.loaded.status, 'unreadable', name);
    assert.equal(warnings.length, 1, name);
    assert.match(warnings[0]!, reason, name);
    assert.match(warnings[0]!, /starting with no logins; it was moved to .*state\.json\.unreadable/, name);
    assert.ok(!warnings[0]!.includes(secret), `${name}: nothing from the file is quoted`);
    assert.equal(state.tokens.activeSessions(), 0, name);
    assert.equal(state.clock.offsetMs(), 0, `${name}: nothing of a bad snapshot is applied`);
    assert.equal(readFileSync(`${stateFileOf(dataDir)}.unreadable`, 'utf8'), text, `${name}: kept for inspection`);
    assert.ok(!existsSync(stateFileOf(dataDir)), name);
  }
});

it('a failed save warns once, keeps the emulator running, and is retried', async (t) => {
  const dataDir = tempDir(t);
  const { state, warnings } = stateOver(t, dataDir, { now: Date.now() });
  const dir = join(dataDir, 'emulator');
  rmSync(dir, { recursive: true });
  writeFileSync(dir, 'a file where the directory should be');
  state.clock.advance(1);
  await state.flush();
  state.clock.advance(1);
  await state.flush();
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /could not save the emulator's state to .*state\.json \(ENOTDIR\)/);
  rmSync(dir);
  mkdirSync(dir, { mode: 0o700 });
  await state.flush();
  const saved = JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as { parts: { clock: unknown } };
  assert.deepEqual(saved.parts.clock, { offsetMs: 2_000 }, 'the next save writes everything');
});

it('over HTTP: tokens are saved before they are answered, survive a restart, and POST reset clears them', async (t) => {
  const dataDir = tempDir(t);
  const first = await startEmulator({ port: 0, dataDir });
  t.after(() => first.close());
  let tokens = await loginAndGetTokens(first.url);
  // Saved before the token answer left (not a save delay later): a kill -9 now would not lose this login.
  assert.match(readFileSync(stateFileOf(dataDir), 'utf8'), new RegExp(tokens.refresh_token));
  const refreshed = await postForm(
    `${first.url}/restapi/oauth/token`,
    { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    { authorization: demoBasicAuth() },
  );
  assert.equal(refreshed.status, 200);
  tokens = (await refreshed.json()) as typeof tokens;
  assert.match(readFileSync(stateFileOf(dataDir), 'utf8'), new RegExp(tokens.refresh_token), 'the rotation too');
  await first.close();

  const second = await startEmulator({ port: 0, dataDir });
  t.after(() => second.close());
  const extension = () =>
    fetch(`${second.url}/restapi/v1.0/account/~/extension/~`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
  assert.equal((await extension()).status, 200, 'the rotated access token works after the restart');
  const state = (await (await fetch(`${second.url}/__emulator/state`)).json()) as Record<string, unknown>;
  assert.equal(state.activeSessions, 1);
  assert.equal(state.stateFile, stateFileOf(dataDir));

  const reset = await fetch(`${second.url}/__emulator/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  const saved = JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as { parts: Record<string, unknown> };
  const { contacts, ...rest } = saved.parts;
  assert.deepEqual(
    rest,
    { clock: { offsetMs: 0 }, tokens: { sessions: [], codes: [] }, callLog: { calls: [] } },
    'written before 200',
  );
  assert.deepEqual(contacts, createAddressBook(DEFAULT_SEED).exportState(), 'the contact seed');
  assert.equal((await extension()).status, 401);
});

it('over HTTP: contacts and added calls are saved before they are answered and survive a restart; reset restores the seed', async (t) => {
  const dataDir = tempDir(t);
  const first = await startEmulator({ port: 0, dataDir, limits: { Heavy: { limit: 1000 } } });
  t.after(() => first.close());
  const tokens = await loginAndGetTokens(first.url);
  const call = (url: string, path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
    });
  const book = '/restapi/v1.0/account/~/extension/~/address-book/contact';
  const created = (await (
    await call(first.url, book, {
      method: 'POST',
      body: JSON.stringify({ firstName: 'Persisted', lastName: 'Person' }),
    })
  ).json()) as { id: number };
  // Written before the answer left (not a save delay later): a kill -9 now would not lose the contact.
  assert.match(readFileSync(stateFileOf(dataDir), 'utf8'), /"firstName":"Persisted"/);
  const [kept, removed] = first.state.contacts.list(DEMO.admin.extensionId);
  assert.ok(kept !== undefined && removed !== undefined);
  const put = await call(first.url, `${book}/${kept.id}`, {
    method: 'PUT',
    body: JSON.stringify({ lastName: 'Changed' }),
  });
  assert.equal(put.status, 200);
  assert.equal((await call(first.url, `${book}/${removed.id}`, { method: 'DELETE' })).status, 204);
  const sync = (url: string, query: string) =>
    call(url, `/restapi/v1.0/account/~/extension/~/call-log-sync?${query}`).then(
      async (r) =>
        [r.status, await r.json()] as [number, { syncInfo: { syncToken: string }; records: { id: string }[] }],
    );
  const [, before] = await sync(first.url, 'syncType=FSync&recordCount=1');
  const added = (await (
    await fetch(`${first.url}/__emulator/call-log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensionNumber: '101', record: { result: 'Missed' } }),
    })
  ).json()) as { record: { id: string } };
  assert.match(readFileSync(stateFileOf(dataDir), 'utf8'), new RegExp(`"id":"${added.record.id}"`));
  const list = async (url: string) =>
    ((await (await call(url, `${book}?perPage=1000`)).json()) as { records: Record<string, unknown>[] }).records.map(
      ({ uri: _uri, ...contact }) => contact,
    );
  const contactsBefore = await list(first.url);
  await first.close();

  const second = await startEmulator({ port: 0, dataDir, limits: { Heavy: { limit: 1000 } } });
  t.after(() => second.close());
  assert.equal(second.state.loaded.status, 'loaded');
  assert.deepEqual(await list(second.url), contactsBefore, 'the same address book after the restart');
  assert.ok(contactsBefore.some((c) => c.id === created.id && c.firstName === 'Persisted'));
  assert.ok(contactsBefore.some((c) => c.id === kept.id && c.lastName === 'Changed' && c.firstName === undefined));
  assert.ok(!contactsBefore.some((c) => c.id === removed.id));
  const next = (await (
    await call(second.url, book, { method: 'POST', body: JSON.stringify({ firstName: 'After' }) })
  ).json()) as { id: number };
  assert.ok(next.id > created.id, 'contact ids go on where they were');
  const log = (await (await call(second.url, '/restapi/v1.0/account/~/extension/~/call-log')).json()) as {
    records: { id: string; result: string }[];
  };
  assert.deepEqual([log.records[0]?.id, log.records[0]?.result], [added.record.id, 'Missed']);
  // The demo log was generated again at the restart: a sync token from before it has expired.
  const [status, stale] = await sync(second.url, `syncType=ISync&syncToken=${before.syncInfo.syncToken}`);
  assert.equal(status, 400);
  assert.equal((stale as unknown as { errorCode: string }).errorCode, 'CLG-102');

  const reset = await fetch(`${second.url}/__emulator/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  const saved = JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as {
    parts: { contacts: unknown; callLog: unknown };
  };
  assert.deepEqual(saved.parts.contacts, createAddressBook(DEFAULT_SEED).exportState(), 'the seed again');
  assert.deepEqual(saved.parts.callLog, { calls: [] });
});

it('without a data directory nothing is written', async (t) => {
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  assert.equal(emulator.state.stateFile, undefined);
  assert.equal(emulator.state.loaded.status, 'disabled');
  await loginAndGetTokens(emulator.url);
  await emulator.state.flush();
  const state = (await (await fetch(`${emulator.url}/__emulator/state`)).json()) as Record<string, unknown>;
  assert.equal(state.stateFile, null);
});

it('npm run emulator keeps its state in EMULATOR_DATA_DIR across a restart', async (t) => {
  const dataDir = tempDir(t);
  const run = async (): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EMULATOR_PORT: '0', EMULATOR_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 20_000;
    while (!/Press Ctrl\+C/.test(output)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the emulator starts: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /RingCentral emulator listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    return {
      url,
      output: () => output,
      stop: async () => {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0);
      },
    };
  };
  const first = await run();
  assert.match(first.output(), /State: .*state\.json \(fresh\)/);
  const tokens = await loginAndGetTokens(first.url);
  await first.stop();
  const second = await run();
  assert.match(second.output(), /State: .*state\.json \(loaded\)/);
  const res = await fetch(`${second.url}/restapi/v1.0/account/~/extension/~`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(res.status, 200);
  await second.stop();
});
