/**
 * @module test/helpers/openapi
 * Validates JSON response bodies against RingCentral's pinned OpenAPI spec (`spec/rc-public-openapi.yml`, its
 * sha256 checked). Schemas are compiled with ajv (+ ajv-formats); OpenAPI 3.0 specifics are converted here:
 * `nullable` becomes a `null` type, `$ref: '#/components/...'` resolves inside the spec document, and the OpenAPI
 * number formats (`int32`, `int64`, `double`, `float`, `binary`, ...) are registered.
 *
 * Schema choice for `(operation, status)`: the operation's own response for that status if it has a JSON schema;
 * otherwise RingCentral's generic response for the status (`components.responses`: 400 InvalidRequest,
 * 401 Unauthorized, 403 Forbidden, 404 NotFound, 409 Conflict, 415 UnsupportedMediaType, 429 TooManyRequests,
 * 500 InternalError, 502 BadGateway, 503 ServiceNotAvailable; other 4xx/5xx `ApiErrorResponseModel`). A 2xx with
 * no schema must have an empty body. The parsed spec is cached as JSON in the OS temp dir, keyed by its hash.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The committed spec and its pinned hash. */
export const SPEC_PATH = fileURLToPath(new URL('../../spec/rc-public-openapi.yml', import.meta.url));
export const SPEC_SHA256 = 'f2393ea64be639b495b30c4a8c04549c5e45f252088942aa9af08a71073135c8';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  readonly operationId: string;
  readonly method: string;
  readonly pathTemplate: string;
  readonly matcher: RegExp;
  readonly responses: JsonObject;
}

/** Result of one validation. */
export interface ValidationResult {
  readonly valid: boolean;
  /** The schema used, e.g. `listExtensions 200` or `generic 401 (Unauthorized)`. */
  readonly schema: string;
  readonly errors: readonly string[];
}

const GENERIC_RESPONSES: Readonly<Record<number, string>> = {
  400: 'InvalidRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceNotAvailable',
};

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** OpenAPI 3.0 `nullable: true` ⇒ JSON Schema `type: [t, 'null']` (recursively, in place on a copy). */
function convertNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = convertNullable(v);
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    delete out.nullable;
  }
  return out;
}

function readSpec(): JsonObject {
  const text = readFileSync(SPEC_PATH);
  const sha = createHash('sha256').update(text).digest('hex');
  if (sha !== SPEC_SHA256) {
    throw new Error(`spec/rc-public-openapi.yml changed: sha256 ${sha}, expected ${SPEC_SHA256}`);
  }
  const cacheDir = join(tmpdir(), 'rc-authflow-openapi');
  // The suffix versions the conversion below: bump it when convertNullable changes.
  const cacheFile = join(cacheDir, `${sha}-v1.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as JsonObject;
  } catch {
    // No cache yet: parse the YAML (about a second) and keep the JSON for the next process.
  }
  const doc = convertNullable(parse(text.toString('utf8')) as Json) as JsonObject;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only temp dir only costs speed.
  }
  return doc;
}

/** A compiled view of the spec. Create once per process with {@link getSpecValidator}. */
export class SpecValidator {
  private readonly doc: JsonObject;
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly byId = new Map<string, Operation>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(doc: JsonObject) {
    this.doc = doc;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(this.ajv);
    const intIn = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
    this.ajv.addFormat('int32', { type: 'number', validate: intIn(-2_147_483_648, 2_147_483_647) });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    for (const f of ['binary', 'byte', 'password']) this.ajv.addFormat(f, true);
    this.ajv.addSchema({ $id: 'spec', components: doc.components ?? {} });

    const paths = isObject(doc.paths) ? doc.paths : {};
    for (const [pathTemplate, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!isObject(op) || typeof op.operationId !== 'string') continue;
        const pattern = pathTemplate
          .split(/(\{[^}]+\})/)
          .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('');
        const entry: Operation = {
          operationId: op.operationId,
          method: method.toUpperCase(),
          pathTemplate,
          matcher: new RegExp(`^${pattern}/?$`),
          responses: isObject(op.responses) ? op.responses : {},
        };
        this.operations.push(entry);
        this.byId.set(entry.operationId, entry);
      }
    }
  }

  /** The operation for a method and concrete path (`GET /restapi/v1.0/account/~/extension`). */
  findOperation(method: string, path: string): Operation | undefined {
    const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    // Prefer literal segments over templates when several match (e.g. `/extension/{id}` vs `/extension/xyz`).
    const candidates = this.operations.filter((o) => o.method === m && o.matcher.test(path));
    candidates.sort(
      (a, b) => b.pathTemplate.replace(/\{[^}]+\}/g, '').length - a.pathTemplate.replace(/\{[^}]+\}/g, '').length,
    );
    return candidates[0];
  }

  operation(operationId: string): Operation | undefined {
    return this.byId.get(operationId);
  }

  private resolveResponse(response: Json | undefined): JsonObject | undefined {
    if (!isObject(response)) return undefined;
    const ref = response.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/responses/')) {
      const name = ref.slice('#/components/responses/'.length);
      const components = this.doc.components;
      const responses = isObject(components) ? components.responses : undefined;
      return isObject(responses) && isObject(responses[name]) ? responses[name] : undefined;
    }
    return response;
  }

  private schemaRefFor(operation: Operation | undefined, status: number): { name: string; pointer?: string } {
    const own = operation ? this.resolveResponse(operation.responses[String(status)]) : undefined;
    const content = own && isObject(own.content) ? own.content : undefined;
    const media = content ? (content['application/json'] ?? Object.values(content)[0]) : undefined;
    if (operation && isObject(media) && isObject(media.schema)) {
      return { name: `${operation.operationId} ${status}`, pointer: `${operation.operationId}|${status}` };
    }
    if (status >= 200 && status < 300) return { name: `${operation?.operationId ?? 'unknown'} ${status} (no body)` };
    const generic = GENERIC_RESPONSES[status];
    if (generic !== undefined) return { name: `generic ${status} (${generic})`, pointer: `generic|${generic}` };
    return { name: `generic ${status} (ApiErrorResponseModel)`, pointer: 'schema|ApiErrorResponseModel' };
  }

  private compile(pointer: string, operation: Operation | undefined, status: number): ValidateFunction {
    const cached = this.compiled.get(pointer);
    if (cached) return cached;
    let schema: Json;
    const [kind, name = ''] = pointer.split('|');
    if (kind === 'generic') {
      const response = this.resolveResponse({ $ref: `#/components/responses/${name}` });
      const content = response && isObject(response.content) ? response.content : {};
      const media = content['application/json'];
      schema = isObject(media) && isObject(media.schema) ? media.schema : {};
    } else if (kind === 'schema') {
      schema = { $ref: `#/components/schemas/${name}` };
    } else {
      const own = this.resolveResponse(operation!.responses[String(status)])!;
      const content = own.content as JsonObject;
      const media = (content['application/json'] ?? Object.values(content)[0]) as JsonObject;
      schema = media.schema as Json;
    }
    // Refs in the spec are document-relative (`#/components/...`); point them at the registered document.
    const rebased = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"spec#/components/')) as object;
    const fn = this.ajv.compile(rebased);
    this.compiled.set(pointer, fn);
    return fn;
  }

  /**
   * Validates `body` (parsed JSON, or a JSON string) as the response of `operation` (an operationId, or
   * `{ method, path }` with a concrete path) with HTTP `status`.
   */
  validateResponse(
    operation: string | { method: string; path: string },
    status: number,
    body: unknown,
  ): ValidationResult {
    const op =
      typeof operation === 'string' ? this.operation(operation) : this.findOperation(operation.method, operation.path);
    if (typeof operation === 'string' && op === undefined) {
      return { valid: false, schema: operation, errors: [`unknown operationId ${operation}`] };
    }
    const ref = this.schemaRefFor(op, status);
    if (ref.pointer === undefined) {
      const empty = body === undefined || body === '' || body === null;
      return { valid: empty, schema: ref.name, errors: empty ? [] : ['expected an empty body'] };
    }
    let value: unknown = body;
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch {
        return { valid: false, schema: ref.name, errors: ['body is not JSON'] };
      }
    }
    const fn = this.compile(ref.pointer, op, status);
    const valid = fn(value);
    return {
      valid,
      schema: ref.name,
      errors: valid ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`),
    };
  }
}

let shared: SpecValidator | undefined;

/** The process-wide validator (the spec is loaded and checked on first use). */
export function getSpecValidator(): SpecValidator {
  shared ??= new SpecValidator(readSpec());
  return shared;
}

/** Shorthand for `getSpecValidator().validateResponse(...)`. */
export function validateResponse(
  operation: string | { method: string; path: string },
  status: number,
  body: unknown,
): ValidationResult {
  return getSpecValidator().validateResponse(operation, status, body);
}

/** A JSON response seen by a test (what `startTestEmulator` records). */
export interface RecordedResponse {
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Validates every recorded JSON response of the RingCentral surface (`/restapi/...`; the control API and HTML
 * pages are skipped). Returns one line per failure (empty when all are valid).
 */
export function validateRecordedResponses(records: readonly RecordedResponse[]): string[] {
  const failures: string[] = [];
  for (const r of records) {
    if (!r.path.startsWith('/restapi') || !r.contentType.includes('json')) continue;
    const result = validateResponse(r.operationId ?? { method: r.method, path: r.path }, r.status, r.body);
    if (!result.valid) {
      failures.push(
        `${r.method} ${r.path} ${r.status} [${result.schema}]: ${result.errors.join('; ')} :: ${r.body.slice(0, 300)}`,
      );
    }
  }
  return failures;
}
