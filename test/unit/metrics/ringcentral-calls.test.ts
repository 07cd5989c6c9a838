import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { ringCentralCallCounter } from '../../../src/metrics/ringcentral-calls.js';
import type { CallEvent } from '../../../src/rc-api/call-event.js';
import { parseMetrics, sumOf } from '../../integration/scale-out/support/metrics-text.js';

describe('RingCentral call counter', () => {
  it('counts calls by group and status, 429s apart, calls without an answer as "error"', async () => {
    const metrics = createAppMetrics();
    const count = ringCentralCallCounter(metrics);
    const call = (group: CallEvent['group'], outcome: CallEvent['outcome']): CallEvent => ({
      operationId: 'listExtensions',
      group,
      outcome,
      durationMs: 1,
      owner: '101',
    });
    for (const event of [
      call('Medium', 200),
      call('Medium', 200),
      call('Medium', 429),
      call('Medium', 503),
      call('Medium', 'error'),
      call('Heavy', 200),
      call('Auth', 429),
    ]) {
      count(event);
    }
    const samples = parseMetrics(await metrics.registry.metrics());
    const calls = (group: string, status: string) => sumOf(samples, 'ringcentral_requests_total', { group, status });
    assert.equal(calls('Medium', '200'), 2);
    assert.equal(calls('Medium', '429'), 1);
    assert.equal(calls('Medium', '503'), 1);
    assert.equal(calls('Medium', 'error'), 1);
    assert.equal(calls('Heavy', '200'), 1);
    assert.equal(calls('Auth', '429'), 1);
    assert.equal(sumOf(samples, 'ringcentral_requests_total'), 7);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total', { group: 'Medium' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total', { group: 'Auth' }), 1);
    assert.equal(sumOf(samples, 'ringcentral_rate_limited_total'), 2);
  });
});
