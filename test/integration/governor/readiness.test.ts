/**
 * The production-readiness report after a scripted session equals what the emulator itself counted: calls per
 * endpoint (`rest.<operationId>`), 429s, token requests, refreshes and revocations, plus the 403s the script caused
 * and the permissions granted and used. Once on two instances sharing Redis (the report of either adds up both;
 * on one server and on Redis Cluster), once in a single process. And `GET /admin/readiness` itself: off without
 * `ADMIN_TOKEN`, the token required (Bearer for scripts, Basic for a browser's prompt), JSON and a page.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ReadinessReport } from '../../../src/readiness/readiness-report.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { HttpClient } from '../../helpers/http-client.js';
import {
  SUITE_TOPOLOGIES,
  topologiesForFile,
  topologySkip,
  topologyTitle,
  uniquePrefix,
  type TestRedis,
} from '../../helpers/redis-topology.js';
import { ADMIN, USER1 } from '../support/fixtures.js';
import { sameBrowserOn, startGovernedApp, type GovernedApp } from './support.js';

const ADMIN_TOKEN = 'admin-token-0123456789-abcdefghijklmnop';
const JSON_ACCEPT = { accept: 'application/json' };
const BEARER = { ...JSON_ACCEPT, authorization: `Bearer ${ADMIN_TOKEN}` };

async function readiness(url: string): Promise<ReadinessReport> {
  const response = await new HttpClient(url).get('/admin/readiness', BEARER);
  assert.equal(response.status, 200, response.text.slice(0, 200));
  return response.json<ReadinessReport>();
}

/** A session over the instances: logins, every endpoint, 403s, a 401 + refresh, a 429, a logout. */
async function runScript(emulator: TestEmulator, instances: readonly GovernedApp[]): Promise<void> {
  const [a, b] = [instances[0]!, instances[instances.length - 1]!];
  const user = new HttpClient(a.url);
  await user.loginAs(USER1.username, USER1.password);
  const userOnB = sameBrowserOn(b.url, user, (url) => new HttpClient(url));
  for (let i = 0; i < 6; i++) {
    const browser = i % 2 === 0 ? user : userOnB;
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  }
  for (let i = 0; i < 5; i++) {
    assert.equal((await userOnB.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
  }
  // user1 lacks FullCompanyCallLog: two 403s.
  for (let i = 0; i < 2; i++) assert.equal((await user.get('/test?api=account-call-log', JSON_ACCEPT)).status, 403);
  const admin = new HttpClient(b.url);
  await admin.loginAs(ADMIN.username, ADMIN.password);
  for (let i = 0; i < 5; i++) assert.equal((await admin.get('/test?api=account-call-log', JSON_ACCEPT)).status, 200);
  // The access tokens expire at RingCentral: a 401, one refresh, the retry succeeds.
  await emulator.control.advanceClock(3600 + 60);
  assert.equal((await user.get('/test?api=extension', JSON_ACCEPT)).status, 200);
  // RingCentral answers one call with 429 (as if another client spent the budget); JSON passes it on.
  await emulator.control.fault({ route: 'rest', status: 429, count: 1 });
  assert.equal((await userOnB.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 429);
  assert.equal((await user.page('/logout', { 'sec-fetch-site': 'same-origin' })).status, 302);
}

async function checkAgainstEmulator(emulator: TestEmulator, report: ReadinessReport): Promise<void> {
  const stats = await emulator.control.stats();
  const endpoint = (id: string) => report.endpoints.find((e) => e.operationId === id);
  for (const id of ['listExtensions', 'readExtension', 'readUserCallLog', 'readCompanyCallLog']) {
    assert.equal(endpoint(id)?.calls, stats[`rest.${id}`], `${id}: calls as the emulator counted them`);
    assert.equal(endpoint(id)?.noAnswer, 0);
  }
  assert.equal(report.totals.calls, stats.rest);
  assert.equal(report.totals.rateLimited, stats.rateLimited! + stats['faults.rest']!, 'every 429 RingCentral sent');
  assert.equal(report.oauth.tokenCalls, stats.token);
  assert.equal(report.oauth.refreshes, stats['token.refresh_token']);
  assert.equal(report.oauth.revocations, stats.revoke);
  // What the script did, as the report shows it.
  assert.deepEqual(
    report.endpoints.map((e) => [e.operationId, e.success, e.clientErrors, e.rateLimited]),
    [
      ['listExtensions', 7, 1, 0],
      ['readCompanyCallLog', 5, 2, 0],
      ['readExtension', 2, 0, 0],
      ['readUserCallLog', 5, 0, 1],
    ],
  );
  assert.equal(stats['rest.unauthorized'], 1, 'the one 401 (expired token) is the listExtensions 4xx');
  assert.deepEqual(report.oauth, {
    tokenCalls: 3,
    tokenRateLimited: 0,
    refreshes: 1,
    refreshFailures: 0,
    revocations: 1,
  });
  // The demo apps also hold the permissions of the address book and presence, which no page uses yet.
  assert.deepEqual(report.permissions, {
    requested: ['Contacts', 'ReadAccounts', 'ReadCallLog', 'ReadContacts', 'ReadPresence'],
    used: ['ReadAccounts', 'ReadCallLog'],
    unused: ['Contacts', 'ReadContacts', 'ReadPresence'],
  });
  const met = Object.fromEntries(report.criteria.map((c) => [c.id, c.ok]));
  assert.deepEqual(met, {
    'success-per-endpoint': false,
    'success-total': false,
    'permissions-used': false,
    'client-error-share': false,
    'no-429': false,
    'token-use': true,
  });
  assert.equal(report.ready, false);
}

async function startApps(t: TestContext, count: number, redis?: TestRedis) {
  const emulator = await startTestEmulator(t);
  const instances: GovernedApp[] = [];
  const keyPrefix = uniquePrefix('ready:');
  for (let i = 0; i < count; i++) {
    instances.push(
      await startGovernedApp(t, {
        emulator,
        ...(redis === undefined ? {} : { redis: { url: redis, keyPrefix } }),
        env: { ADMIN_TOKEN },
      }),
    );
  }
  return { emulator, instances };
}

const redisFor = topologiesForFile();

describe('readiness report after a scripted session', () => {
  for (const topology of SUITE_TOPOLOGIES) {
    it(
      topologyTitle('two instances on Redis: either one reports the figures the emulator counted', topology),
      { skip: topologySkip(topology) },
      async (t) => {
        const redis = await redisFor(t, topology);
        const { emulator, instances } = await startApps(t, 2, redis);
        await runScript(emulator, instances);
        const [first, second] = await Promise.all(instances.map((i) => readiness(i.url)));
        await checkAgainstEmulator(emulator, first!);
        assert.deepEqual(
          { ...second, generatedAt: '' },
          { ...first, generatedAt: '' },
          'one report, whichever instance',
        );
      },
    );
  }

  it('one instance, counters in the process', async (t) => {
    const { emulator, instances } = await startApps(t, 1);
    await runScript(emulator, instances);
    await checkAgainstEmulator(emulator, await readiness(instances[0]!.url));
  });
});

describe('GET /admin/readiness', () => {
  it('does not exist without ADMIN_TOKEN', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator });
    const response = await new HttpClient(app.url).get('/admin/readiness', BEARER);
    assert.equal(response.status, 404);
    assert.equal(response.json<{ code: string }>().code, 'RCAPP_NOT_FOUND');
  });

  it('needs the token: Bearer for scripts, Basic (any user, token as password) for a browser', async (t) => {
    const { instances } = await startApps(t, 1);
    const client = new HttpClient(instances[0]!.url);
    const json = await client.get('/admin/readiness', JSON_ACCEPT);
    assert.equal(json.status, 401);
    assert.equal(json.json<{ code: string }>().code, 'RCAPP_ADMIN_UNAUTHORIZED');
    assert.equal(json.headers.get('www-authenticate'), 'Bearer realm="rc-authflow admin"');
    const page = await client.page('/admin/readiness');
    assert.equal(page.status, 401);
    assert.equal(page.headers.get('www-authenticate'), 'Basic realm="rc-authflow admin", charset="UTF-8"');
    assert.match(page.text, /RCAPP_ADMIN_UNAUTHORIZED/);
    for (const authorization of [
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(1)}`,
      `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}x`).toString('base64')}`,
      `Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}`,
      ADMIN_TOKEN,
    ]) {
      assert.equal((await client.get('/admin/readiness', { ...JSON_ACCEPT, authorization })).status, 401);
    }
    assert.equal((await client.get('/admin/readiness', BEARER)).status, 200);
    const basic = `Basic ${Buffer.from(`anyone:${ADMIN_TOKEN}`).toString('base64')}`;
    const html = await client.page('/admin/readiness', { authorization: basic });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.text, /<h1>Production readiness<\/h1>/);
    assert.match(html.text, /data-testid="verdict">Not ready yet</);
    assert.match(html.text, /No RingCentral API call was made in this period/);
    assert.equal(html.headers.get('cache-control'), 'no-store');
    const bad = await client.get('/admin/readiness?format=xml', BEARER);
    assert.equal(bad.status, 400);
    assert.doesNotMatch(instances[0]!.logLines.join('\n'), new RegExp(ADMIN_TOKEN), 'the token is never logged');
  });
});
