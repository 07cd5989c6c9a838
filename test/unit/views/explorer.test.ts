import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toChartView } from '../../../src/web/views/call-chart.js';
import { createViews } from '../../../src/web/views/index.js';
import type { CallLogExplorerModel } from '../../../src/web/views/models.js';
import { EXTENSION_BODY, NOW, PERMISSION_DENIED_BODY, apiResultModel, explorerModel } from './fixtures.js';
import { attributeOf, cspProblems, startTags, textOf } from './html-checks.js';

const views = createViews({ now: () => NOW });
const render = (explorer: CallLogExplorerModel = explorerModel()): string =>
  views.apiResult(apiResultModel({ explorer }));

/** `data-*` attributes of every chart day, in order. */
function chartDays(html: string): Record<string, string>[] {
  return startTags(html)
    .filter((tag) => tag.startsWith('<g class="chart-day"'))
    .map((tag) => Object.fromEntries([...tag.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])));
}

void describe('call-log explorer views', () => {
  void it('shows a plain GET filter form with the current values, labels and quick ranges', () => {
    const html = render();
    assert.match(html, /<form class="card filters" method="get" action="\/test"/);
    assert.equal(attributeOf(html, /name="api"/, 'value'), 'extension-call-log');
    assert.equal(attributeOf(html, /id="filter-date-from"/, 'value'), '2026-11-23');
    assert.equal(attributeOf(html, /id="filter-date-to"/, 'value'), '2026-11-25');
    assert.equal(attributeOf(html, /id="filter-tz"/, 'value'), 'Europe/Berlin');
    assert.match(html, /<option value="Inbound" selected>Inbound<\/option>/);
    assert.match(html, /<option value="" selected>Any<\/option>/, 'type: any');
    assert.match(html, /<option value="2" selected>2<\/option>/, 'an unusual page size is offered too');
    for (const id of [
      'filter-date-from',
      'filter-date-to',
      'filter-direction',
      'filter-type',
      'filter-view',
      'filter-per-page',
      'filter-tz',
    ]) {
      assert.match(html, new RegExp(`<label for="${id}">`), id);
    }
    assert.match(textOf(html), /Showing Nov 23, 2026 – Nov 25, 2026, times in Europe\/Berlin/);
    assert.match(
      html,
      /<a class="preset" href="\/test\?api=extension-call-log&amp;dateFrom=2026-11-18&amp;dateTo=2026-11-25&amp;direction=Inbound">Last 7 days<\/a>/,
    );
    assert.match(html, /<a class="button button-secondary" href="\/test\?api=extension-call-log">Reset<\/a>/);
  });

  void it("draws the chart as a named SVG image with each day's counts in data attributes and a table", () => {
    const html = render();
    assert.deepEqual(chartDays(html), [
      { date: '2026-11-23', inbound: '3', outbound: '2', missed: '1', total: '5' },
      { date: '2026-11-24', inbound: '0', outbound: '0', missed: '0', total: '0' },
      { date: '2026-11-25', inbound: '7', outbound: '5', missed: '0', total: '12' },
    ]);
    assert.match(
      html,
      /<svg class="call-chart" data-testid="call-chart" data-time-zone="Europe\/Berlin" role="img" aria-labelledby="chart-svg-title chart-svg-desc"/,
    );
    assert.match(
      html,
      /<desc id="chart-svg-desc">17 calls from Nov 23, 2026 to Nov 25, 2026 \(Europe\/Berlin\): 10 inbound, 7 outbound, 1 missed\. The busiest day was Nov 25, 2026 with 12\.<\/desc>/,
    );
    assert.match(html, /<title>Nov 23, 2026: 5 calls, 3 inbound, 2 outbound \(1 missed\)<\/title>/);
    assert.equal((html.match(/class="bar bar-missed"/g) ?? []).length, 1, 'only the day with missed calls is hatched');
    assert.match(
      html,
      /<tr data-date="2026-11-25"><th scope="row"><time datetime="2026-11-25">Nov 25, 2026<\/time><\/th><td class="num">7<\/td><td class="num">5<\/td><td class="num">0<\/td><td class="num">12<\/td><\/tr>/,
    );
    assert.deepEqual(cspProblems(html), [], 'no inline style: colours come from the stylesheet');
    assert.match(html, /<script src="\/assets\/export.js" defer><\/script>/);
  });

  void it('scales bars to round y-axis ticks', () => {
    const chart = toChartView(explorerModel().chart, String)!;
    assert.deepEqual(
      chart.yTicks.map((t) => t.label),
      ['0', '5', '10', '15'],
    );
    const [first, , third] = chart.days;
    const plotHeight = chart.plot.bottom - chart.plot.top;
    assert.equal(first!.inboundBar.height, Math.round((3 / 15) * plotHeight * 10) / 10);
    assert.equal(third!.outboundBar.y + third!.outboundBar.height, third!.inboundBar.y, 'outbound sits on inbound');
    assert.equal(first!.missedBar.y + first!.missedBar.height, chart.plot.bottom, 'missed marked from the baseline');
  });

  void it('shows the reason instead of a chart when there is none', () => {
    const { chart: _chart, ...rest } = explorerModel();
    const html = render({ ...rest, chartNote: 'The chart is left out to save your RingCentral rate limit.' });
    assert.doesNotMatch(html, /<svg class="call-chart"/);
    assert.match(
      html,
      /<p class="chart-note" data-testid="chart-note">The chart is left out to save your RingCentral rate limit\.<\/p>/,
    );
  });

  void it('offers the CSV export of the whole range with its size', () => {
    const html = render();
    assert.equal(
      attributeOf(html, /id="export-link"/, 'href'),
      '/export/call-log.csv?scope=extension&dateFrom=2026-11-23&dateTo=2026-11-25&direction=Inbound&tz=Europe%2FBerlin',
    );
    assert.equal(attributeOf(html, /id="export-link"/, 'data-total'), '17');
    assert.match(textOf(html), /17 calls in 1 RingCentral request\./);
    assert.match(html, /<button type="button" class="button button-secondary" id="export-cancel" hidden>/);
    assert.match(html, /<p class="export-status" id="export-status" role="status" aria-live="polite"><\/p>/);
  });

  void it('adds nothing of the explorer to the extension list or to error pages', () => {
    for (const html of [
      views.apiResult(apiResultModel({ api: 'extension', body: EXTENSION_BODY, explorer: explorerModel() })),
      views.apiResult(apiResultModel({ status: 403, body: PERMISSION_DENIED_BODY, explorer: explorerModel() })),
    ]) {
      assert.doesNotMatch(html, /class="card filters"|call-chart|export-link|export\.js/);
    }
  });

  void it('escapes explorer text and keeps its links on this site', () => {
    const payload = '"><script>alert(1)</script>';
    const html = render({
      ...explorerModel(),
      filters: {
        ...explorerModel().filters,
        dateFrom: payload,
        timeZone: payload,
        rangeText: payload,
        presets: [{ label: payload, href: 'javascript:alert(1)', current: true }],
        resetHref: '//evil.example/',
      },
      chart: { timeZone: payload, days: [{ date: payload, inbound: 1, outbound: 1, missed: 0 }], sourceText: payload },
      chartNote: payload,
      export: { href: 'https://evil.example/x.csv', total: 1 },
    });
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /javascript:|evil\.example/);
    assert.equal(attributeOf(html, /id="filter-date-from"/, 'value'), '', 'not a date: left empty');
    assert.doesNotMatch(html, /id="export-link"/, 'an export link elsewhere is dropped');
    assert.doesNotMatch(html, /<svg class="call-chart"/, 'days that are not dates draw no chart');
  });

  void it('draws only the days that are dates, and counts that are not counts as 0', () => {
    const html = render({
      ...explorerModel(),
      chart: {
        timeZone: 'UTC',
        days: [
          { date: '2026-11-23', inbound: -1, outbound: Number.NaN, missed: 1.5 },
          { date: 'yesterday', inbound: 4, outbound: 4, missed: 0 },
          { date: '2026-11-24', inbound: 2, outbound: 1, missed: 1 },
        ],
      },
    });
    assert.deepEqual(chartDays(html), [
      { date: '2026-11-23', inbound: '0', outbound: '0', missed: '0', total: '0' },
      { date: '2026-11-24', inbound: '2', outbound: '1', missed: '1', total: '3' },
    ]);
    assert.doesNotMatch(html, /yesterday|NaN/);
  });

  void it('offers the export without a size when RingCentral did not say how many calls there are', () => {
    const html = render({ ...explorerModel(), export: { href: '/export/call-log.csv?scope=extension' } });
    assert.match(
      textOf(html),
      /Export to CSV Every call of these filters and dates, not just this page\. The export paces itself/,
    );
    assert.equal(attributeOf(html, /id="export-link"/, 'data-total'), '');
  });

  void it('gives the fallback page, not an exception, for an explorer model that breaks its type', () => {
    for (const explorer of [{ filters: 'x' }, { filters: {}, chart: { days: 'x' } }]) {
      let html = '';
      assert.doesNotThrow(() => (html = render(explorer as unknown as CallLogExplorerModel)), JSON.stringify(explorer));
      assert.match(html, /<h1>This page could not be displayed<\/h1>/, JSON.stringify(explorer));
    }
  });
});
