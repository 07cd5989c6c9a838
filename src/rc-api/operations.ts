/**
 * @module rc-api/operations
 * RingCentral's API as data: one row per OpenAPI `operationId` of the pinned spec (`spec/rc-public-openapi.yml`,
 * generated into `spec-operations.ts`) with its method, path template, rate-limit group (`x-throttling-group`),
 * app permission (`x-app-permission`), request body types and tags. The RingCentral client calls operations by id,
 * and the governor, the metrics, the readiness report and the views read the same row: nothing guesses an operation
 * from a URL again.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://developers.ringcentral.com/guide/basics/permissions
 */
import { SPEC_OPERATIONS, type OperationId } from './spec-operations.js';

export type { OperationId } from './spec-operations.js';

/** RingCentral's API rate-limit groups, as it names them in `X-Rate-Limit-Group`. */
export const RATE_LIMIT_GROUPS = ['Light', 'Medium', 'Heavy', 'Auth'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One RingCentral operation. */
export interface Operation {
  readonly id: OperationId;
  readonly method: HttpMethod;
  /** Path template, e.g. `/restapi/v1.0/account/{accountId}/extension/{extensionId}/call-log`. */
  readonly path: string;
  readonly group: RateLimitGroup;
  /** The app permission the operation needs (`x-app-permission`); `undefined` when none is named. */
  readonly appPermission: string | undefined;
  /** Content types the operation accepts as a request body (empty: no body). */
  readonly requestTypes: readonly string[];
  readonly tags: readonly string[];
}

/** Path parameters that name "the token's own" account or extension when not given. */
const OWN = '~';

function isGroup(value: string): value is RateLimitGroup {
  return (RATE_LIMIT_GROUPS as readonly string[]).includes(value);
}

function isMethod(value: string): value is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(value);
}

const BY_ID: ReadonlyMap<string, Operation> = new Map(
  SPEC_OPERATIONS.map(([id, method, path, group, permission, types, tags]) => [
    id,
    Object.freeze({
      id,
      method: isMethod(method) ? method : 'GET',
      path,
      group: isGroup(group) ? group : 'Light',
      appPermission: permission === '' ? undefined : permission,
      requestTypes: types === '' ? [] : types.split(' '),
      tags: tags === '' ? [] : tags.split('|'),
    }),
  ]),
);

/** Every operation of the pinned spec. */
export function allOperations(): IterableIterator<Operation> {
  return BY_ID.values();
}

/** The operation with this id (typed ids always exist). */
export function operation(id: OperationId): Operation {
  const found = BY_ID.get(id);
  if (found === undefined) throw new TypeError(`unknown RingCentral operation "${id}"`);
  return found;
}

/** The operation with this id, when `id` names one. */
export function findOperation(id: string): Operation | undefined {
  return BY_ID.get(id);
}

/**
 * The path of `op` with its `{parameters}` filled in: from `params`, else `~` for `accountId` and `extensionId`
 * (the token's own account and extension). Values are percent-encoded.
 * @throws {TypeError} when a parameter has no value
 */
export function expandPath(op: Operation, params?: Readonly<Record<string, string>>): string {
  // Without params the answer depends on the operation alone: worked out once (most calls are of this kind).
  if (params === undefined) {
    let own = OWN_PATHS.get(op);
    if (own === undefined) {
      own = fillPath(op, {});
      OWN_PATHS.set(op, own);
    }
    return own;
  }
  return fillPath(op, params);
}

/** The paths of operations called without params (for the token's own account and extension). */
const OWN_PATHS = new WeakMap<Operation, string>();

function fillPath(op: Operation, params: Readonly<Record<string, string>>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = params[name] ?? (name === 'accountId' || name === 'extensionId' ? OWN : undefined);
    if (value === undefined) throw new TypeError(`RingCentral operation "${op.id}" needs the "${name}" parameter`);
    return value === OWN ? OWN : encodeURIComponent(value);
  });
}

/** The group a group name from `X-Rate-Limit-Group` stands for (RingCentral's examples use lower case). */
export function toRateLimitGroup(value: string | null | undefined): RateLimitGroup | undefined {
  if (value === undefined || value === null) return undefined;
  const lower = value.trim().toLowerCase();
  return RATE_LIMIT_GROUPS.find((group) => group.toLowerCase() === lower);
}
