import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { readmeTableRows } from '../config/readme-table.js';

test('the README "Scaling out on Redis" metrics table lists exactly the metrics an app registers', () => {
  const documented = readmeTableRows('scale-out')
    .map((row) => row[0]?.replace(/`/g, '') ?? '')
    .filter((name) => /^[a-z][a-z0-9_]*$/.test(name));
  const registered = createAppMetrics()
    .registry.getMetricsAsArray()
    .map((metric) => metric.name);
  assert.deepEqual([...documented].sort(), [...registered].sort());
});

test('the README section documents the cluster command, the metrics token and the Redis key prefix', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(
    readme.indexOf('<!-- section:scale-out -->'),
    readme.indexOf('<!-- /section:scale-out -->'),
  );
  assert.match(section, /npm run cluster -- --instances 2/);
  const settings = readmeTableRows('scale-out').map((row) => row[0]?.replace(/`/g, ''));
  for (const name of ['SESSION_STORE=redis', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'SESSION_SECRETS', 'METRICS_TOKEN']) {
    assert.ok(settings.includes(name), name);
  }
});
