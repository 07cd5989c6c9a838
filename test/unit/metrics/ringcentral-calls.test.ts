/* eslint-disable @typescript-eslint/require-await -- the RingCentral stubs are async like the real calls */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { measureOAuthFetch } from '../../../src/metrics/measured-fetch.js';
import { measureRestClient } from '../../../src/metrics/measured-rest-client.js';
import { createRingCentralCallRecorder, rateLimitGroupOf } from '../../../src/metrics/ringcentral-calls.js';
import { CURRENT_EXTENSION_PATH, ENDPOINTS } from '../../../src/ringcentral/endpoints.js';
import type { RestClient, RestResponse } from '../../../src/ringcentral/rest-client.js';
import { UpstreamError } from '../../../src/errors.js';
import { parseMetrics, sumOf } from '../../integration/scale-out/support/metrics-text.js';

describe('rate-limit group of a call', () => {
  test("RingCentral's X-Rate-Limit-Group wins when it names a known group", () => {
    assert.equal(rateLimitGroupOf(ENDPOINTS.extension.path, 'Heavy'), 'Heavy');
    assert.equal(rateLimitGroupOf('/restapi/v1.0/other', 'Light'), 'Light');
  });

  test('without the header, the endpoint table decides', () => {
    assert.equal(rateLimitGroupOf(ENDPOINTS.extension.path, undefined), 'Medium');
    assert.equal(rateLimitGroupOf(ENDPOINTS['extension-call-log'].path, undefined), 'Heavy');
    assert.equal(rateLimitGroupOf(ENDPOINTS['account-call-log'].path, undefined), 'Heavy');
    assert.equal(rateLimitGroupOf(CURRENT_EXTENSION_PATH, undefined), 'Light');
  });

  test('an unknown header value never becomes a label value', () => {
    assert.equal(rateLimitGroupOf(ENDPOINTS.extension.path, 'Enormous'), 'Medium');
    assert.equal(rateLimitGroupOf('/restapi/v1.0/other', 'x"} 1\nfake_metric 9'), 'unknown');
    assert.equal(rateLimitGroupOf('/restapi/v1.0/other', undefined), 'unknown');
  });
});

function restStub(answers: (RestResponse | Error)[]): RestClient & { pings: number; closed: boolean } {
  const queue = [...answers];
  const stub = {
    serverUrl: 'https://platform.ringcentral.com',
    pings: 0,
    closed: false,
    async get(): Promise<RestResponse> {
      const next = queue.shift();
      assert.ok(next, 'an expected call');
      if (next instanceof Error) throw next;
      return next;
    },
    async ping() {
      stub.pings += 1;
    },
    async close() {
      stub.closed = true;
    },
  };
  return stub;
}

const answer = (status: number, group?: string): RestResponse => ({
  status,
  headers: group === undefined ? {} : { 'x-rate-limit-group': group },
  body: Buffer.from('{}'),
});

describe('measured REST client', () => {
  test('counts calls by group and status, 429s apart, transport failures as "error"; ping is not a call', async () => {
    const metrics = createAppMetrics();
    const inner = restStub([
      answer(200, 'Medium'),
      answer(200, 'Medium'),
      answer(429, 'Medium'),
      answer(503),
      new UpstreamError('RCAPP_UPSTREAM_TIMEOUT', 'RingCentral did not answer within 10 ms'),
      answer(200, 'Heavy'),
    ]);
    const rest = measureRestClient(inner, createRingCentralCallRecorder(metrics));
    const path = ENDPOINTS.extension.path;
    assert.equal((await rest.get(path, 'token')).status, 200);
    await rest.get(path, 'token');
    assert.equal((await rest.get(path, 'token')).status, 429);
    assert.equal((await rest.get(path, 'token')).status, 503);
    await assert.rejects(rest.get(path, 'token'), { code: 'RCAPP_UPSTREAM_TIMEOUT' });
    await rest.get(ENDPOINTS['account-call-log'].path, 'token', new URLSearchParams({ page: '2' }));
    await rest.ping();
    await rest.close();
    assert.equal(inner.pings, 1);
    assert.equal(inner.closed, true);
    assert.equal(rest.serverUrl, inner.serverUrl);

    const samples = parseMetrics(await metrics.registry.metrics());
    const calls = (group: string, status: string) => sumOf(samples, 'ringcentral_requests_total', { group, status });
    assert.equal(calls('Medium', '200'), 2);
    assert.equal(calls('Medium', '429'), 1);
    assert.equal(calls('Medium', '503'), 1, 'a 503 without the header is grouped by the endpoint table');
    assert.equal(calls('Medium', 'error'), 1);
    assert.equal(calls('Heavy', '200'), 1);
    assert.equal(sumOf(samples, 'ringcentral_requests_total'), 6);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total', { group: 'Medium' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total'), 1);
  });
});

describe('measured OAuth fetch', () => {
  test('token and revoke calls count in the Auth group, 429s too; failures are "error" and rethrown', async () => {
    const metrics = createAppMetrics();
    const refused = new TypeError('fetch failed');
    const answers: (Response | Error)[] = [
      new Response('{}', { status: 200 }),
      new Response('{}', { status: 429, headers: { 'x-rate-limit-group': 'Auth' } }),
      refused,
    ];
    const inner = (async () => {
      const next = answers.shift();
      assert.ok(next);
      if (next instanceof Error) throw next;
      return next;
    }) as typeof fetch;
    const measured = measureOAuthFetch(inner, createRingCentralCallRecorder(metrics));
    assert.equal((await measured('https://platform.ringcentral.com/restapi/oauth/token')).status, 200);
    assert.equal((await measured('https://platform.ringcentral.com/restapi/oauth/token')).status, 429);
    await assert.rejects(measured('https://platform.ringcentral.com/restapi/oauth/revoke'), (err) => err === refused);

    const samples = parseMetrics(await metrics.registry.metrics());
    assert.equal(sumOf(samples, 'ringcentral_requests_total', { group: 'Auth', status: '200' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_requests_total', { group: 'Auth', status: '429' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_requests_total', { group: 'Auth', status: 'error' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total', { group: 'Auth' }), 1);
  });
});
