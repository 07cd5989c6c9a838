import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCallLogRows, toPartyText } from '../../../src/web/views/call-log-rows.js';
import { toErrorSummary } from '../../../src/web/views/error-summary.js';
import { toExtensionRows } from '../../../src/web/views/extension-rows.js';
import {
  createDateFormatter,
  formatDuration,
  removeQueryParam,
  toSafeHref,
  toSameOriginPath,
  toText,
} from '../../../src/web/views/format.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const dates = createDateFormatter({ locale: 'en-US', defaultTimeZone: 'UTC', now: () => NOW });

void describe('formatDuration', () => {
  void it('formats seconds as h:mm:ss', () => {
    assert.equal(formatDuration(0), '0:00:00');
    assert.equal(formatDuration(59), '0:00:59');
    assert.equal(formatDuration(61), '0:01:01');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(36_000 + 59), '10:00:59');
    assert.equal(formatDuration(12.9), '0:00:12');
    assert.equal(formatDuration('75'), '0:01:15');
  });

  void it('gives an empty string for values that are not a duration', () => {
    for (const value of [-1, Number.NaN, Infinity, null, undefined, '', 'x', {}, []]) {
      assert.equal(formatDuration(value), '', JSON.stringify(value));
    }
  });
});

void describe('dates', () => {
  void it('formats in the given zone, falling back to the default for unknown zones', () => {
    assert.equal(dates.formatDateTime('2026-11-25T09:15:02Z', 'UTC'), 'Nov 25, 2026, 9:15:02 AM UTC');
    assert.equal(dates.formatDateTime('2026-11-25T09:15:02Z', 'America/New_York'), 'Nov 25, 2026, 4:15:02 AM EST');
    assert.equal(dates.formatDateTime('2026-11-25T09:15:02Z', 'Not/AZone'), 'Nov 25, 2026, 9:15:02 AM UTC');
    assert.equal(dates.formatDateTime(NOW, undefined, false), 'Nov 25, 2026, 12:00 PM UTC');
    assert.equal(dates.formatDateTime('not a date'), '');
    assert.equal(dates.formatDateTime({}), '');
  });

  void it('says how far away a time is, relative to the injected clock', () => {
    assert.equal(dates.formatRelative(NOW + 7 * 86_400_000), 'in 7 days');
    assert.equal(dates.formatRelative(NOW + 3 * 3_600_000), 'in 3 hours');
    assert.equal(dates.formatRelative(NOW - 2 * 60_000), '2 minutes ago');
    assert.equal(dates.formatRelative(NOW + 86_400_000), 'tomorrow');
  });
});

void describe('links', () => {
  void it('accepts same-origin paths, queries and http(s) URLs', () => {
    assert.equal(toSafeHref('/test?api=extension'), '/test?api=extension');
    assert.equal(toSafeHref('?page=2'), '?page=2');
    assert.equal(
      toSafeHref('https://platform.ringcentral.com/restapi/oauth/authorize?x=1'),
      'https://platform.ringcentral.com/restapi/oauth/authorize?x=1',
    );
    assert.equal(
      toSafeHref('http://127.0.0.1:5001/restapi/oauth/authorize'),
      'http://127.0.0.1:5001/restapi/oauth/authorize',
    );
  });

  void it('rejects scripts, data, protocol-relative and backslash tricks', () => {
    for (const value of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,x',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil',
      'java\nscript:x',
      'vbscript:x',
      '',
      5,
      null,
    ]) {
      assert.equal(toSafeHref(value), undefined, JSON.stringify(value));
    }
  });

  void it('keeps only same-origin paths where the target must be our own page', () => {
    assert.equal(toSameOriginPath('/test', '/'), '/test');
    assert.equal(toSameOriginPath('https://evil.example/', '/'), '/');
    assert.equal(toSameOriginPath('?x=1', '/'), '/');
  });

  void it('removes one query parameter and keeps the rest', () => {
    assert.equal(removeQueryParam('/login?popup=1', 'popup'), '/login');
    assert.equal(removeQueryParam('/login?popup=1&returnTo=%2Ftest', 'popup'), '/login?returnTo=%2Ftest');
    assert.equal(removeQueryParam('/login', 'popup'), '/login');
    assert.equal(removeQueryParam('http://localhost:5000/login?popup=1', 'popup'), 'http://localhost:5000/login');
  });
});

void describe('reading RingCentral bodies', () => {
  void it('reads scalar text and nothing else', () => {
    assert.equal(toText('a'), 'a');
    assert.equal(toText(400000001002), '400000001002');
    assert.equal(toText(true), 'yes');
    assert.equal(toText({ a: 1 }), '');
    assert.equal(toText(['a']), '');
    assert.equal(toText(Number.NaN), '');
  });

  void it('uses contact names when an extension has no name', () => {
    const rows = toExtensionRows({ records: [{ id: 1, contact: { firstName: 'Ada', lastName: 'Admin' } }] });
    assert.deepEqual(rows, [{ id: '1', extensionNumber: '', name: 'Ada Admin', type: '', status: '', email: '' }]);
    assert.equal(toExtensionRows({ records: {} }), undefined);
    assert.equal(toExtensionRows(null), undefined);
  });

  void it('describes call parties by name, number and extension', () => {
    assert.deepEqual(toPartyText({ name: 'Bob', phoneNumber: '+16505550100', extensionNumber: '103' }), {
      primary: 'Bob',
      secondary: '+16505550100 · ext. 103',
    });
    assert.deepEqual(toPartyText({ phoneNumber: '+16505550100' }), { primary: '+16505550100', secondary: '' });
    assert.deepEqual(toPartyText({ extensionNumber: '103' }), { primary: 'ext. 103', secondary: '' });
    assert.deepEqual(toPartyText({ location: 'Belmont, CA' }), { primary: 'Belmont, CA', secondary: '' });
    assert.deepEqual(toPartyText('x'), { primary: '', secondary: '' });
  });

  void it('takes the owning extension from extension.id, else from the record uri', () => {
    const rows = toCallLogRows(
      {
        records: [
          { extension: { id: 7 }, uri: 'https://x/restapi/v1.0/account/1/extension/9/call-log/A' },
          { uri: 'https://x/restapi/v1.0/account/1/extension/9/call-log/B?view=Simple' },
          { uri: 'https://x/restapi/v1.0/account/1/call-log/C' },
        ],
      },
      dates,
    );
    assert.deepEqual(
      rows?.map((r) => r.extensionId),
      ['7', '9', ''],
    );
  });

  void it('keeps an unparsable start time as text and leaves the datetime attribute empty', () => {
    const rows = toCallLogRows({ records: [{ startTime: 'soon' }] }, dates);
    assert.equal(rows?.[0]?.startTime, 'soon');
    assert.equal(rows?.[0]?.startTimeIso, '');
  });

  void it('summarises RingCentral REST and OAuth errors', () => {
    assert.deepEqual(
      toErrorSummary({
        errors: [{ errorCode: 'CMN-408', message: 'Needs [FullCompanyCallLog]', permissionName: 'FullCompanyCallLog' }],
      }),
      {
        code: 'CMN-408',
        message: 'Needs [FullCompanyCallLog]',
        permissionName: 'FullCompanyCallLog',
        details: [{ code: 'CMN-408', message: 'Needs [FullCompanyCallLog]' }],
      },
    );
    assert.equal(
      toErrorSummary({ error: 'invalid_grant', error_description: 'Token is revoked' })?.message,
      'Token is revoked',
    );
    assert.equal(toErrorSummary({}), undefined);
    assert.equal(toErrorSummary(null), undefined);
    assert.equal(toErrorSummary('x'.repeat(2000))?.message.length, 500);
  });
});
