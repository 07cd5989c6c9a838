/**
 * @module rc-api/error-fixes
 * The "How to fix" line of the app's error pages: the one-line fix of the RingCentral error behind an app error
 * (a refused login, a missing permission), found by `explain.ts` from the error's code and message. Errors without
 * a known RingCentral cause have none.
 */
import { RCAPP_LOGIN_FAILED, RCAPP_PERMISSION_DENIED } from '../errors.js';
import { explainRingCentralError, type ExplainContext } from './error-explanations.js';

const NAMED_PERMISSION = /needs the "([A-Za-z]{1,64})" permission/;

/** The fix for an app error with this code and message, or `undefined`. */
export function fixForError(code: string, message: string, context: ExplainContext): string | undefined {
  if (code === RCAPP_PERMISSION_DENIED) {
    const permissionName = NAMED_PERMISSION.exec(message)?.[1];
    return explainRingCentralError(
      { codes: ['InsufficientPermissions'] },
      { ...context, ...(permissionName === undefined ? {} : { permissionName }) },
    )?.fix;
  }
  if (code === RCAPP_LOGIN_FAILED) return explainRingCentralError({ message }, context)?.fix;
  return undefined;
}
