/**
 * @module test/unit/web/lazy-schema-compilers.test
 * The lazily loaded schema compilers behave as Fastify's defaults when a route does declare a schema: bodies are
 * validated (400 on a bad one) and responses serialized by their schema (undeclared fields dropped).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import Fastify from 'fastify';
import { lazySchemaCompilers } from '../../../src/web/lazy-schema-compilers.js';

it('a route with a schema still gets validation and serialization', async (t) => {
  const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
  t.after(() => app.close());
  app.get('/plain', () => ({ free: 'form' }));
  app.post(
    '/typed',
    {
      schema: {
        body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { doubled: { type: 'integer' } } } },
      },
    },
    (request) => ({ doubled: (request.body as { n: number }).n * 2, secret: 'not in the schema' }),
  );
  assert.deepEqual((await app.inject('/plain')).json(), { free: 'form' });
  const bad = await app.inject({ method: 'POST', url: '/typed', payload: { n: 'two' } });
  assert.equal(bad.statusCode, 400);
  const good = await app.inject({ method: 'POST', url: '/typed', payload: { n: 21 } });
  assert.equal(good.statusCode, 200);
  assert.deepEqual(good.json(), { doubled: 42 });
});
