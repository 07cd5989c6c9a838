/**
 * @module readiness/readiness-listener
 * Counts every call the app made to RingCentral for the readiness report, from the RingCentral client's call
 * events: per `operationId` by outcome, token refreshes as ok/failed, and the permissions granted in token answers.
 * Only calls that were sent are events: a call the rate-limit governor refused never reached RingCentral.
 */
import type { CallListener } from '../rc-api/call-event.js';
import type { ReadinessStore } from './readiness-store.js';

/** A call listener that counts into `readiness`. */
export function readinessCounter(readiness: ReadinessStore): CallListener {
  return ({ operationId, outcome, grant, scope }) => {
    readiness.recordCall(operationId, outcome);
    if (grant === 'refresh_token') readiness.recordRefresh(outcome !== 'error' && outcome >= 200 && outcome < 300);
    if (scope !== undefined) readiness.recordScope(scope);
  };
}
