/* eslint-disable @typescript-eslint/require-await -- the store stubs are async like real stores */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { measureSessionStore } from '../../../src/session/measured-store.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import type { SessionStore, StoredSession } from '../../../src/session/store.js';
import { StoreUnavailableError } from '../../../src/session/stored-session.js';
import { parseMetrics, sumOf } from '../../integration/scale-out/support/metrics-text.js';

const record: StoredSession = {
  createdAt: 1_000,
  lastSeenAt: 1_000,
  expiresAt: 10_000_000,
  version: 1,
  payload: 'sealed',
};

it('every operation is passed through and timed by store kind and operation', async () => {
  const metrics = createAppMetrics();
  const inner = createMemoryStore({ now: () => 5_000 });
  const store = measureSessionStore(inner, metrics);
  assert.equal(store.kind, 'memory');
  await store.set('a', record);
  assert.deepEqual(await store.get('a'), record);
  assert.equal(await store.get('b'), undefined);
  await store.touch('a', 6_000, 20_000_000);
  assert.equal((await inner.get('a'))?.lastSeenAt, 6_000, 'the touch reached the real store');
  await store.ping();
  await store.destroy('a');
  assert.equal(await inner.get('a'), undefined);
  await store.close();

  const samples = parseMetrics(await metrics.registry.metrics());
  const count = (op: string) =>
    sumOf(samples, 'session_store_operation_duration_seconds_count', { store: 'memory', op });
  assert.deepEqual(['get', 'set', 'destroy', 'touch', 'ping', 'close'].map(count), [2, 1, 1, 1, 1, 1]);
  assert.equal(sumOf(samples, 'session_store_errors_total'), 0);
  assert.ok(sumOf(samples, 'session_store_operation_duration_seconds_sum') >= 0);
});

it('failures are counted as errors (also synchronous throws) and rethrown unchanged', async () => {
  const metrics = createAppMetrics();
  const down = new StoreUnavailableError('redis');
  const failing: SessionStore = {
    kind: 'redis',
    get: async () => {
      throw down;
    },
    set: () => {
      throw new TypeError('stored session must be an object');
    },
    setIfVersion: async () => false,
    destroy: async () => undefined,
    touch: async () => undefined,
    ping: async () => {
      throw down;
    },
    close: async () => undefined,
  };
  const store = measureSessionStore(failing, metrics);
  await assert.rejects(store.get('x'), (err) => err === down);
  await assert.rejects(store.get('y'), (err) => err === down);
  await assert.rejects(store.set('x', record), TypeError);
  await assert.rejects(store.ping(), (err) => err === down);
  await store.destroy('x');

  const samples = parseMetrics(await metrics.registry.metrics());
  assert.equal(sumOf(samples, 'session_store_errors_total', { store: 'redis', op: 'get' }), 2);
  assert.equal(sumOf(samples, 'session_store_errors_total', { store: 'redis', op: 'set' }), 1);
  assert.equal(sumOf(samples, 'session_store_errors_total', { store: 'redis', op: 'ping' }), 1);
  assert.equal(sumOf(samples, 'session_store_errors_total', { store: 'redis', op: 'destroy' }), 0);
  assert.equal(
    sumOf(samples, 'session_store_operation_duration_seconds_count', { store: 'redis', op: 'get' }),
    2,
    'failed calls are timed too',
  );
});

it('the time of a slow store lands in the right histogram bucket', async (t) => {
  const metrics = createAppMetrics();
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const inner = createMemoryStore({ now: () => 0 });
  t.after(() => inner.close());
  const slow: SessionStore = {
    ...inner,
    get: async () => {
      clock += 30; // 30 ms
      return undefined;
    },
  };
  await measureSessionStore(slow, metrics).get('x');
  const samples = parseMetrics(await metrics.registry.metrics());
  const bucket = (le: string) =>
    sumOf(samples, 'session_store_operation_duration_seconds_bucket', { store: 'memory', op: 'get', le });
  assert.equal(bucket('0.025'), 0);
  assert.equal(bucket('0.05'), 1);
  assert.equal(sumOf(samples, 'session_store_operation_duration_seconds_sum', { op: 'get' }), 0.03);
});
