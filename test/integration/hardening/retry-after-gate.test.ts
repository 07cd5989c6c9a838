/**
 * The Retry-After gate on its own: per session and rate-limit group (learnt from `X-Rate-Limit-Group`), delta
 * seconds and HTTP-date forms, RingCentral's 30 s default when the header is missing, and bounded memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRetryAfterGate } from '../../../src/ringcentral/retry-after-gate.js';

const EXT = '/restapi/v1.0/account/~/extension/~/call-log';
const ACC = '/restapi/v1.0/account/~/call-log';
const LIST = '/restapi/v1.0/account/~/extension';
const heavy = (status: number, retryAfter?: string) => ({
  status,
  headers: { 'x-rate-limit-group': 'heavy', ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) },
});

test('a 429 closes the group for that session only, until Retry-After has passed', () => {
  let now = 1_000_000;
  const gate = createRetryAfterGate({ now: () => now });
  gate.observe('s1', ACC, heavy(200));
  gate.observe('s1', EXT, heavy(429, '30'));
  assert.equal(gate.waitSeconds('s1', EXT), 30);
  assert.equal(gate.waitSeconds('s1', ACC), 30, 'same group (learnt from X-Rate-Limit-Group)');
  assert.equal(gate.waitSeconds('s1', LIST), 0, 'another group');
  assert.equal(gate.waitSeconds('s2', EXT), 0, 'another session');
  now += 12_500;
  assert.equal(gate.waitSeconds('s1', EXT), 18, 'rounded up');
  now += 17_500;
  assert.equal(gate.waitSeconds('s1', EXT), 0);
});

test('Retry-After as an HTTP date, missing (30 s default), zero, and clamped to an hour', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const gate = createRetryAfterGate({ now: () => now });
  gate.observe('a', EXT, heavy(429, 'Thu, 01 Jan 2026 00:00:45 GMT'));
  assert.equal(gate.waitSeconds('a', EXT), 45);
  gate.observe('b', EXT, heavy(429));
  assert.equal(gate.waitSeconds('b', EXT), 30);
  gate.observe('c', EXT, heavy(429, '0'));
  assert.equal(gate.waitSeconds('c', EXT), 0);
  gate.observe('d', EXT, heavy(429, '999999'));
  assert.equal(gate.waitSeconds('d', EXT), 3600);
  gate.observe('e', EXT, heavy(429, 'soon'));
  assert.equal(gate.waitSeconds('e', EXT), 30, 'unreadable: the default');
});

test('memory is bounded: the oldest closed pairs are forgotten first', () => {
  const now = 0;
  const gate = createRetryAfterGate({ now: () => now, maxEntries: 100 });
  for (let i = 0; i < 1000; i++) gate.observe(`s${i}`, EXT, heavy(429, '60'));
  let remembered = 0;
  for (let i = 0; i < 1000; i++) if (gate.waitSeconds(`s${i}`, EXT) > 0) remembered += 1;
  assert.ok(remembered <= 100, `${remembered} remembered`);
  assert.ok(gate.waitSeconds('s999', EXT) > 0, 'the newest is kept');
});
