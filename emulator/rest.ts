/**
 * @module emulator/rest
 * The emulated REST operations and the pipeline every request goes through. The quick start's four:
 * `GET /restapi/v1.0/account/{accountId}/extension` (listExtensions, Medium, ReadAccounts),
 * `GET .../extension/{extensionId}` (readExtension, Light, ReadAccounts),
 * `GET .../extension/{extensionId}/call-log` (readUserCallLog, Heavy, ReadCallLog),
 * `GET /restapi/v1.0/account/{accountId}/call-log` (readCompanyCallLog, Heavy, ReadCallLog); and for the next
 * features: `GET /restapi/v1.0/account/{accountId}` (readAccountInfo, Light, ReadAccounts),
 * `GET .../extension/{extensionId}/presence` (readUserPresenceStatus, Light, ReadPresence),
 * `GET .../extension/{extensionId}/call-log-sync` (syncUserCallLog, Heavy, ReadCallLog),
 * `GET /restapi/v1.0/account/{accountId}/call-log-sync` (syncAccountCallLog, Heavy, ReadCallLog) and the personal
 * address book (`rest-contacts.ts`), and an extension's profile image, a streamed binary answer
 * (`rest-profile-image.ts`). Groups and permissions are the spec's `x-throttling-group` / `x-app-permission`.
 * Each request: stats (`rest`, `rest.<group>`, `rest.<operationId>`), faults, bearer check, per-(user, app, group)
 * rate limit with `X-Rate-Limit-*` headers, account id, app permission (token scope), then the handler (`~`/numeric
 * id resolution, user permissions, parameters). The extension list is served from a pre-serialized cache (it only
 * changes on reset) so the hot path stays O(1).
 *
 * @see ringcentral-contract.md §4–§6
 */
import { createHash } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { renderAccountInfo } from './account-view.js';
import { withFault } from './apply-fault.js';
import { syncCallLog } from './call-log-sync.js';
import { renderCallLog, parseCallLogQuery } from './call-log-view.js';
import { EmulatorHttpError, rateExceeded, resourceNotFound, restError } from './errors.js';
import { accountUri, renderExtension, renderExtensionListItem } from './extension-view.js';
import { registerMethodNotAllowed, sendError, sendJson } from './http.js';
import { registerJsonBodyParsers } from './json-body.js';
import { MAX_PAGE, MAX_PER_PAGE, paginate, toQueryString } from './paging.js';
import { allValues, hasBadEncoding, type Params } from './params.js';
import { renderPresence } from './presence-view.js';
import { rateLimitHeaders } from './rate-limit.js';
import { authenticateBearer } from './rest-auth.js';
import { contactOperations } from './rest-contacts.js';
import { profileImageOperations } from './rest-profile-image.js';
import {
  requireCallLogAccess,
  requireFullCompanyCallLog,
  resolveExtension,
  type Operation,
  type RestContext,
} from './rest-context.js';
import { readBool, readEnumList, readInt, readString } from './rest-params.js';
import type { EmulatorState } from './state.js';

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

/** The emulator's own base URL as the client sees it (links in responses use it). */
export function baseUrlOf(request: FastifyRequest): string {
  const host = request.headers.host;
  return `${request.protocol}://${host !== undefined && HOST_PATTERN.test(host) ? host : 'localhost'}`;
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
  requireCallLogAccess(ctx, ext);
  const scope = { kind: 'user', extensionId: ext.id } as const;
  const q = parseCallLogQuery(ctx.query, scope, state.clock.now());
  return sendJson(ctx.reply, 200, renderCallLog(ctx.base, ctx.data, scope, q, state.callLog.userLog(ext.id)));
}

function readCompanyCallLog(state: EmulatorState, ctx: RestContext): FastifyReply {
  requireFullCompanyCallLog(ctx);
  const scope = { kind: 'account' } as const;
  const q = parseCallLogQuery(ctx.query, scope, state.clock.now());
  return sendJson(ctx.reply, 200, renderCallLog(ctx.base, ctx.data, scope, q, state.callLog.accountLog()));
}

function readUserPresenceStatus(state: EmulatorState, ctx: RestContext): FastifyReply {
  const ext = resolveExtension(ctx);
  const options = {
    detailedTelephonyState: readBool(ctx.query, 'detailedTelephonyState') ?? false,
    sipData: readBool(ctx.query, 'sipData') ?? false,
  };
  return sendJson(ctx.reply, 200, renderPresence(ctx.base, ctx.data, ext, state.clock.now(), options));
}

function syncUserCallLog(state: EmulatorState, key: Buffer, ctx: RestContext): FastifyReply {
  const ext = resolveExtension(ctx);
  requireCallLogAccess(ctx, ext);
  const scope = { kind: 'user', extensionId: ext.id } as const;
  return sendJson(ctx.reply, 200, syncCallLog({ ...syncRequest(state, key, ctx), scope }));
}

function syncAccountCallLog(state: EmulatorState, key: Buffer, ctx: RestContext): FastifyReply {
  requireFullCompanyCallLog(ctx);
  return sendJson(ctx.reply, 200, syncCallLog({ ...syncRequest(state, key, ctx), scope: { kind: 'account' } }));
}

function syncRequest(state: EmulatorState, key: Buffer, ctx: RestContext) {
  return { base: ctx.base, data: ctx.data, book: state.callLog, params: ctx.query, now: state.clock.now(), key };
}

/** Every emulated operation. */
function operations(state: EmulatorState): Operation[] {
  // Sync tokens are sealed under a key of this emulator's seed: stable across restarts (a token from before one is
  // then answered "call log was reset", not "cannot be parsed"). It keeps tokens opaque, as RingCentral's are; the
  // demo data is no secret.
  const syncKey = createHash('sha256').update(`rc-authflow emulator call-log-sync|${state.seed}`).digest();
  return [
    {
      operationId: 'listExtensions',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension',
      group: 'Medium',
      appPermission: 'ReadAccounts',
      run: (ctx) => listExtensions(state, ctx),
    },
    {
      operationId: 'readExtension',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId',
      group: 'Light',
      appPermission: 'ReadAccounts',
      run: readExtension,
    },
    {
      operationId: 'readUserCallLog',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId/call-log',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => readUserCallLog(state, ctx),
    },
    {
      operationId: 'readCompanyCallLog',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/call-log',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => readCompanyCallLog(state, ctx),
    },
    {
      operationId: 'readAccountInfo',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId',
      group: 'Light',
      appPermission: 'ReadAccounts',
      run: (ctx) => sendJson(ctx.reply, 200, renderAccountInfo(ctx.base, ctx.data)),
    },
    {
      operationId: 'readUserPresenceStatus',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId/presence',
      group: 'Light',
      appPermission: 'ReadPresence',
      run: (ctx) => readUserPresenceStatus(state, ctx),
    },
    {
      operationId: 'syncUserCallLog',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId/call-log-sync',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => syncUserCallLog(state, syncKey, ctx),
    },
    {
      operationId: 'syncAccountCallLog',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/call-log-sync',
      group: 'Heavy',
      appPermission: 'ReadCallLog',
      run: (ctx) => syncAccountCallLog(state, syncKey, ctx),
    },
    ...contactOperations(state),
    ...profileImageOperations(),
  ];
}

/** Registers one operation: stats, faults, then the pipeline (see the module comment). */
function registerOperation(app: FastifyInstance, state: EmulatorState, op: Operation): void {
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
      return op.run({
        request,
        reply,
        session,
        data: state.data,
        base: baseUrlOf(request),
        query,
        params,
        body: request.body,
      });
    } catch (e) {
      if (e instanceof EmulatorHttpError) return sendError(reply, e);
      throw e;
    }
  };
  app.route({
    method: op.method,
    url: op.url,
    config: { operationId: op.operationId },
    handler: (request, reply) => {
      state.stats.increment('rest');
      state.stats.increment(statGroup);
      state.stats.increment(statOp);
      return withFault(state, 'rest', reply, () => handle(request, reply));
    },
  });
}

/** Registers the REST routes (on the `/restapi` scope, whose parsers read form bodies). */
export function registerRestRoutes(app: FastifyInstance, state: EmulatorState): void {
  const all = operations(state);
  const methodsByUrl = new Map<string, { methods: string[]; jsonBody: boolean }>();
  for (const op of all) {
    const entry = methodsByUrl.get(op.url) ?? { methods: [], jsonBody: op.jsonBody === true };
    entry.methods.push(op.method);
    methodsByUrl.set(op.url, entry);
  }
  const register = (scope: FastifyInstance, jsonBody: boolean): void => {
    for (const op of all) if ((op.jsonBody === true) === jsonBody) registerOperation(scope, state, op);
    for (const [url, entry] of methodsByUrl) {
      if (entry.jsonBody === jsonBody) registerMethodNotAllowed(scope, url, entry.methods);
    }
  };
  register(app, false);
  // Routes that take JSON bodies live in their own scope: their bodies are collected as JSON text.
  void app.register(async (scope) => {
    registerJsonBodyParsers(scope);
    if (state.stateFile !== undefined) {
      // A contact the client was told about must be there after a restart (kill -9 included), as for OAuth answers.
      scope.addHook('onSend', async (request, _reply, payload) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') await state.flush();
        return payload;
      });
    }
    register(scope, true);
    await Promise.resolve();
  });
}
