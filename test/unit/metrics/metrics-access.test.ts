import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetricsAccessCheck, isLoopbackAddress } from '../../../src/metrics/metrics-access.js';

const TOKEN = 'metrics-token-0123456789';

describe('metrics access without METRICS_TOKEN: this machine only', () => {
  const check = createMetricsAccessCheck(undefined);

  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
    it(`loopback peer ${address} is served`, () => {
      assert.equal(check({ headers: {}, remoteAddress: address }), 'allowed');
    });
  }

  for (const address of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', '2001:db8::1', '1127.0.0.1', undefined]) {
    it(`peer ${String(address)} is told there is no such page`, () => {
      assert.equal(check({ headers: {}, remoteAddress: address }), 'hidden');
    });
  }

  for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
    it(`a loopback peer with ${header} (a reverse proxy on this host) is not served`, () => {
      assert.equal(check({ headers: { [header]: '203.0.113.9' }, remoteAddress: '127.0.0.1' }), 'hidden');
    });
  }

  it('a bearer token is not needed and changes nothing', () => {
    assert.equal(check({ headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress: '10.0.0.5' }), 'hidden');
  });
});

describe('metrics access with METRICS_TOKEN: the bearer token, from anywhere', () => {
  const check = createMetricsAccessCheck(TOKEN);
  const remote = '203.0.113.9';

  it('the right token is served, from any address and behind proxies', () => {
    assert.equal(check({ headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress: remote }), 'allowed');
    assert.equal(check({ headers: { authorization: `bearer ${TOKEN}` }, remoteAddress: remote }), 'allowed');
    assert.equal(
      check({ headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': remote }, remoteAddress: '127.0.0.1' }),
      'allowed',
    );
  });

  const refused: [string, string | undefined][] = [
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${TOKEN}`],
    ['the token without a scheme', TOKEN],
    ['a wrong token', 'Bearer metrics-token-0123456780'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
  ];
  for (const [what, authorization] of refused) {
    it(`${what} is unauthorized (even from loopback)`, () => {
      const headers = authorization === undefined ? {} : { authorization };
      assert.equal(check({ headers, remoteAddress: '127.0.0.1' }), 'unauthorized');
    });
  }
});

it('isLoopbackAddress', () => {
  assert.equal(isLoopbackAddress('127.0.0.1'), true);
  assert.equal(isLoopbackAddress('::1'), true);
  assert.equal(isLoopbackAddress('::ffff:127.0.0.2'), true);
  assert.equal(isLoopbackAddress('0.0.0.0'), false);
  assert.equal(isLoopbackAddress('::'), false);
  assert.equal(isLoopbackAddress('128.0.0.1'), false);
  assert.equal(isLoopbackAddress(undefined), false);
});
