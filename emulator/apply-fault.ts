/**
 * @module emulator/apply-fault
 * Applies an injected fault (see `faults.ts`) to a request: waits the delay, then answers the status with a
 * RingCentral-shaped body (OAuth shape on OAuth routes), or carries on normally when the rule has no status.
 * Requests without a pending fault stay synchronous (the REST hot path never awaits).
 */
import type { FastifyReply } from 'fastify';

import { genericError, genericOAuthError } from './errors.js';
import type { FaultRoute } from './faults.js';
import { sendError } from './http.js';
import type { EmulatorState } from './state.js';

/** Runs `proceed` unless a fault for `route` is pending; then applies the fault first. */
export function withFault(
  state: EmulatorState,
  route: FaultRoute,
  reply: FastifyReply,
  proceed: () => FastifyReply,
): FastifyReply | Promise<FastifyReply> {
  const fault = state.faults.next(route);
  if (fault === undefined) return proceed();
  state.stats.increment('faults');
  state.stats.increment(`faults.${route}`);
  const finish = (): FastifyReply => {
    if (fault.status === undefined) return proceed();
    return sendError(reply, route === 'rest' ? genericError(fault.status) : genericOAuthError(fault.status));
  };
  return fault.delayMs !== undefined && fault.delayMs > 0 ? state.faults.delay(fault.delayMs).then(finish) : finish();
}
