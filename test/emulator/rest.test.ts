/**
 * The REST endpoints: paging through whole call logs by `navigation` links, filters, the default 24 h window,
 * `~` vs numeric ids, deterministic data, rate-limit headers, 429 + penalty, CORS.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { DEMO } from '../../emulator/index.js';
import { loginAndGetTokens, startTestEmulator, type TestEmulator, type TokenInfo } from '../helpers/emulator.js';

interface Paged {
  uri: string;
  records: Record<string, unknown>[];
  paging: {
    page?: number;
    perPage: number;
    totalPages: number;
    totalElements: number;
    pageStart?: number;
    pageEnd?: number;
  };
  navigation: Record<string, { uri: string } | undefined>;
}

const DAY = 86_400_000;

describe('emulator REST endpoints', () => {
  let emu: TestEmulator;
  let admin: TokenInfo;
  let user1: TokenInfo;

  const get = (path: string, token = admin.access_token, headers: Record<string, string> = {}) =>
    fetch(path.startsWith('http') ? path : `${emu.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  const getJson = async <T = Paged>(path: string, token?: string): Promise<T> => {
    const res = await get(path, token);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as T;
  };

  before(async () => {
    emu = await startTestEmulator();
  });
  after(() => emu.stop());
  beforeEach(async () => {
    await emu.control.reset();
    admin = await loginAndGetTokens(emu.url);
    user1 = await loginAndGetTokens(emu.url, DEMO.user('user1@example.com'));
  });

  it('pages through a user’s whole 30-day call log by following nextPage links', async () => {
    const dateFrom = new Date(Date.now() - 31 * DAY).toISOString();
    let url: string | undefined = `/restapi/v1.0/account/~/extension/~/call-log?dateFrom=${dateFrom}&perPage=100`;
    const ids = new Set<string>();
    let previousStart = Infinity;
    let pages = 0;
    let first: Paged | undefined;
    while (url !== undefined && pages < 20) {
      const page: Paged = await getJson(url);
      first ??= page;
      pages += 1;
      assert.equal(page.paging.page, pages);
      for (const r of page.records) {
        assert.ok(!ids.has(r.id as string), 'each record once');
        ids.add(r.id as string);
        const start = Date.parse(r.startTime as string);
        assert.ok(start <= previousStart, 'newest first');
        previousStart = start;
      }
      url = page.navigation.nextPage?.uri;
      if (url !== undefined) assert.ok(url.startsWith(`${emu.url}/restapi/v1.0/account/${DEMO.accountId}/extension/`));
    }
    assert.ok(first);
    assert.ok(ids.size >= 250, `at least 250 records, got ${ids.size}`);
    assert.equal(ids.size, first.paging.totalElements);
    assert.equal(pages, first.paging.totalPages);
    assert.match(
      first.uri,
      new RegExp(`/extension/${DEMO.admin.extensionId}/call-log\\?view=Simple&showBlocked=true&dateFrom=`),
    );
    assert.equal(first.navigation.previousPage, undefined);
    assert.ok(first.navigation.lastPage?.uri.includes(`page=${first.paging.totalPages}&perPage=100`));
  });

  it('defaults to the last 24 hours, which has some calls, and moves with the emulator clock', async () => {
    const now = Date.now();
    const page: Paged = await getJson('/restapi/v1.0/account/~/extension/~/call-log');
    assert.ok(page.records.length >= 5, `≥ 5 calls in the last 24 h, got ${page.records.length}`);
    for (const r of page.records) {
      const t = Date.parse(r.startTime as string);
      assert.ok(t >= now - DAY - 5_000 && t <= now + 5_000, r.startTime as string);
    }
    assert.equal(page.paging.perPage, 100);
    await emu.control.advanceClock(2 * 86_400);
    const fresh = await loginAndGetTokens(emu.url);
    const later: Paged = await getJson('/restapi/v1.0/account/~/extension/~/call-log', fresh.access_token);
    assert.equal(later.records.length, 0);
    assert.equal(later.paging.totalElements, 0);
    assert.equal(later.paging.page, undefined, 'page fields are omitted for an empty page');
  });

  it('filters by direction and type (repeated keys), date range, and renders the Detailed view', async () => {
    const from = `dateFrom=${new Date(Date.now() - 31 * DAY).toISOString()}&perPage=1000`;
    const all: Paged = await getJson(`/restapi/v1.0/account/~/extension/~/call-log?${from}`);
    const inbound: Paged = await getJson(`/restapi/v1.0/account/~/extension/~/call-log?${from}&direction=Inbound`);
    const both: Paged = await getJson(
      `/restapi/v1.0/account/~/extension/~/call-log?${from}&direction=Inbound&direction=Outbound`,
    );
    assert.ok(inbound.records.length > 0 && inbound.records.every((r) => r.direction === 'Inbound'));
    assert.equal(both.records.length, all.records.length);
    assert.match(both.uri, /direction=Inbound&direction=Outbound/);
    const fax: Paged = await getJson(`/restapi/v1.0/account/~/extension/~/call-log?${from}&type=Fax`);
    assert.ok(fax.records.length > 0 && fax.records.every((r) => r.type === 'Fax'));
    const kinds = new Set(all.records.map((r) => r.result));
    for (const result of ['Accepted', 'Call connected', 'Missed', 'Voicemail']) assert.ok(kinds.has(result), result);
    assert.ok(all.records.some((r) => (r.from as { extensionNumber?: string }).extensionNumber !== undefined));
    assert.ok(all.records.some((r) => /^\+1\d{10}$/.test((r.from as { phoneNumber?: string }).phoneNumber ?? '')));

    const mid = Date.parse(all.records[50]!.startTime as string);
    const window: Paged = await getJson(
      `/restapi/v1.0/account/~/extension/~/call-log?dateFrom=${new Date(mid - DAY).toISOString()}&dateTo=${new Date(mid).toISOString()}&perPage=1000`,
    );
    assert.ok(window.records.length > 0);
    assert.ok(window.records.every((r) => Date.parse(r.startTime as string) <= mid));

    const simple = all.records[0]!;
    assert.equal(simple.legs, undefined);
    const detailed: Paged = await getJson('/restapi/v1.0/account/~/extension/~/call-log?view=Detailed&perPage=3');
    const d = detailed.records[0]!;
    assert.ok(Array.isArray(d.legs) && (d.legs as unknown[]).length >= 1);
    for (const key of ['transport', 'lastModifiedTime', 'billing']) assert.ok(key in d, key);
    assert.match(d.uri as string, /\?view=Detailed$/);
  });

  it('serves ~ and numeric ids alike, with numeric ids in every uri; foreign ids are 404 CMN-102', async () => {
    const byTilde = await getJson<Record<string, unknown>>('/restapi/v1.0/account/~/extension/~');
    const byId = await getJson<Record<string, unknown>>(
      `/restapi/v1.0/account/${DEMO.accountId}/extension/${DEMO.admin.extensionId}`,
    );
    assert.deepEqual(byTilde, byId);
    assert.equal(byTilde.id, DEMO.admin.extensionId);
    assert.equal(byTilde.uri, `${emu.url}/restapi/v1.0/account/${DEMO.accountId}/extension/${DEMO.admin.extensionId}`);
    assert.ok(Array.isArray(byTilde.serviceFeatures), 'own extension has serviceFeatures');
    const other = await getJson<Record<string, unknown>>(
      `/restapi/v1.0/account/~/extension/${DEMO.user('user1@example.com').extensionId}`,
    );
    assert.equal(other.serviceFeatures, undefined);
    for (const path of [
      '/restapi/v1.0/account/123456/extension',
      '/restapi/v1.0/account/~/extension/999',
      '/restapi/v1.0/account/~/extension/abc',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { errorCode: string };
      assert.equal(body.errorCode, 'CMN-102');
    }
  });

  it('lists the account’s extensions with paging and filters', async () => {
    const list: Paged = await getJson('/restapi/v1.0/account/~/extension?');
    assert.equal(list.uri, `${emu.url}/restapi/v1.0/account/${DEMO.accountId}/extension?page=1&perPage=100`);
    const users = list.records.filter((r) => r.type === 'User');
    assert.equal(users.length, 10);
    assert.ok(list.records.some((r) => r.type === 'Department') && list.records.some((r) => r.type === 'IvrMenu'));
    assert.deepEqual(
      users.map((u) => (u.contact as { email: string }).email),
      [DEMO.admin.username, ...Array.from({ length: 9 }, (_, i) => `user${i + 1}@example.com`)],
    );
    const onlyUsers: Paged = await getJson('/restapi/v1.0/account/~/extension?type=User&status=Enabled');
    assert.equal(onlyUsers.records.length, 10);
    const disabled: Paged = await getJson('/restapi/v1.0/account/~/extension?status=Disabled');
    assert.ok(disabled.records.length >= 1 && disabled.records.every((r) => r.status === 'Disabled'));
    const page2: Paged = await getJson('/restapi/v1.0/account/~/extension?perPage=5&page=2');
    assert.deepEqual(page2.paging, {
      page: 2,
      totalPages: Math.ceil(list.records.length / 5),
      perPage: 5,
      totalElements: list.records.length,
      pageStart: 5,
      pageEnd: 9,
    });
    assert.ok(page2.navigation.previousPage?.uri.endsWith('page=1&perPage=5'));
    assert.ok(page2.navigation.nextPage?.uri.endsWith('page=3&perPage=5'));
    const byNumber: Paged = await getJson('/restapi/v1.0/account/~/extension?extensionNumber=105');
    assert.equal(byNumber.records.length, 1);
    const byEmail: Paged = await getJson('/restapi/v1.0/account/~/extension?email=USER9@example.com');
    assert.equal(byEmail.records[0]?.extensionNumber, '110');
  });

  it('the account call log holds every user’s records once each, newest first', async () => {
    await emu.control.limits({ group: 'Heavy', limit: 100 });
    const from = `dateFrom=${new Date(Date.now() - 31 * DAY).toISOString()}`;
    const page1: Paged = await getJson(`/restapi/v1.0/account/~/call-log?${from}&perPage=max`);
    assert.equal(page1.paging.perPage, 1000);
    let sum = 0;
    for (const u of DEMO.users) {
      const body: Paged = await getJson(
        `/restapi/v1.0/account/~/extension/${u.extensionId}/call-log?${from}&perPage=1`,
      );
      sum += body.paging.totalElements;
    }
    assert.equal(page1.paging.totalElements, sum);
    const first = page1.records[0]!;
    assert.ok((first.extension as { id: number }).id > 0);
    assert.match(first.uri as string, new RegExp(`/account/${DEMO.accountId}/call-log/`));
  });

  it('perPage and page are validated (CMN-101), perPage above 1000 is cut to 1000', async () => {
    for (const q of [
      'view=Full',
      'perPage=0',
      'perPage=abc',
      'page=0',
      'page=x',
      'dateFrom=yesterday',
      'direction=Sideways',
      'view=Simple&view=Detailed',
    ]) {
      const res = await get(`/restapi/v1.0/account/~/extension/~/call-log?${q}`);
      assert.equal(res.status, 400, q);
      const body = (await res.json()) as { errorCode: string; message: string };
      assert.equal(body.errorCode, 'CMN-101', q);
      assert.match(body.message, /^Parameter \[\w+\] value is invalid\.$/);
    }
    const big: Paged = await getJson('/restapi/v1.0/account/~/extension/~/call-log?perPage=5000');
    assert.equal(big.paging.perPage, 1000);
  });

  it('the same seed and clock give the same data; another seed gives other data', async (t) => {
    const fixed = Date.UTC(2025, 4, 1, 12);
    const a = await startTestEmulator(t, { now: () => fixed });
    const b = await startTestEmulator(t, { now: () => fixed });
    const c = await startTestEmulator(t, { now: () => fixed, seed: 42 });
    const read = async (e: TestEmulator) => {
      const tokens = await loginAndGetTokens(e.url);
      const res = await fetch(`${e.url}/restapi/v1.0/account/~/call-log?dateFrom=2025-04-01T00:00:00Z&perPage=1000`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(res.status, 200);
      // Links carry each emulator's own base URL; the data itself must match.
      return (await res.text()).replaceAll(e.url, 'http://emulator');
    };
    const [ra, rb, rc] = [await read(a), await read(b), await read(c)];
    assert.equal(ra, rb);
    assert.notEqual(ra, rc);
  });

  it('sends X-Rate-Limit-* headers per group, counting down per user', async () => {
    const r1 = await get('/restapi/v1.0/account/~/extension');
    assert.equal(r1.headers.get('x-rate-limit-group'), 'Medium');
    assert.equal(r1.headers.get('x-rate-limit-limit'), '40');
    assert.equal(r1.headers.get('x-rate-limit-window'), '60');
    const remaining = Number(r1.headers.get('x-rate-limit-remaining'));
    const r2 = await get('/restapi/v1.0/account/~/extension');
    assert.equal(Number(r2.headers.get('x-rate-limit-remaining')), remaining - 1);
    assert.equal((await get('/restapi/v1.0/account/~/extension/~')).headers.get('x-rate-limit-group'), 'Light');
    assert.equal((await get('/restapi/v1.0/account/~/call-log')).headers.get('x-rate-limit-group'), 'Heavy');
    assert.equal(
      (await get('/restapi/v1.0/account/~/extension', user1.access_token)).headers.get('x-rate-limit-remaining'),
      '39',
    );
    assert.equal(r1.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.match(r1.headers.get('rcrequestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('answers 429 CMN-301 with Retry-After past the limit; each request in the penalty restarts it', async () => {
    await emu.control.limits({ group: 'Heavy', limit: 2, penaltySeconds: 30 });
    const path = '/restapi/v1.0/account/~/extension/~/call-log';
    assert.equal((await get(path)).status, 200);
    const second = await get(path);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-rate-limit-remaining'), '0');
    const limited = await get(path);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '30');
    assert.equal(limited.headers.get('x-rate-limit-group'), 'Heavy');
    assert.deepEqual(await limited.json(), {
      errorCode: 'CMN-301',
      message: 'Request rate exceeded',
      errors: [{ errorCode: 'CMN-301', message: 'Request rate exceeded' }],
    });
    // Other groups and other users are not affected.
    assert.equal((await get('/restapi/v1.0/account/~/extension/~')).status, 200);
    assert.equal((await get(path, user1.access_token)).status, 200);
    await emu.control.advanceClock(20);
    assert.equal((await get(path)).status, 429, 'still in the penalty');
    await emu.control.advanceClock(25);
    assert.equal((await get(path)).status, 429, 'the request at +20 s restarted the penalty');
    await emu.control.advanceClock(61);
    assert.equal((await get(path)).status, 200);
    const stats = await emu.control.stats();
    assert.equal(stats.rateLimited, 3);
    assert.equal(stats['rateLimited.Heavy'], 3);
  });

  it('answers CORS preflights and exposes Retry-After and the rate-limit headers', async () => {
    const origin = 'http://localhost:3000';
    const pre = await fetch(`${emu.url}/restapi/v1.0/account/~/extension`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,client-id',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(
      pre.headers.get('access-control-allow-headers') ?? '',
      /Authorization, Content-Type, X-User-Agent, Client-Id/,
    );
    const res = await get('/restapi/v1.0/account/~/extension', admin.access_token, { origin });
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /X-Rate-Limit-Remaining/);
    const noOrigin = await get('/restapi/v1.0/account/~/extension');
    assert.equal(noOrigin.headers.get('access-control-allow-origin'), null);
  });

  it('accepts the bearer scheme in any case and the access_token query parameter', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, {
        headers: { authorization: `${scheme} ${admin.access_token}` },
      });
      assert.equal(res.status, 200, scheme);
    }
    const res = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~?access_token=${admin.access_token}`);
    assert.equal(res.status, 200);
  });
});
