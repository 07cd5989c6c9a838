import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefersJson } from '../../../src/web/negotiate.js';
import { noticeFor, noticeUrl } from '../../../src/web/notices.js';
import { integerParam, parseQuery, singleParam } from '../../../src/web/query.js';
import { toSafeReturnPath } from '../../../src/web/return-to.js';

describe('prefersJson', () => {
  const cases: [string | undefined, string | undefined, boolean][] = [
    [undefined, undefined, true],
    ['', undefined, true],
    ['*/*', undefined, true],
    ['application/json', undefined, true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', undefined, false],
    ['text/html;q=0.5, application/json', undefined, true],
    ['application/json;q=0.5, text/html', undefined, false],
    ['text/html;q=0', undefined, true],
    ['TEXT/HTML', undefined, false],
    ['text/html', 'json', true],
    ['application/json', 'html', false],
    ['text/plain', undefined, true],
  ];
  for (const [accept, format, expected] of cases) {
    it(`Accept ${JSON.stringify(accept)}, format ${format ?? '-'} → ${expected ? 'JSON' : 'HTML'}`, () => {
      assert.equal(prefersJson(accept, format), expected);
    });
  }
});

describe('query parsing', () => {
  it('never throws; repeated keys become arrays; bad percent-encoding is kept as text', () => {
    assert.deepEqual({ ...parseQuery('a=1&b=%zz&a=2&c') }, { a: ['1', '2'], b: '%zz', c: '' });
    assert.deepEqual(Object.values(parseQuery('%E0%A4%A=x')), ['x']);
    assert.deepEqual({ ...parseQuery('') }, {});
    const polluting = parseQuery('__proto__=x');
    assert.ok(Object.hasOwn(polluting, '__proto__'), 'a plain key');
    assert.ok(Object.isFrozen(Object.getPrototypeOf(polluting)), 'no prototype to pollute');
  });

  it('singleParam: absent, present, repeated, too long', () => {
    assert.equal(singleParam({ a: 'x' }, 'b'), undefined);
    assert.equal(singleParam({ a: 'x' }, 'a'), 'x');
    assert.throws(() => singleParam({ a: ['x', 'y'] }, 'a'), {
      code: 'RCAPP_BAD_REQUEST',
      message: 'parameter "a" must be provided only once',
    });
    assert.throws(() => singleParam({ a: 'x'.repeat(3000) }, 'a'), { code: 'RCAPP_BAD_REQUEST' });
    assert.equal(singleParam(undefined, 'a'), undefined);
  });

  it('integerParam: whole numbers in range only', () => {
    assert.equal(integerParam({ page: '3' }, 'page', 1, 10), 3);
    assert.equal(integerParam({}, 'page', 1, 10), undefined);
    assert.equal(integerParam({ page: '' }, 'page', 1, 10), undefined);
    for (const bad of ['0', '11', '-1', '1.5', '1e1', ' 1', '0x1', '99999999']) {
      assert.throws(() => integerParam({ page: bad }, 'page', 1, 10), {
        code: 'RCAPP_BAD_REQUEST',
        message: 'parameter "page" must be a whole number from 1 to 10',
      });
    }
  });
});

describe('returnTo', () => {
  const ok: [string, string][] = [
    ['/test?api=extension', '/test?api=extension'],
    ['/', '/'],
    ['/index', '/index'],
    ['/a/../test', '/test'],
  ];
  for (const [input, expected] of ok) {
    it(`accepts ${input}`, () => assert.equal(toSafeReturnPath(input, '/oauth2callback'), expected));
  }
  const refused = [
    'https://evil.example',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/%5Cevil.example',
    '/%2F%2Fevil.example',
    'javascript:alert(1)',
    ' /test',
    '/test\n',
    '/\tevil',
    'test',
    '/logout',
    '/login?popup=1',
    '/oauth2callback',
    '/%E0%A4%A',
    `/${'a'.repeat(600)}`,
  ];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input).slice(0, 40)}`, () =>
      assert.equal(toSafeReturnPath(input, '/oauth2callback'), undefined));
  }
});

describe('notices', () => {
  it('fixed texts by key; anything else shows nothing', () => {
    assert.equal(noticeFor('session-ended')?.text, 'Your RingCentral session has ended, please log in again.');
    assert.equal(noticeFor('logged-out')?.kind, 'info');
    assert.equal(noticeFor('<script>'), undefined);
    assert.equal(noticeFor('toString'), undefined);
    assert.equal(noticeFor(undefined), undefined);
    assert.equal(noticeUrl('logged-out'), '/?notice=logged-out');
  });
});
