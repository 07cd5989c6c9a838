import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readFileSync } from 'node:fs';
import { generatedModule } from '../../../scripts/generate-operations.js';
import { parseRcError, refusalError } from '../../../src/rc-api/error-body.js';
import {
  allOperations,
  expandPath,
  findOperation,
  operation,
  toRateLimitGroup,
} from '../../../src/rc-api/operations.js';
import { parseRateLimit, parseRetryAfter } from '../../../src/rc-api/rate-limit-headers.js';
import { classifyTransportError, errorForStatus } from '../../../src/rc-api/upstream-errors.js';
import { API_NAMES, API_PAGES, isApiName } from '../../../src/web/api-pages.js';

it('parseRcError reads RingCentral’s 403 permission body', () => {
  const body = Buffer.from(
    JSON.stringify({
      errorCode: 'InsufficientPermissions',
      message: 'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission',
      errors: [{ errorCode: 'CMN-401', message: 'x', permissionName: 'FullCompanyCallLog' }],
      permissionName: 'FullCompanyCallLog',
    }),
  );
  assert.deepEqual(parseRcError(body), {
    errorCode: 'InsufficientPermissions',
    subCode: 'CMN-401',
    message: 'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission',
    permissionName: 'FullCompanyCallLog',
  });
});

it('parseRcError: errors[] only, garbage, arrays and non-JSON', () => {
  assert.deepEqual(parseRcError(Buffer.from('{"errors":[{"errorCode":"OAU-213","message":"Token not found"}]}')), {
    subCode: 'OAU-213',
    message: 'Token not found',
  });
  assert.equal(parseRcError(Buffer.from('<html>')), undefined);
  assert.equal(parseRcError(Buffer.from('[1,2]')), undefined);
  assert.equal(parseRcError(Buffer.from('null')), undefined);
  assert.deepEqual(parseRcError(Buffer.from('{"errorCode":5,"errors":"x"}')), {});
});

it('parseRateLimit needs all four headers', () => {
  const headers: Record<string, string> = {
    'x-rate-limit-group': 'Heavy',
    'x-rate-limit-limit': '10',
    'x-rate-limit-remaining': '3',
    'x-rate-limit-window': '60',
  };
  assert.deepEqual(
    parseRateLimit((name) => headers[name]),
    { group: 'Heavy', limit: 10, remaining: 3, windowSeconds: 60 },
  );
  assert.equal(
    parseRateLimit((name) => (name === 'x-rate-limit-group' ? 'Heavy' : undefined)),
    undefined,
  );
});

it('parseRetryAfter: seconds, HTTP date, garbage, clamped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('30', now), 30);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('999999', now), 3600);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

it('errorForStatus: 429 → RCAPP_RATE_LIMITED (default 30 s), 5xx → RCAPP_UPSTREAM_ERROR', () => {
  assert.deepEqual(
    { ...errorForStatus(429, '12', 0) },
    { ...errorForStatus(429, '12', 0), code: 'RCAPP_RATE_LIMITED', status: 429, retryAfterSeconds: 12 },
  );
  assert.equal(errorForStatus(429, null, 0).retryAfterSeconds, 30);
  const error = errorForStatus(503, null, 0);
  assert.equal(error.code, 'RCAPP_UPSTREAM_ERROR');
  assert.equal(error.status, 502);
});

it('classifyTransportError: refused, reset, DNS, timeouts; anything else is not ours', () => {
  const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
  assert.equal(classifyTransportError(refused, 10)?.code, 'RCAPP_UPSTREAM_UNAVAILABLE');
  assert.equal(
    classifyTransportError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 10)?.code,
    'RCAPP_UPSTREAM_UNAVAILABLE',
  );
  assert.equal(
    classifyTransportError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 10)?.code,
    'RCAPP_UPSTREAM_TIMEOUT',
  );
  assert.equal(
    classifyTransportError(new DOMException('t', 'TimeoutError'), 10)?.message,
    'RingCentral did not answer within 10 ms',
  );
  assert.equal(classifyTransportError(new TypeError('fetch failed'), 10)?.code, 'RCAPP_UPSTREAM_UNAVAILABLE');
  assert.equal(classifyTransportError(new RangeError('bug'), 10), undefined);
});

it('refusalError: 403 names the permission, 429 carries the wait, 5xx is an upstream error, 404 is none', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    body: Buffer.from(JSON.stringify(body)),
    header: (name: string) => headers[name],
  });
  const denied = refusalError(answer(403, { errors: [{ errorCode: 'CMN-401', permissionName: 'ReadCallLog' }] }), 0);
  assert.equal(denied?.code, 'RCAPP_PERMISSION_DENIED');
  assert.match(denied?.message ?? '', /needs the "ReadCallLog" permission/);
  const limited = refusalError(answer(429, {}, { 'retry-after': '17' }), 0);
  assert.deepEqual([limited?.code, limited?.retryAfterSeconds], ['RCAPP_RATE_LIMITED', 17]);
  assert.equal(refusalError(answer(503, {}), 0)?.code, 'RCAPP_UPSTREAM_ERROR');
  assert.equal(refusalError(answer(404, {}), 0), undefined);
});

it('operations: one row per operationId of the pinned spec, with path, method, group and permission', () => {
  const ids = [...allOperations()].map((op) => op.id);
  assert.equal(ids.length, 520);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  assert.deepEqual(operation('readUserCallLog'), {
    id: 'readUserCallLog',
    method: 'GET',
    path: '/restapi/v1.0/account/{accountId}/extension/{extensionId}/call-log',
    group: 'Heavy',
    appPermission: 'ReadCallLog',
    requestTypes: [],
    tags: ['Call Log'],
  });
  assert.deepEqual(
    ['listExtensions', 'readExtension', 'readCompanyCallLog', 'getToken', 'revokeToken'].map((id) => {
      const op = operation(id as 'getToken');
      return [op.method, op.group, op.appPermission];
    }),
    [
      ['GET', 'Medium', 'ReadAccounts'],
      ['GET', 'Light', 'ReadAccounts'],
      ['GET', 'Heavy', 'ReadCallLog'],
      ['POST', 'Auth', undefined],
      ['POST', 'Auth', undefined],
    ],
  );
  assert.equal(findOperation('noSuchOperation'), undefined);
  assert.throws(() => operation('noSuchOperation' as 'getToken'), /unknown RingCentral operation "noSuchOperation"/);
});

it('operations: the generated table is what the pinned spec says (regenerate with npm run generate:operations)', () => {
  const spec = readFileSync(new URL('../../../spec/rc-public-openapi.yml', import.meta.url), 'utf8');
  const generated = readFileSync(new URL('../../../src/rc-api/spec-operations.ts', import.meta.url), 'utf8');
  assert.equal(generated, generatedModule(spec));
});

it('expandPath: accountId and extensionId default to ~, other parameters are required and encoded', () => {
  assert.equal(expandPath(operation('readUserCallLog')), '/restapi/v1.0/account/~/extension/~/call-log');
  assert.equal(
    expandPath(operation('readContact'), { contactId: '12/3' }),
    '/restapi/v1.0/account/~/extension/~/address-book/contact/12%2F3',
  );
  assert.throws(() => expandPath(operation('readContact')), /needs the "contactId" parameter/);
});

it('toRateLimitGroup: RingCentral names, any case; anything else is no group', () => {
  assert.equal(toRateLimitGroup('heavy'), 'Heavy');
  assert.equal(toRateLimitGroup(' Auth '), 'Auth');
  assert.equal(toRateLimitGroup('Unknown'), undefined);
  assert.equal(toRateLimitGroup(undefined), undefined);
});

it('the /test pages: the three quick-start APIs, each one operation', () => {
  assert.deepEqual([...API_NAMES], ['extension', 'extension-call-log', 'account-call-log']);
  assert.deepEqual(
    API_PAGES.map((page) => [page.api, page.operationId, page.request]),
    [
      ['extension', 'listExtensions', 'GET /restapi/v1.0/account/~/extension'],
      ['extension-call-log', 'readUserCallLog', 'GET /restapi/v1.0/account/~/extension/~/call-log'],
      ['account-call-log', 'readCompanyCallLog', 'GET /restapi/v1.0/account/~/call-log'],
    ],
  );
  assert.equal(isApiName('extension'), true);
  assert.equal(isApiName('toString'), false);
});
