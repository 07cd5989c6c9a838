import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { CellHistogram } from '../../../src/metrics/cell-histogram.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];

/** Deterministic pseudo-random values from 0 to ~3 (some above every bound, some exactly on one). */
function values(count: number): number[] {
  let x = 12345;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(i % 17 === 0 ? (BUCKETS[i % BUCKETS.length] as number) : (x / 2 ** 31) ** 3 * 3);
  }
  return out;
}

it('the exposition is the one prom-client writes for the same observations', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const cells = new CellHistogram({
    name: 'op_seconds',
    help: 'op time',
    labelNames: ['route', 'method'],
    buckets: BUCKETS,
    registry: ours,
  });
  const reference = new Histogram({
    name: 'op_seconds',
    help: 'op time',
    labelNames: ['route', 'method'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const labelSets = [
    { route: '/test', method: 'GET' },
    { route: '/a "quoted" \\ route', method: 'POST' },
  ];
  values(500).forEach((value, i) => {
    const labels = labelSets[i % 3 === 0 ? 1 : 0] as { route: string; method: string };
    cells.cell(labels).observe(value);
    reference.observe(labels, value);
  });
  const text = await ours.metrics();
  assert.equal(text, await theirs.metrics());
  assert.match(text, /op_seconds_count\{route="\/test",method="GET"\} 333\n/);
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
});

it('the same labels give the same cell; a cell shows zero counts before its first observation', async () => {
  const registry = new Registry();
  const histogram = new CellHistogram({ name: 'x_seconds', help: 'x', labelNames: ['op'], buckets: [1], registry });
  const cell = histogram.cell({ op: 'get' });
  assert.equal(histogram.cell({ op: 'get' }), cell);
  assert.equal(
    await registry.metrics(),
    [
      '# HELP x_seconds x',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{le="1",op="get"} 0',
      'x_seconds_bucket{le="+Inf",op="get"} 0',
      'x_seconds_sum{op="get"} 0',
      'x_seconds_count{op="get"} 0',
      '',
    ].join('\n'),
  );
});

it('a value that is not a finite number is refused and changes nothing', async () => {
  const registry = new Registry();
  const histogram = new CellHistogram({ name: 'y_seconds', help: 'y', labelNames: ['op'], buckets: [1], registry });
  const cell = histogram.cell({ op: 'get' });
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => cell.observe(bad), TypeError);
  cell.observe(2);
  assert.match(await registry.metrics(), /y_seconds_sum\{op="get"\} 2\ny_seconds_count\{op="get"\} 1/);
});

it('names, label names and buckets are checked when the family is made', () => {
  const registry = new Registry();
  const make = (name: string, labelNames: string[], buckets: number[]) => () =>
    new CellHistogram({ name, help: 'h', labelNames, buckets, registry });
  assert.throws(make('bad name', ['op'], [1]), /Invalid metric name/);
  assert.throws(make('ok_a', ['le'], [1]), /Invalid label name: le/);
  assert.throws(make('ok_b', ['op'], [1, 0.5]), /ascending/);
  assert.throws(make('ok_c', ['op'], [1, Number.POSITIVE_INFINITY]), /ascending/);
  new CellHistogram({ name: 'dup', help: 'h', labelNames: [], buckets: [1], registry });
  assert.throws(make('dup', [], [1]), /already been registered/);
});

it('resetting the registry sets every cell back to zero, and cells handed out keep counting', async () => {
  const registry = new Registry();
  const histogram = new CellHistogram({ name: 'z_seconds', help: 'z', labelNames: ['op'], buckets: [1], registry });
  const cell = histogram.cell({ op: 'get' });
  cell.observe(0.5);
  cell.observe(2);
  registry.resetMetrics();
  const afterReset = await registry.metrics();
  assert.match(afterReset, /z_seconds_bucket\{le="1",op="get"\} 0\n/);
  assert.match(afterReset, /z_seconds_sum\{op="get"\} 0\nz_seconds_count\{op="get"\} 0/);
  cell.observe(0.25);
  assert.match(await registry.metrics(), /z_seconds_sum\{op="get"\} 0.25\nz_seconds_count\{op="get"\} 1/);
});
