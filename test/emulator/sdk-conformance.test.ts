/**
 * The official `@ringcentral/sdk`, unchanged, pointed at the emulator: the full login → REST → refresh → 429 →
 * logout cycle with the confidential app (Basic auth) and with the public app (PKCE S256, `client_id` in the body).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { SDK } from '@ringcentral/sdk';

import { DEMO } from '../../emulator/index.js';
import { loginThroughForm, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const ENDPOINTS = [
  '/restapi/v1.0/account/~/extension',
  '/restapi/v1.0/account/~/extension/~',
  '/restapi/v1.0/account/~/extension/~/call-log',
  '/restapi/v1.0/account/~/call-log',
] as const;

interface ApiErrorLike extends Error {
  response?: { status: number; headers: { get(name: string): string | null } };
  retryAfter?: number;
}

async function status(emu: TestEmulator, token: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { errors?: { errorCode: string }[] };
  return { status: res.status, ...(body.errors?.[0] ? { code: body.errors[0].errorCode } : {}) };
}

describe('@ringcentral/sdk against the emulator', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(() => emu.stop());

  it('confidential app: loginUrl → sign-in form → login(code) → four endpoints → refresh → 429 → logout', async () => {
    const sdk = new SDK({
      server: emu.url,
      clientId: DEMO.clientId,
      clientSecret: DEMO.clientSecret,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-confidential-',
    });
    const platform = sdk.platform();
    const loginUrl = platform.loginUrl({ state: 'quick-start-state' });
    // The SDK writes unset options as empty parameters; the emulator must treat them as absent.
    assert.match(loginUrl, /brand_id=&display=&prompt=&ui_options=&ui_locales=&localeId=/);

    const callback = new URL(await loginThroughForm(loginUrl, DEMO.admin));
    assert.equal(callback.origin + callback.pathname, DEMO.redirectUri);
    assert.equal(callback.searchParams.get('state'), 'quick-start-state');
    assert.equal(callback.searchParams.get('expires_in'), '60');
    const code = callback.searchParams.get('code');
    assert.ok(code);

    const loginResponse = await platform.login({ code });
    const tokens = (await loginResponse.json()) as Record<string, unknown>;
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.owner_id, String(DEMO.admin.extensionId));
    assert.equal(tokens.scope, 'ReadAccounts ReadCallLog ReadContacts Contacts ReadPresence');
    assert.equal(await platform.loggedIn(), true);

    for (const endpoint of ENDPOINTS) {
      // `{}` params make the SDK send a bare trailing `?`, exactly like the quick start.
      const res = await platform.get(endpoint, {});
      assert.equal(res.status, 200, endpoint);
      const body = (await res.json()) as { records?: unknown[]; id?: number };
      assert.ok(Array.isArray(body.records) || body.id === DEMO.admin.extensionId, endpoint);
    }

    const before = await emu.control.stats();
    const oldAccess = (await platform.auth().data()).access_token as string;
    await platform.refresh();
    const afterRefresh = await emu.control.stats();
    assert.equal(afterRefresh['token.refresh_token']! - before['token.refresh_token']!, 1);
    const newAccess = (await platform.auth().data()).access_token as string;
    assert.notEqual(newAccess, oldAccess);
    assert.deepEqual(await status(emu, oldAccess), { status: 401, code: 'OAU-129' });
    assert.equal((await platform.get('/restapi/v1.0/account/~/extension/~')).status, 200);

    // The emulator's access token expires on the emulator clock; the SDK still thinks it is valid, gets 401
    // OAU-128, refreshes once by itself and retries.
    await emu.control.advanceClock(3601);
    const res = await platform.get('/restapi/v1.0/account/~/extension/~');
    assert.equal(res.status, 200);
    assert.equal((await emu.control.stats())['token.refresh_token']! - before['token.refresh_token']!, 2);

    await emu.control.limits({ group: 'Light', limit: 1 });
    assert.equal((await platform.get('/restapi/v1.0/account/~/extension/~')).status, 200);
    let rateLimitEvent: ApiErrorLike | undefined;
    platform.on(platform.events.rateLimitError, (e: ApiErrorLike) => {
      rateLimitEvent = e;
    });
    const limited = await platform.get('/restapi/v1.0/account/~/extension/~').then(
      () => undefined,
      (e: unknown) => e as ApiErrorLike,
    );
    assert.ok(limited, 'expected a 429 ApiError');
    assert.equal(limited.response?.status, 429);
    assert.equal(limited.message, 'Request rate exceeded');
    assert.equal(limited.response?.headers.get('retry-after'), '60');
    assert.equal(rateLimitEvent?.retryAfter, 60_000);

    const accessBeforeLogout = (await platform.auth().data()).access_token as string;
    const revokesBefore = (await emu.control.stats()).revoke!;
    await platform.logout();
    assert.equal((await emu.control.stats()).revoke! - revokesBefore, 1);
    assert.deepEqual(await status(emu, accessBeforeLogout), { status: 401, code: 'OAU-213' });
    assert.equal(await platform.loggedIn(), false);
  });

  it('the SDK’s JSON bodies and calls work on the address book, presence, account info and Call Log Sync', async () => {
    // Fresh limits (the test above exhausted the Light group on purpose).
    for (const group of ['Light', 'Heavy'] as const) await emu.control.limits({ group, limit: 100 });
    const sdk = new SDK({
      server: emu.url,
      clientId: DEMO.clientId,
      clientSecret: DEMO.clientSecret,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-contacts-',
    });
    const platform = sdk.platform();
    const callback = new URL(await loginThroughForm(platform.loginUrl({ state: 's' }), DEMO.user('user3@example.com')));
    await platform.login({ code: callback.searchParams.get('code') ?? '' });
    const book = '/restapi/v1.0/account/~/extension/~/address-book/contact';
    const created = (await (await platform.post(book, { firstName: 'From', lastName: 'SDK' })).json()) as {
      id: number;
      firstName: string;
    };
    assert.equal(created.firstName, 'From');
    const updated = (await (await platform.put(`${book}/${created.id}`, { firstName: 'Via' })).json()) as {
      firstName: string;
      lastName?: string;
    };
    assert.deepEqual([updated.firstName, updated.lastName], ['Via', undefined]);
    const list = (await (await platform.get(book, { startsWith: 'via' })).json()) as { records: { id: number }[] };
    assert.deepEqual(
      list.records.map((c) => c.id),
      [created.id],
    );
    assert.equal((await platform.delete(`${book}/${created.id}`)).status, 204);
    const invalid = await platform.post(book, { email: 'x' }).then(
      () => undefined,
      (e: unknown) => e as ApiErrorLike,
    );
    assert.equal(invalid?.response?.status, 400);
    assert.equal(invalid?.message, 'Parameter [email] value is invalid.');
    const presence = (await (await platform.get('/restapi/v1.0/account/~/extension/~/presence')).json()) as {
      presenceStatus: string;
    };
    assert.equal(presence.presenceStatus, 'Offline');
    assert.equal((await platform.get('/restapi/v1.0/account/~')).status, 200);
    const sync = (await (
      await platform.get('/restapi/v1.0/account/~/extension/~/call-log-sync', { syncType: 'FSync', recordCount: 2 })
    ).json()) as { records: unknown[]; syncInfo: { syncToken: string } };
    assert.equal(sync.records.length, 2);
    const next = (await (
      await platform.get('/restapi/v1.0/account/~/extension/~/call-log-sync', {
        syncType: 'ISync',
        syncToken: sync.syncInfo.syncToken,
      })
    ).json()) as { records: unknown[] };
    assert.deepEqual(next.records, []);
    await platform.logout();
  });

  it('public app: PKCE S256 with the verifier kept by the SDK, client_id in the body, refresh and logout', async () => {
    const sdk = new SDK({
      server: emu.url,
      clientId: DEMO.publicClientId,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-public-',
    });
    const platform = sdk.platform();
    const loginUrl = platform.loginUrl({ usePKCE: true, state: 's1' });
    assert.match(loginUrl, /code_challenge_method=S256/);
    const user = DEMO.user('user2@example.com');
    const code = new URL(await loginThroughForm(loginUrl, user)).searchParams.get('code');
    assert.ok(code);
    const tokens = (await (await platform.login({ code })).json()) as Record<string, unknown>;
    assert.equal(tokens.owner_id, String(user.extensionId));

    assert.equal(
      (await platform.get('/restapi/v1.0/account/~/extension/~/call-log', { view: 'Detailed' })).status,
      200,
    );
    const denied = await platform.get('/restapi/v1.0/account/~/call-log').then(
      () => undefined,
      (e: unknown) => e as ApiErrorLike,
    );
    assert.equal(denied?.response?.status, 403);
    assert.match(denied?.message ?? '', /FullCompanyCallLog/);

    await platform.refresh();
    assert.equal((await platform.get('/restapi/v1.0/account/~/extension/~')).status, 200);
    const access = (await platform.auth().data()).access_token as string;
    await platform.logout();
    assert.deepEqual(await status(emu, access), { status: 401, code: 'OAU-213' });
  });

  it('public app: the verifier saved from one Platform and passed to login() on another (SDK README pattern)', async () => {
    const first = new SDK({
      server: emu.url,
      clientId: DEMO.publicClientId,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-pkce-a-',
    }).platform();
    const loginUrl = first.loginUrl({ usePKCE: true });
    const verifier = first.codeVerifier;
    const code = new URL(await loginThroughForm(loginUrl, DEMO.user('user3@example.com'))).searchParams.get('code');
    assert.ok(code);
    const second = new SDK({
      server: emu.url,
      clientId: DEMO.publicClientId,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-pkce-b-',
    }).platform();
    await second.login({ code, code_verifier: verifier });
    assert.equal((await second.get('/restapi/v1.0/account/~/extension')).status, 200);
  });

  it('a failed code exchange surfaces RingCentral’s error_description through the SDK', async () => {
    const platform = new SDK({
      server: emu.url,
      clientId: DEMO.clientId,
      clientSecret: DEMO.clientSecret,
      redirectUri: DEMO.redirectUri,
      cachePrefix: 'conformance-bad-code-',
    }).platform();
    const error = await platform.login({ code: 'x'.repeat(48) }).then(
      () => undefined,
      (e: unknown) => e as ApiErrorLike,
    );
    assert.equal(error?.response?.status, 400);
    assert.equal(error?.message, 'Invalid authorization code');
  });
});
