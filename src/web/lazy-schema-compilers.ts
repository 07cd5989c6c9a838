/**
 * @module web/lazy-schema-compilers
 * Fastify loads its JSON-schema compilers (Ajv and fast-json-stringify, ~70 ms) when an instance is created,
 * although they are needed only by routes that declare a schema, and this app declares none (its input is checked
 * by hand, see `query.ts`). These factories load the same compilers on first use instead, so start-up does not
 * pay for them; a route with a schema would get exactly Fastify's default compilers.
 * @see https://fastify.dev/docs/latest/Reference/Server/#schemacontroller
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/** `schemaController.compilersFactory` for `Fastify(...)`: Fastify's default compilers, loaded on first use. */
export function lazySchemaCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  let validator: ValidatorFactory | undefined;
  let serializer: SerializerFactory | undefined;
  // The compilers are Fastify's own dependencies: resolve them from where Fastify is installed.
  const load = <T>(name: string): T => {
    const fromHere = createRequire(import.meta.url);
    return (createRequire(fromHere.resolve('fastify'))(name) as () => T)();
  };
  const buildValidator = ((...args: Parameters<ValidatorFactory>) => {
    validator ??= load<ValidatorFactory>('@fastify/ajv-compiler');
    return validator(...args);
  }) as ValidatorFactory;
  const buildSerializer = ((...args: Parameters<SerializerFactory>) => {
    serializer ??= load<SerializerFactory>('@fastify/fast-json-stringify-compiler');
    return serializer(...args);
  }) as SerializerFactory;
  return { buildValidator, buildSerializer };
}
