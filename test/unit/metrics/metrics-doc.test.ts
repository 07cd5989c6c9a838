import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { docSection, docTableRows } from '../config/doc-table.js';

it('the docs/operations.md "Scaling out on Redis" metrics table lists exactly the metrics an app registers', () => {
  const documented = docTableRows('docs/operations.md', 'scale-out')
    .map((row) => row[0]?.replace(/`/g, '') ?? '')
    .filter((name) => /^[a-z][a-z0-9_]*$/.test(name));
  const registered = createAppMetrics()
    .registry.getMetricsAsArray()
    .map((metric) => metric.name);
  assert.deepEqual([...documented].sort(), [...registered].sort());
});

it('the docs/operations.md section documents the cluster command, the metrics token and the Redis key prefix', () => {
  const section = docSection('docs/operations.md', 'scale-out');
  assert.match(section, /npm run cluster -- --instances 2/);
  const settings = docTableRows('docs/operations.md', 'scale-out').map((row) => row[0]?.replace(/`/g, ''));
  for (const name of ['SESSION_STORE=redis', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'SESSION_SECRETS', 'METRICS_TOKEN']) {
    assert.ok(settings.includes(name), name);
  }
});
