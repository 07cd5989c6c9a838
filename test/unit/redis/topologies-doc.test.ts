/**
 * @module test/unit/redis/topologies-doc.test
 * `docs/redis-topologies.md` stays true to the code: it names every `REDIS_*` variable `loadConfig` reads, states
 * the defaults the code has, every test file it cites exists, and the Redis section of `docs/operations.md` and the
 * README link to it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config.js';
import { docSection } from '../config/doc-table.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOC = readFileSync(`${ROOT}docs/redis-topologies.md`, 'utf8');

void describe('docs/redis-topologies.md', () => {
  void it('names every REDIS_* variable', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name).filter((name) => name.startsWith('REDIS_'));
    assert.ok(names.length >= 10);
    for (const name of names) assert.ok(DOC.includes(`\`${name}`), `${name} is described`);
  });

  void it('states the WAIT defaults the configuration has', () => {
    const wait = (env: Record<string, string>) => loadConfig({ SESSION_STORE: 'redis', ...env }).session.redis;
    assert.equal(wait({ REDIS_URL: 'redis://h' })?.waitReplicas, 0);
    assert.equal(wait({ REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_NAME: 'm' })?.waitReplicas, 1);
    assert.equal(wait({ REDIS_CLUSTER_NODES: 'h:1' })?.waitReplicas, 1);
    assert.equal(wait({ REDIS_URL: 'redis://h' })?.waitTimeoutMs, 250);
    assert.match(DOC, /\| `REDIS_WAIT_REPLICAS` +\| `0` with `REDIS_URL`; `1` with Sentinel and Cluster/);
    assert.match(DOC, /\| `REDIS_WAIT_TIMEOUT_MS` +\| `250` \(1 to 1000\)/);
  });

  void it('cites only test files that exist', () => {
    const cited = [...DOC.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1]!);
    assert.ok(cited.length >= 8, `${cited.length} tests cited`);
    for (const file of cited) assert.ok(existsSync(`${ROOT}${file}`), `${file} exists`);
  });

  void it('is linked from the Redis section of docs/operations.md and from the README', () => {
    assert.match(docSection('docs/operations.md', 'scale-out'), /\]\(redis-topologies\.md\)/);
    assert.match(readFileSync(`${ROOT}README.md`, 'utf8'), /\]\(docs\/redis-topologies\.md\)/);
  });
});
