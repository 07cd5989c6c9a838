/**
 * The governor's and the readiness report's configuration (`RATE_LIMIT_MAX_WAIT_MS`, `ADMIN_TOKEN`) and
 * `docs/rate-limits.md` ("Rate limits, readiness and doctor"), kept in sync with the code: the metrics it lists are
 * the ones the governor registers, and it documents the doctor's commands and the admin page.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { createGovernorMetrics } from '../../../src/governor/governor-metrics.js';
import { docSection, docTableRows } from '../config/doc-table.js';

it('RATE_LIMIT_MAX_WAIT_MS: 10 s by default, 0 to 600000 ms', () => {
  assert.equal(loadConfig({}).rateLimitMaxWaitMs, 10_000);
  assert.equal(loadConfig({ RATE_LIMIT_MAX_WAIT_MS: '0' }).rateLimitMaxWaitMs, 0);
  assert.equal(loadConfig({ RATE_LIMIT_MAX_WAIT_MS: '600000' }).rateLimitMaxWaitMs, 600_000);
  for (const bad of ['-1', '600001', '1.5', 'soon']) {
    assert.throws(
      () => loadConfig({ RATE_LIMIT_MAX_WAIT_MS: bad }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.variable === 'RATE_LIMIT_MAX_WAIT_MS' && /between 0 and 600000/.test(p.problem)),
      bad,
    );
  }
});

it('ADMIN_TOKEN: unset turns the admin page off; 32+ visible characters; never echoed', () => {
  assert.equal(loadConfig({}).adminToken, undefined);
  const token = 'A'.repeat(16) + 'b'.repeat(16);
  assert.equal(loadConfig({ ADMIN_TOKEN: token }).adminToken, token);
  for (const bad of ['short-token', 'has spaces in it but is long enough 123']) {
    assert.throws(
      () => loadConfig({ ADMIN_TOKEN: bad }),
      (err: unknown) =>
        err instanceof ConfigError &&
        !err.message.includes(bad) &&
        err.problems.some((p) => p.variable === 'ADMIN_TOKEN' && /32 to 512 visible ASCII/.test(p.problem)),
    );
  }
});

it('docs/rate-limits.md lists the metrics the governor registers, and the doctor and admin page', () => {
  const registry = new Registry();
  createGovernorMetrics(registry);
  const registered = registry.getMetricsAsArray().map((m) => m.name);
  const documented = docTableRows('docs/rate-limits.md', 'rules').map((row) => row[0]?.replace(/`/g, '') ?? '');
  for (const name of registered) assert.ok(documented.includes(name), name);
  assert.ok(documented.includes('ringcentral_rate_limited_total'));
  const section = docSection('docs/rate-limits.md', 'rules');
  for (const text of [
    'npm run doctor',
    'npm run doctor -- --explain OAU-109',
    'npm run doctor -- --readiness',
    'GET /admin/readiness',
    'ADMIN_TOKEN',
    'RATE_LIMIT_MAX_WAIT_MS',
    'RCAPP_RATE_LIMITED',
  ]) {
    assert.ok(section.includes(text), text);
  }
});
