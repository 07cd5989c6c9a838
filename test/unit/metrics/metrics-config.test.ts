import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { parseMetrics } from '../../integration/scale-out/support/metrics-text.js';

it('METRICS_TOKEN: unset by default (loopback-only metrics), read when set, a secret', () => {
  assert.equal(loadConfig({}).metricsToken, undefined);
  assert.equal(loadConfig({ METRICS_TOKEN: '' }).metricsToken, undefined);
  assert.equal(loadConfig({ METRICS_TOKEN: ' abcdefghijklmnop0123 ' }).metricsToken, 'abcdefghijklmnop0123');
  assert.deepEqual(
    CONFIG_VARIABLES.find((v) => v.name === 'METRICS_TOKEN'),
    { name: 'METRICS_TOKEN', secret: true },
  );
});

for (const [what, value] of [
  ['shorter than 16 characters', 'short-token'],
  ['with a space inside', 'abcdefgh ijklmnopqrst'],
  ['with a non-ASCII character', 'abcdefghijklmnopé'],
  ['longer than 512 characters', 'x'.repeat(513)],
] as const) {
  it(`METRICS_TOKEN ${what} is refused by name, without echoing the value`, () => {
    assert.throws(
      () => loadConfig({ METRICS_TOKEN: value }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.variable),
          ['METRICS_TOKEN'],
        );
        assert.ok(!err.message.includes(value));
        return true;
      },
    );
  });
}

it('process metrics are added only when asked for (server.ts asks once per process)', async () => {
  const plain = parseMetrics(await createAppMetrics().registry.metrics());
  assert.ok(!plain.some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')));
  const withProcess = parseMetrics(await createAppMetrics({ processMetrics: true }).registry.metrics());
  const names = new Set(withProcess.map((s) => s.name));
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.ok(names.has(name), name);
  }
});
