/**
 * RingCentral's answer as the client hands it out (`src/ringcentral/answer.ts`): status, headers, the body byte for
 * byte, JSON parsed once, the rate-limit headers; and no closures of its own, which kept every body alive until a
 * full garbage collection (docs/benchmarks.md, item 15).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RCAPP_UPSTREAM_ERROR, UpstreamError } from '../../../src/errors.js';
import { operation } from '../../../src/rc-api/operations.js';
import { toAnswer } from '../../../src/ringcentral/answer.js';

const op = operation('listExtensions');
const headers = {
  'content-type': 'application/json',
  'x-rate-limit-group': 'Medium',
  'x-rate-limit-limit': '40',
  'x-rate-limit-remaining': '39',
  'x-rate-limit-window': '60',
  'set-cookie': ['a=1', 'b=2'],
};

describe('RingCentral answer', () => {
  it('carries the status, the headers (first value of a repeated one) and the body as it came', () => {
    const body = Buffer.from('{"records":[]}');
    const answer = toAnswer(op, { status: 200, headers, body });
    assert.equal(answer.status, 200);
    assert.equal(answer.ok, true);
    assert.equal(answer.operation, op);
    assert.equal(answer.body, body);
    assert.equal(answer.header('content-type'), 'application/json');
    assert.equal(answer.header('set-cookie'), 'a=1');
    assert.equal(answer.header('x-missing'), undefined);
    assert.equal(toAnswer(op, { status: 404, headers, body }).ok, false);
  });

  it('parses the JSON once, and says so when the body is not JSON', () => {
    const answer = toAnswer(op, { status: 200, headers, body: Buffer.from('{"records":[1]}') });
    const first = answer.json();
    assert.deepEqual(first, { records: [1] });
    assert.equal(answer.json(), first, 'the same value');
    const broken = toAnswer(op, { status: 502, headers, body: Buffer.from('<html>') });
    assert.throws(
      () => broken.json(),
      (err: unknown) =>
        err instanceof UpstreamError &&
        err.code === RCAPP_UPSTREAM_ERROR &&
        err.message === 'RingCentral sent a response that is not JSON (HTTP 502)',
    );
  });

  it('reads the rate-limit headers', () => {
    const answer = toAnswer(op, { status: 200, headers, body: Buffer.alloc(0) });
    assert.equal(answer.rateLimit?.remaining, 39);
    assert.equal(answer.rateLimit?.limit, 40);
  });

  it('has no functions of its own: its methods are shared, so nothing made per answer can hold its body', () => {
    const a = toAnswer(op, { status: 200, headers, body: Buffer.from('{}') });
    const b = toAnswer(op, { status: 200, headers, body: Buffer.from('{}') });
    const own = Object.getOwnPropertyNames(a).filter(
      (name) => typeof (a as unknown as Record<string, unknown>)[name] === 'function',
    );
    assert.deepEqual(own, []);
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b), 'one prototype holds the methods');
  });
});
