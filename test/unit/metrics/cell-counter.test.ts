import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { CellCounter } from '../../../src/metrics/cell-counter.js';
import { parseMetrics, sumOf } from '../../integration/scale-out/support/metrics-text.js';

async function scrape(registry: Registry) {
  return parseMetrics(await registry.metrics());
}

it('a cell counts without touching prom-client; the counts appear at the next scrape and keep adding up', async () => {
  const registry = new Registry();
  const counter = new CellCounter({ name: 'things_total', help: 'things', labelNames: ['kind'], registry });
  const a = counter.cell({ kind: 'a' });
  a.inc();
  a.inc(2);
  assert.equal(sumOf(await scrape(registry), 'things_total', { kind: 'a' }), 3);
  a.inc();
  assert.equal(sumOf(await scrape(registry), 'things_total', { kind: 'a' }), 4, 'counters never go back');
  assert.equal(sumOf(await scrape(registry), 'things_total', { kind: 'a' }), 4, 'a scrape does not count twice');
});

it('the same labels give the same cell; a new cell shows as 0 before its first count', async () => {
  const registry = new Registry();
  const counter = new CellCounter({
    name: 'calls_total',
    help: 'calls',
    labelNames: ['group', 'status'],
    registry,
  });
  const first = counter.cell({ group: 'Light', status: '200' });
  assert.equal(counter.cell({ status: '200', group: 'Light' }), first);
  counter.cell({ group: 'Heavy', status: '429' });
  const samples = await scrape(registry);
  assert.deepEqual(
    samples.filter((s) => s.name === 'calls_total').map((s) => [s.labels.group, s.labels.status, s.value]),
    [
      ['Light', '200', 0],
      ['Heavy', '429', 0],
    ],
  );
});

it('two registries (two app instances in one process) count apart', async () => {
  const one = new Registry();
  const two = new Registry();
  const c1 = new CellCounter({ name: 'x_total', help: 'x', labelNames: ['k'], registry: one });
  const c2 = new CellCounter({ name: 'x_total', help: 'x', labelNames: ['k'], registry: two });
  c1.cell({ k: 'v' }).inc(5);
  c2.cell({ k: 'v' }).inc(1);
  assert.equal(sumOf(await scrape(one), 'x_total'), 5);
  assert.equal(sumOf(await scrape(two), 'x_total'), 1);
});
