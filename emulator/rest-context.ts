/**
 * @module emulator/rest-context
 * What a REST operation is (operationId, method, path, rate-limit group, app permission, handler) and what its
 * handler gets once the request is authenticated, within its rate limit and permitted: the session, the demo data,
 * the base URL, query, path parameters and the (unparsed) body. Plus the checks several operations share: `~` and
 * numeric extension ids, and the user permissions the call logs need.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { DemoData, ExtensionRecord } from './data.js';
import { resourceNotFound, restError } from './errors.js';
import type { Params } from './params.js';
import type { RateLimitGroup } from './rate-limit.js';
import type { OAuthSession } from './tokens.js';

/** What a REST handler gets once the request is authenticated and within its rate limit. */
export interface RestContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly session: OAuthSession;
  readonly data: DemoData;
  readonly base: string;
  readonly query: Params;
  readonly params: Readonly<Record<string, string>>;
  /** The request body as the scope's parsers left it (see `json-body.ts`); undefined without one. */
  readonly body: unknown;
}

/** One emulated operation of the spec (`x-throttling-group`, `x-app-permission`). */
export interface Operation {
  readonly operationId: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify route path (`:accountId`, `:extensionId`, ...). */
  readonly url: string;
  readonly group: RateLimitGroup;
  readonly appPermission: string;
  /** Registered where bodies are collected as JSON text (`json-body.ts`) instead of parsed as forms. */
  readonly jsonBody?: boolean;
  readonly run: (ctx: RestContext) => FastifyReply;
}

/** The user permissions of the session's user. */
export function userPermissions(data: DemoData, session: OAuthSession): readonly string[] {
  return data.extensionById.get(session.extensionId)?.user?.userPermissions ?? [];
}

/** The extension of `{extensionId}`: `~` is the caller's, a numeric id any in the account; else 404 CMN-102. */
export function resolveExtension(ctx: RestContext): ExtensionRecord {
  const raw = ctx.params.extensionId ?? '';
  const id = raw === '~' ? ctx.session.extensionId : /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
  const ext = id === undefined ? undefined : ctx.data.extensionById.get(id);
  if (ext === undefined) throw resourceNotFound('extensionId');
  return ext;
}

/** Another extension's call log needs `FullCompanyCallLog` (403 CMN-419, as RingCentral lists for the user log). */
export function requireCallLogAccess(ctx: RestContext, ext: ExtensionRecord): void {
  if (ext.id !== ctx.session.extensionId && !userPermissions(ctx.data, ctx.session).includes('FullCompanyCallLog')) {
    throw restError(
      403,
      'CMN-419',
      'In order to call this API endpoint for another extension, user needs to have [ReadCallLog] permission granted with extended scope.',
      { permissionName: 'ReadCallLog' },
      { topErrorCode: 'InsufficientPermissions' },
    );
  }
}

/** The account call log needs `FullCompanyCallLog` (403 CMN-401 InsufficientPermissions). */
export function requireFullCompanyCallLog(ctx: RestContext): void {
  if (!userPermissions(ctx.data, ctx.session).includes('FullCompanyCallLog')) {
    throw restError(
      403,
      'CMN-401',
      'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission for requested resource.',
      { permissionName: 'FullCompanyCallLog' },
      { topErrorCode: 'InsufficientPermissions' },
    );
  }
}
