/**
 * @module emulator/rest
 * The four REST endpoints of the quick start:
 * `GET /restapi/v1.0/account/{accountId}/extension` (listExtensions, Medium),
 * `GET .../extension/{extensionId}` (readExtension, Light),
 * `GET .../extension/{extensionId}/call-log` (readUserCallLog, Heavy),
 * `GET /restapi/v1.0/account/{accountId}/call-log` (readCompanyCallLog, Heavy).
 * Each request: stats, faults, bearer check, per-(user, app, group) rate limit with `X-Rate-Limit-*` headers, app
 * permission (token scope), `~`/numeric id resolution, then the handler. The extension list is served from a
 * pre-serialized cache (it only changes on reset) so the hot path stays O(1).
 *
 * @see ringcentral-contract.md §4–§6
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { withFault } from './apply-fault.js';
import { renderCallLog, parseCallLogQuery } from './call-log-view.js';
import type { DemoData, ExtensionRecord } from './data.js';
import { EmulatorHttpError, rateExceeded, resourceNotFound, restError } from './errors.js';
import { accountUri, renderExtension, renderExtensionListItem } from './extension-view.js';
import { registerMethodNotAllowed, sendError, sendJson } from './http.js';
import { MAX_PAGE, MAX_PER_PAGE, paginate, toQueryString } from './paging.js';
import { allValues, hasBadEncoding, type Params } from './params.js';
import { rateLimitHeaders, type RateLimitGroup } from './rate-limit.js';
import { authenticateBearer } from './rest-auth.js';
import { readEnumList, readInt, readString } from './rest-params.js';
import type { EmulatorState } from './state.js';
import type { OAuthSession } from './tokens.js';

const EXTENSION_STATUSES = ['Enabled', 'Disabled', 'Frozen', 'NotActivated', 'Unassigned'] as const;
const EXTENSION_TYPES = [
  'User',
  'Department',
  'Announcement',
  'Voicemail',
  'DigitalUser',
  'VirtualUser',
  'FaxUser',
  'PagingOnly',
  'SharedLinesGroup',
  'DelegatedLinesGroup',
  'GroupCallPickup',
  'IvrMenu',
  'ApplicationExtension',
  'ProxyAdmin',
  'RoomConnector',
  'ParkLocation',
  'Limited',
  'Bot',
  'Site',
  'Room',
  'FlexibleUser',
  'TieLine',
  'Unknown',
] as const;

/** Most cached extension-list bodies kept (distinct query strings); the cache is cleared when full. */
const MAX_CACHED_BODIES = 256;
const HOST_PATTERN = /^[A-Za-z0-9.\-[\]:]{1,255}$/;

/** What a REST handler gets once the request is authenticated and within its rate limit. */
interface RestContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly session: OAuthSession;
  readonly data: DemoData;
  readonly base: string;
  readonly query: Params;
  readonly params: Readonly<Record<string, string>>;
}

interface Operation {
  readonly operationId: string;
  readonly url: string;
  readonly group: RateLimitGroup;
  readonly appPermission: string;
  readonly run: (ctx: RestContext) => FastifyReply;
}

/** The emulator's own base URL as the client sees it (links in responses use it). */
export function baseUrlOf(request: FastifyRequest): string {
  const host = request.headers.host;
  return `${request.protocol}://${host !== undefined && HOST_PATTERN.test(host) ? host : 'localhost'}`;
}

function userPermissions(data: DemoData, session: OAuthSession): readonly string[] {
  return data.extensionById.get(session.extensionId)?.user?.userPermissions ?? [];
}

function resolveExtension(ctx: RestContext): ExtensionRecord {
  const raw = ctx.params.extensionId ?? '';
  const id = raw === '~' ? ctx.session.extensionId : /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
  const ext = id === undefined ? undefined : ctx.data.extensionById.get(id);
  if (ext === undefined) throw resourceNotFound('extensionId');
  return ext;
}

function listExtensions(state: EmulatorState, ctx: RestContext): FastifyReply {
  const url = ctx.request.url;
  const q = url.indexOf('?');
  const key = `L|${ctx.base}|${q === -1 ? '' : url.slice(q + 1)}`;
  const cached = state.cache.get(key);
  if (cached !== undefined) return sendJson(ctx.reply, 200, cached);

  const { data, query } = ctx;
  const page = readInt(query, 'page', { min: 1, max: MAX_PAGE, fallback: 1 });
  const perPage = readInt(query, 'perPage', { min: 1, clampAbove: MAX_PER_PAGE, fallback: 100 });
  const statuses = readEnumList(query, 'status', EXTENSION_STATUSES);
  const types = readEnumList(query, 'type', EXTENSION_TYPES);
  const extensionNumber = readString(query, 'extensionNumber', 8);
  const emails = allValues(query, 'email').filter((e) => e !== '');
  if (emails.some((e) => e.length > 254))
    throw restError(400, 'CMN-101', 'Parameter [email] value is invalid.', { parameterName: 'email' });
  const wantedEmails = new Set(emails.map((e) => e.toLowerCase()));

  const matching = data.extensions.filter(
    (e) =>
      (statuses.length === 0 || statuses.includes(e.status)) &&
      (types.length === 0 || types.includes(e.type)) &&
      (extensionNumber === undefined || e.extensionNumber === extensionNumber) &&
      (wantedEmails.size === 0 || (e.contact.email !== undefined && wantedEmails.has(e.contact.email.toLowerCase()))),
  );
  const pairs: [string, string][] = [];
  if (extensionNumber !== undefined) pairs.push(['extensionNumber', extensionNumber]);
  for (const e of emails) pairs.push(['email', e]);
  for (const s of statuses) pairs.push(['status', s]);
  for (const t of types) pairs.push(['type', t]);
  const path = `${accountUri(ctx.base, data)}/extension`;
  const uriFor = (n: number): string =>
    `${path}?${toQueryString([...pairs, ['page', String(n)], ['perPage', String(perPage)]])}`;
  const result = paginate(matching, page, perPage, uriFor);
  const body = Buffer.from(
    JSON.stringify({
      uri: uriFor(page),
      records: result.records.map((e) => renderExtensionListItem(ctx.base, data, e)),
      paging: result.paging,
      navigation: result.navigation,
    }),
  );
  if (state.cache.size >= MAX_CACHED_BODIES) state.cache.clear();
  state.cache.set(key, body);
  return sendJson(ctx.reply, 200, body);
}

function readExtension(ctx: RestContext): FastifyReply {
  const ext = resolveExtension(ctx);
  return sendJson(ctx.reply, 200, renderExtension(ctx.base, ctx.data, ext, ext.id === ctx.session.extensionId));
}

function readUserCallLog(state: EmulatorState, ctx: RestContext): FastifyReply {
  const ext = resolveExtension(ctx);
  if (ext.id !== ctx.session.extensionId && !userPermissions(ctx.data, ctx.session).includes('FullCompanyCallLog')) {
    throw restError(
      403,
      'CMN-419',
      'In order to call this API endpoint for another extension, user needs to have [ReadCallLog] permission granted with extended scope.',
      { permissionName: 'ReadCallLog' },
      { topErrorCode: 'InsufficientPermissions' },
    );
  }
  const scope = { kind: 'user', extensionId: ext.id } as const;
  const q = parseCallLogQuery(ctx.query, scope, state.clock.now());
  return sendJson(ctx.reply, 200, renderCallLog(ctx.base, ctx.data, scope, q));
}

function readCompanyCallLog(state: EmulatorState, ctx: RestContext): FastifyReply {
  if (!userPermissions(ctx.data, ctx.session).includes('FullCompanyCallLog')) {
    throw restError(
      403,
      'CMN-401',
      'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission for requested resource.',
      { permissionName: 'FullCompanyCallLog' },
      { topErrorCode: 'InsufficientPermissions' },
    );
  }
  const scope = { kind: 'account' } as const;
  const q = parseCallLogQuery(ctx.query, scope, state.clock.now());
  return sendJson(ctx.reply, 200, renderCallLog(ctx.base, ctx.data, scope, q));
}

/** Registers the REST routes (on the `/restapi` scope). */
export function registerRestRoutes(app: FastifyInstance, state: EmulatorState): void {
  const operations: Operation[] = [
    {
      operationId: 'listExtensions',
      url: '/restapi/v1.0/account/:accountId/extension',
      group: 'Medium',
      appPermission: 'ReadAccounts',
      run: (ctx) => listExtensions(state, ctx),
    },
    {
      operationId: 'readExtension',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId',
      group: 'Light',
      appPermission: 'ReadAccounts',
      run: readExtension,
    },
    {
      operationId: 'readUserCallLog',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId/call-log',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => readUserCallLog(state, ctx),
    },
    {
      operationId: 'readCompanyCallLog',
      url: '/restapi/v1.0/account/:accountId/call-log',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => readCompanyCallLog(state, ctx),
    },
  ];

  for (const op of operations) {
    const statGroup = `rest.${op.group}`;
    const statOp = `rest.${op.operationId}`;
    const handle = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
      const query = request.query as Params;
      const session = authenticateBearer(state.tokens, request.headers.authorization, query);
      if (session instanceof EmulatorHttpError) {
        state.stats.increment('rest.unauthorized');
        return sendError(reply, session);
      }
      const decision = state.limits.take(op.group, `${session.clientId}|${session.extensionId}`);
      const limitHeaders = rateLimitHeaders(decision);
      if (!decision.allowed) {
        state.stats.increment('rateLimited');
        state.stats.increment(`rateLimited.${op.group}`);
        return sendError(reply, rateExceeded(decision.retryAfterSeconds, limitHeaders));
      }
      reply.headers(limitHeaders);
      try {
        const params = request.params as Record<string, string>;
        if (params.accountId !== '~' && params.accountId !== state.data.accountId) throw resourceNotFound('accountId');
        if (!session.scope.includes(op.appPermission)) {
          throw restError(
            403,
            'CMN-401',
            `In order to call this API endpoint, application needs to have [${op.appPermission}] permission`,
            { permissionName: op.appPermission },
            { topErrorCode: 'InsufficientPermissions' },
          );
        }
        if (hasBadEncoding(query)) throw restError(400, 'CMN-104', 'Cannot parse request');
        return op.run({ request, reply, session, data: state.data, base: baseUrlOf(request), query, params });
      } catch (e) {
        if (e instanceof EmulatorHttpError) return sendError(reply, e);
        throw e;
      }
    };
    app.get(op.url, { config: { operationId: op.operationId } }, (request, reply) => {
      state.stats.increment('rest');
      state.stats.increment(statGroup);
      state.stats.increment(statOp);
      return withFault(state, 'rest', reply, () => handle(request, reply));
    });
    registerMethodNotAllowed(app, op.url, ['GET']);
  }
}
