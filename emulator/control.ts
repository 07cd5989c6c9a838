/**
 * @module emulator/control
 * The control API under `/__emulator/` (JSON), for tests and demos:
 * `GET stats`, `GET state` (clock, limits, faults, sessions, added calls, ...), `POST reset` (the saved state too,
 * when there is one), `POST clock` `{ advanceSeconds }`, `POST faults` `{ route, status?, delayMs?, count }`,
 * `POST limits` `{ group, limit?, windowSeconds?, penaltySeconds? }`,
 * `POST redirect-uris` `{ uri }`, `POST call-log` `{ extensionNumber? | extensionId?, record? }` (adds a call to a
 * user's log, see `call-log-add.ts`). Bodies are validated strictly (unknown keys rejected) and answered 400 with a
 * RingCentral-style body when wrong. Only requests whose `Host` is a loopback name or address are obeyed, and
 * requests carrying a foreign `Origin` are refused (both 403), so a web page cannot drive a local emulator, not even
 * through DNS rebinding; bodies must be `application/json` (anything else 415).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

import { validateRedirectUri } from './apps.js';
import { buildAddedCall, type CallInput } from './call-log-add.js';
import { CALL_ACTIONS, CALL_INTERNAL_TYPES, CALL_REASONS, CALL_RESULTS } from './call-log-enums.js';
import { renderCallRecord } from './call-log-view.js';
import { EmulatorHttpError, restError } from './errors.js';
import { FAULT_ROUTES, MAX_FAULT_DELAY_MS } from './faults.js';
import { sendError, sendJson } from './http.js';
import { RATE_LIMIT_GROUPS } from './rate-limit.js';
import { baseUrlOf } from './rest.js';
import { parseDateTime } from './rest-params.js';
import type { EmulatorState } from './state.js';

const ClockBody = z.strictObject({
  advanceSeconds: z
    .number()
    .finite()
    .min(0)
    .max(10 * 365 * 86_400),
});
const FaultBody = z
  .strictObject({
    route: z.enum(FAULT_ROUTES),
    status: z.int().min(400).max(599).optional(),
    delayMs: z.int().min(0).max(MAX_FAULT_DELAY_MS).optional(),
    count: z.int().min(1).max(10_000),
  })
  .refine((b) => b.status !== undefined || b.delayMs !== undefined, { message: 'give "status" and/or "delayMs"' });
const LimitsBody = z
  .strictObject({
    group: z.enum(RATE_LIMIT_GROUPS),
    limit: z.int().min(1).max(1_000_000_000).optional(),
    windowSeconds: z.int().min(1).max(86_400).optional(),
    penaltySeconds: z.int().min(0).max(86_400).optional(),
  })
  .refine((b) => b.limit !== undefined || b.windowSeconds !== undefined || b.penaltySeconds !== undefined, {
    message: 'give at least one of "limit", "windowSeconds", "penaltySeconds"',
  });
const RedirectUriBody = z.strictObject({ uri: z.string() });
const PartyBody = z.strictObject({
  phoneNumber: z
    .string()
    .regex(/^\+?\d{3,15}$/)
    .optional(),
  extensionNumber: z
    .string()
    .regex(/^\d{1,8}$/)
    .optional(),
  name: z.string().min(1).max(128).optional(),
  location: z.string().min(1).max(128).optional(),
});
const CallLogBody = z
  .strictObject({
    extensionNumber: z
      .string()
      .regex(/^\d{1,8}$/)
      .optional(),
    extensionId: z.union([z.int().positive(), z.string().regex(/^\d{1,15}$/)]).optional(),
    record: z
      .strictObject({
        startTime: z
          .string()
          .max(40)
          .refine((v) => parseDateTime(v) !== undefined, { message: 'an ISO 8601 date-time' })
          .optional(),
        duration: z.int().min(0).max(86_400).optional(),
        type: z.enum(['Voice', 'Fax']).optional(),
        direction: z.enum(['Inbound', 'Outbound']).optional(),
        action: z.enum(CALL_ACTIONS).optional(),
        result: z.enum(CALL_RESULTS).optional(),
        reason: z.enum(CALL_REASONS).optional(),
        reasonDescription: z.string().max(256).optional(),
        transport: z.enum(['PSTN', 'VoIP']).optional(),
        internalType: z.enum(CALL_INTERNAL_TYPES).optional(),
        from: PartyBody.optional(),
        to: PartyBody.optional(),
        recording: z.strictObject({ type: z.enum(['Automatic', 'OnDemand']) }).optional(),
      })
      .optional(),
  })
  .refine((b) => b.extensionNumber !== undefined || b.extensionId !== undefined, {
    message: 'give "extensionNumber" or "extensionId" of a demo user',
  });

/** `localhost`, `127.x.x.x` or `[::1]`, each with an optional port: the only `Host` values the control API obeys. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * Whether a request's `Host` header names this machine's loopback interface. A page that rebinds its own DNS name
 * to 127.0.0.1 still sends its own name as `Host`, so this check (not the listening address) is what keeps
 * browsers from driving the control API; a missing `Host` is refused too.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

function badBody(message: string): EmulatorHttpError {
  return restError(400, 'CMN-101', `Invalid request body: ${message}`, { parameterName: 'body' });
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue !== undefined && issue.path.length > 0 ? `"${issue.path.join('.')}": ` : '';
    throw badBody(`${where}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

function clockView(state: EmulatorState): Record<string, unknown> {
  const now = state.clock.now();
  return { now: new Date(now).toISOString(), nowMs: now, offsetSeconds: state.clock.offsetMs() / 1000 };
}

/** Registers the control routes (call inside a scope with prefix `/__emulator`). */
export function registerControlRoutes(app: FastifyInstance, state: EmulatorState): void {
  // Empty JSON bodies are fine (`POST reset` has none); anything else goes through Fastify's safe JSON parser.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 16_384 }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    void jsonParser(request, text, done);
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (!isLoopbackHostHeader(request.headers.host)) {
      sendError(
        reply,
        restError(403, 'CMN-101', 'The control API answers only requests to localhost, 127.0.0.1 or [::1]', {
          parameterName: 'Host',
        }),
      );
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host ?? ''}`) {
      sendError(reply, restError(403, 'CMN-101', 'Cross-origin requests to the control API are not allowed'));
      return;
    }
    done();
  });

  const handle = (fn: () => unknown) => (_request: unknown, reply: FastifyReply) => {
    try {
      return sendJson(reply, 200, fn());
    } catch (e) {
      if (e instanceof EmulatorHttpError) return sendError(reply, e);
      throw e;
    }
  };

  app.get(
    '/stats',
    handle(() => state.stats.snapshot()),
  );

  app.get(
    '/state',
    handle(() => ({
      ...clockView(state),
      seed: state.seed,
      accountId: state.data.accountId,
      dataGeneratedAt: new Date(state.data.generatedAt).toISOString(),
      activeSessions: state.tokens.activeSessions(),
      addedCalls: state.callLog.addedCount(),
      redirectUris: state.apps.redirectUris(),
      stateFile: state.stateFile ?? null,
      limits: Object.fromEntries(RATE_LIMIT_GROUPS.map((g) => [g, state.limits.config(g)])),
      faults: state.faults.pending(),
    })),
  );

  app.post('/reset', async (request, reply) => {
    state.reset();
    // The saved state is cleared too before the answer: a restart right after a reset starts from nothing.
    await state.flush();
    return handle(() => ({ reset: true, ...clockView(state) }))(request, reply);
  });

  app.post('/clock', (request, reply) =>
    handle(() => {
      const body = parseBody(ClockBody, request.body);
      state.clock.advance(body.advanceSeconds);
      return clockView(state);
    })(request, reply),
  );

  app.post('/faults', (request, reply) =>
    handle(() => {
      const body = parseBody(FaultBody, request.body);
      state.faults.add(body.route, {
        count: body.count,
        ...(body.status !== undefined ? { status: body.status } : {}),
        ...(body.delayMs !== undefined ? { delayMs: body.delayMs } : {}),
      });
      return { faults: state.faults.pending() };
    })(request, reply),
  );

  app.post('/limits', (request, reply) =>
    handle(() => {
      const { group, ...change } = parseBody(LimitsBody, request.body);
      const config = state.limits.configure(group, {
        ...(change.limit !== undefined ? { limit: change.limit } : {}),
        ...(change.windowSeconds !== undefined ? { windowSeconds: change.windowSeconds } : {}),
        ...(change.penaltySeconds !== undefined ? { penaltySeconds: change.penaltySeconds } : {}),
      });
      return { group, ...config };
    })(request, reply),
  );

  app.post('/call-log', async (request, reply) => {
    let answer: unknown;
    try {
      const body = parseBody(CallLogBody, request.body);
      const byNumber =
        body.extensionNumber === undefined
          ? undefined
          : state.data.extensions.find((e) => e.extensionNumber === body.extensionNumber);
      const byId = body.extensionId === undefined ? undefined : state.data.extensionById.get(Number(body.extensionId));
      if (body.extensionNumber !== undefined && body.extensionId !== undefined && byNumber !== byId) {
        throw badBody('"extensionNumber" and "extensionId" name different extensions');
      }
      const owner = byNumber ?? byId;
      if (owner?.user === undefined) {
        throw badBody(`"${body.extensionNumber !== undefined ? 'extensionNumber' : 'extensionId'}": not a demo user`);
      }
      const { startTime, ...fields } = body.record ?? {};
      const input: CallInput = {
        ...fields,
        ...(startTime !== undefined ? { startTime: parseDateTime(startTime) } : {}),
      };
      const record = buildAddedCall(state.data, owner, input, state.clock.now(), (id) => state.callLog.hasId(id));
      let seq: number;
      try {
        seq = state.callLog.add(record).seq;
      } catch (e) {
        throw badBody(e instanceof Error ? e.message : 'the call log is full');
      }
      const scope = { kind: 'user', extensionId: owner.id } as const;
      answer = {
        extensionId: owner.id,
        seq,
        record: renderCallRecord(baseUrlOf(request), state.data, scope, record, 'Detailed'),
      };
    } catch (e) {
      if (e instanceof EmulatorHttpError) return sendError(reply, e);
      throw e;
    }
    // Saved before the answer, as a REST write is: a restart right after it still has the record.
    await state.flush();
    return sendJson(reply, 200, answer);
  });

  app.post('/redirect-uris', (request, reply) =>
    handle(() => {
      const { uri } = parseBody(RedirectUriBody, request.body);
      const problem = validateRedirectUri(uri);
      if (problem !== undefined) throw badBody(problem);
      try {
        state.apps.registerRedirectUri(uri);
      } catch (e) {
        throw badBody(e instanceof Error ? e.message : 'invalid');
      }
      return { redirectUris: state.apps.redirectUris() };
    })(request, reply),
  );
}
