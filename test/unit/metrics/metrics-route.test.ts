/**
 * `GET /metrics` on a real app (`createApp` via `startTestApp`, requests injected with chosen peer addresses):
 * who may read it, what it shows, and that route labels are route patterns whatever URL a client sends.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startTestApp } from '../../helpers/app.js';
import { startTestEmulatorFor } from '../../integration/support/fixtures.js';
import { parseMetrics, sumOf } from '../../integration/scale-out/support/metrics-text.js';

const TOKEN = 'scrape-token-abcdefghijklmnop';

async function appWith(t: TestContext, env: Record<string, string> = {}) {
  const emulator = await startTestEmulatorFor(t);
  return startTestApp(t, { emulator, env: { LOG_LEVEL: 'warn', ...env } });
}

describe('GET /metrics without METRICS_TOKEN', () => {
  it('answers a loopback client with the text exposition format', async (t) => {
    const { app } = await appWith(t);
    const response = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    const names = new Set(parseMetrics(response.body).map((s) => s.name));
    for (const name of ['token_refreshes_total', 'ringcentral_rate_limited_total', 'session_store_errors_total']) {
      assert.ok(names.has(name), `${name} is shown from the start`);
    }
    assert.match(response.body, /# TYPE http_request_duration_seconds histogram/);
    assert.match(response.body, /# TYPE ringcentral_requests_total counter/);
  });

  it('is a 404 for other addresses and for requests that came through a proxy', async (t) => {
    const { app } = await appWith(t);
    const remote = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '198.51.100.7',
      headers: { accept: 'application/json' },
    });
    assert.equal(remote.statusCode, 404);
    assert.equal(remote.json<{ code: string }>().code, 'RCAPP_NOT_FOUND');
    const proxied = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    assert.equal(proxied.statusCode, 404);
    assert.doesNotMatch(proxied.body, /http_requests_total/);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  it('needs the bearer token (401 with a Bearer challenge), then answers any address', async (t) => {
    const { app } = await appWith(t, { METRICS_TOKEN: TOKEN });
    const missing = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { accept: 'application/json' },
    });
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="metrics"');
    assert.equal(missing.json<{ code: string }>().code, 'RCAPP_METRICS_UNAUTHORIZED');
    const page = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '198.51.100.7',
      headers: { accept: 'text/html', authorization: 'Bearer wrong-token-abcdefghijklmnop' },
    });
    assert.equal(page.statusCode, 401);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.ok(!page.body.includes(TOKEN));

    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '198.51.100.7',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(ok.statusCode, 200);
    assert.ok(!ok.body.includes(TOKEN), 'the token is not in the metrics');
    assert.equal(sumOf(parseMetrics(ok.body), 'http_requests_total', { route: '/metrics', status: '401' }), 2);
  });
});

describe('request metrics', () => {
  it('route labels are route patterns: no query strings, no raw paths, one label for every 404', async (t) => {
    const { app } = await appWith(t);
    for (const url of ['/healthz', '/healthz?x=1', '/healthz?y=2']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200);
    }
    await app.inject({ method: 'GET', url: '/assets/app.css' });
    await app.inject({ method: 'GET', url: '/assets/no-such-file.js' });
    for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url: `/random-${i}/${'x'.repeat(i)}` });
    await app.inject({ method: 'PROPFIND', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/test?api=nope', headers: { accept: 'application/json' } });

    const samples = parseMetrics(
      (await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body,
    );
    const routes = new Set(samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route));
    assert.deepEqual([...routes].sort(), ['/assets/*', '/healthz', '/test', 'unmatched']);
    assert.equal(sumOf(samples, 'http_requests_total', { route: '/healthz', method: 'GET', status: '200' }), 3);
    // 20 unknown paths, and the missing asset (the asset route hands it to the not-found handler).
    assert.equal(sumOf(samples, 'http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 21);
    assert.equal(sumOf(samples, 'http_requests_total', { route: 'unmatched', method: 'OTHER' }), 1);
    assert.equal(sumOf(samples, 'http_requests_total', { route: '/test', status: '400' }), 1);
    assert.equal(sumOf(samples, 'http_requests_total', { route: '/assets/*', status: '200' }), 1);
    assert.equal(sumOf(samples, 'http_request_duration_seconds_count', { route: '/healthz', method: 'GET' }), 3);
    assert.equal(
      sumOf(samples, 'http_request_duration_seconds_bucket', { route: '/healthz', method: 'GET', le: '+Inf' }),
      3,
    );
  });
});
