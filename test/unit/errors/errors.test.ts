import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as errors from '../../../src/errors.js';
import {
  AppError,
  ConfigError,
  ERROR_CATALOG,
  OAuthCallbackError,
  TokenEndpointError,
  UpstreamError,
  type ErrorCatalogEntry,
  type ErrorCode,
} from '../../../src/errors.js';
import { docTableRows } from '../config/doc-table.js';

const exportedCodes = Object.entries(errors)
  .filter(([name, value]) => name.startsWith('RCAPP_') && typeof value === 'string')
  .map(([, value]) => value as string);

it('every exported code constant names itself and has a catalog entry', () => {
  for (const [name, value] of Object.entries(errors)) {
    if (name.startsWith('RCAPP_')) assert.equal(value, name);
  }
  assert.deepEqual([...exportedCodes].sort(), Object.keys(ERROR_CATALOG).sort());
});

it('the docs/errors.md table lists every code with its HTTP status, in sync with the catalog', () => {
  const rows = docTableRows('docs/errors.md', 'errors').map(([code, status]) => [code?.replace(/`/g, ''), status]);
  const expected = Object.entries(ERROR_CATALOG).map(([code, entry]: [string, ErrorCatalogEntry]) => [
    code,
    entry.startupOnly ? '—' : String(entry.status),
  ]);
  assert.deepEqual(rows, expected);
});

it('errors carry code, status, name and cause', () => {
  const cause = new Error('boom');
  const error = new AppError('RCAPP_STATE_MISMATCH', 'unexpected "state" parameter value', { cause });
  assert.equal(error.code, 'RCAPP_STATE_MISMATCH');
  assert.equal(error.status, 400);
  assert.equal(error.name, 'AppError');
  assert.equal(error.cause, cause);
  assert.equal(new AppError('RCAPP_BAD_REQUEST', 'too big', { status: 413 }).status, 413);
  const upstream = new UpstreamError('RCAPP_UPSTREAM_TIMEOUT', 'RingCentral did not answer within 10 ms');
  assert.equal(upstream.name, 'UpstreamError');
  assert.equal(upstream.status, 504);
});

it('OAuthCallbackError: access_denied vs other errors, with RingCentral’s description', () => {
  const denied = new OAuthCallbackError('access_denied', 'The user denied access');
  assert.equal(denied.code, 'RCAPP_ACCESS_DENIED');
  assert.equal(denied.message, 'RingCentral: The user denied access');
  const other = new OAuthCallbackError('invalid_request', undefined);
  assert.equal(other.code, 'RCAPP_LOGIN_FAILED');
  assert.equal(other.message, 'RingCentral answered "invalid_request"');
});

it('TokenEndpointError keeps RingCentral’s error, description, errorCode and status', () => {
  const error = new TokenEndpointError({
    error: 'invalid_grant',
    description: 'Token not found',
    rcErrorCode: 'OAU-213',
    upstreamStatus: 400,
  });
  assert.equal(error.code, 'RCAPP_LOGIN_FAILED');
  assert.equal(error.isInvalidGrant, true);
  assert.equal(error.rcErrorCode, 'OAU-213');
  assert.equal(error.upstreamStatus, 400);
  assert.equal(error.message, 'RingCentral: Token not found');
  assert.equal(error.name, 'TokenEndpointError');
});

it('ConfigError lists each problem on its own line', () => {
  const error = new ConfigError([
    { variable: 'PORT', problem: 'must be a whole number between 0 and 65535' },
    { variable: 'LOG_LEVEL', problem: 'must be one of fatal, error' },
  ]);
  assert.equal(
    error.message,
    'invalid configuration:\n  - PORT: must be a whole number between 0 and 65535\n  - LOG_LEVEL: must be one of fatal, error',
  );
});

it('every catalog entry has a status in 4xx/5xx and a title', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOG) as [ErrorCode, ErrorCatalogEntry][]) {
    assert.ok(entry.status >= 400 && entry.status < 600, code);
    assert.ok(entry.title.length > 0, code);
  }
});
