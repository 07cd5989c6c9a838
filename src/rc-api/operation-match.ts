/**
 * @module rc-api/operation-match
 * Which operation of the pinned spec a method and path name: the path is matched against the operations' path
 * templates, segment by segment (`{name}` takes one non-empty segment), the most specific template first (more
 * literal segments win, so `/extension/{extensionId}` never shadows `/extension/bulk-update`). The index is built
 * once, on first use.
 */
import { allOperations, type HttpMethod, type Operation } from './operations.js';

/** An operation and the values of its path parameters (percent-decoded). */
export interface OperationMatch {
  readonly operation: Operation;
  readonly params: Readonly<Record<string, string>>;
}

interface Template {
  readonly operation: Operation;
  /** Literal segments as strings, parameters as `{ name }`. */
  readonly segments: readonly (string | { readonly name: string })[];
  readonly literals: number;
}

let index: Map<string, Template[]> | undefined;

function buildIndex(): Map<string, Template[]> {
  const byMethod = new Map<string, Template[]>();
  for (const operation of allOperations()) {
    const segments = operation.path
      .split('/')
      .slice(1)
      .map((segment) => {
        const param = /^\{([^}]+)\}$/.exec(segment);
        return param?.[1] === undefined ? segment : { name: param[1] };
      });
    const literals = segments.filter((segment) => typeof segment === 'string').length;
    const list = byMethod.get(operation.method) ?? [];
    list.push({ operation, segments, literals });
    byMethod.set(operation.method, list);
  }
  for (const list of byMethod.values()) {
    list.sort((a, b) => b.literals - a.literals || a.segments.length - b.segments.length);
  }
  return byMethod;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The operation `method path` names (path without query, as sent: percent-encoded), or `undefined`. */
export function matchOperation(method: HttpMethod, path: string): OperationMatch | undefined {
  index ??= buildIndex();
  const parts = path.split('/').slice(1);
  if (parts.some((part) => part === '')) return undefined;
  for (const template of index.get(method) ?? []) {
    if (template.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < parts.length && matched; i += 1) {
      const segment = template.segments[i]!;
      const part = parts[i]!;
      if (typeof segment === 'string') matched = segment === part;
      else {
        const value = decode(part);
        if (value === undefined || value === '') matched = false;
        else params[segment.name] = value;
      }
    }
    if (matched) return { operation: template.operation, params };
  }
  return undefined;
}
