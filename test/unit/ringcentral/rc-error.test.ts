import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRateLimit, parseRcError } from '../../../src/ringcentral/rc-error.js';
import { classifyTransportError, errorForStatus, parseRetryAfter } from '../../../src/ringcentral/upstream-errors.js';
import { API_NAMES, ENDPOINTS, isApiName } from '../../../src/ringcentral/endpoints.js';

test('parseRcError reads RingCentral’s 403 permission body', () => {
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

test('parseRcError: errors[] only, garbage, arrays and non-JSON', () => {
  assert.deepEqual(parseRcError(Buffer.from('{"errors":[{"errorCode":"OAU-213","message":"Token not found"}]}')), {
    subCode: 'OAU-213',
    message: 'Token not found',
  });
  assert.equal(parseRcError(Buffer.from('<html>')), undefined);
  assert.equal(parseRcError(Buffer.from('[1,2]')), undefined);
  assert.equal(parseRcError(Buffer.from('null')), undefined);
  assert.deepEqual(parseRcError(Buffer.from('{"errorCode":5,"errors":"x"}')), {});
});

test('parseRateLimit needs all four headers', () => {
  assert.deepEqual(
    parseRateLimit({
      'x-rate-limit-group': 'Heavy',
      'x-rate-limit-limit': '10',
      'x-rate-limit-remaining': '3',
      'x-rate-limit-window': '60',
    }),
    { group: 'Heavy', limit: 10, remaining: 3, windowSeconds: 60 },
  );
  assert.equal(parseRateLimit({ 'x-rate-limit-group': 'Heavy' }), undefined);
});

test('parseRetryAfter: seconds, HTTP date, garbage, clamped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('30', now), 30);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('999999', now), 3600);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('errorForStatus: 429 → RCAPP_RATE_LIMITED (default 30 s), 5xx → RCAPP_UPSTREAM_ERROR', () => {
  assert.deepEqual(
    { ...errorForStatus(429, '12', 0) },
    { ...errorForStatus(429, '12', 0), code: 'RCAPP_RATE_LIMITED', status: 429, retryAfterSeconds: 12 },
  );
  assert.equal(errorForStatus(429, null, 0).retryAfterSeconds, 30);
  const error = errorForStatus(503, null, 0);
  assert.equal(error.code, 'RCAPP_UPSTREAM_ERROR');
  assert.equal(error.status, 502);
});

test('classifyTransportError: refused, reset, DNS, timeouts; anything else is not ours', () => {
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

test('endpoints: the three quick-start APIs and their RingCentral paths', () => {
  assert.deepEqual([...API_NAMES], ['extension', 'extension-call-log', 'account-call-log']);
  assert.equal(ENDPOINTS.extension.path, '/restapi/v1.0/account/~/extension');
  assert.equal(ENDPOINTS['extension-call-log'].path, '/restapi/v1.0/account/~/extension/~/call-log');
  assert.equal(ENDPOINTS['account-call-log'].path, '/restapi/v1.0/account/~/call-log');
  assert.equal(isApiName('extension'), true);
  assert.equal(isApiName('toString'), false);
});
