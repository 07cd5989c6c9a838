/**
 * @module doctor/error-fixes
 * The "How to fix" line of the app's error pages: a `Views` decorator that adds the one-line fix of the RingCentral
 * error behind a page (a refused login, a missing permission), found by `explain.ts` from the page's code and
 * RingCentral's message. Pages without a known RingCentral cause are left as they are.
 */
import { RCAPP_LOGIN_FAILED, RCAPP_PERMISSION_DENIED } from '../errors.js';
import type { ErrorPageModel, Views } from '../web/views/models.js';
import { explainRingCentralError, type ExplainContext } from './explain.js';

const NAMED_PERMISSION = /needs the "([A-Za-z]{1,64})" permission/;

/** The fix for an error page, or `undefined`. */
export function fixForErrorPage(model: ErrorPageModel, context: ExplainContext): string | undefined {
  const message = typeof model.message === 'string' ? model.message : '';
  if (model.code === RCAPP_PERMISSION_DENIED) {
    const permissionName = NAMED_PERMISSION.exec(message)?.[1];
    return explainRingCentralError(
      { codes: ['InsufficientPermissions'] },
      { ...context, ...(permissionName === undefined ? {} : { permissionName }) },
    )?.fix;
  }
  if (model.code === RCAPP_LOGIN_FAILED) return explainRingCentralError({ message }, context)?.fix;
  return undefined;
}

/** `views` whose error pages carry the fix of their RingCentral cause. */
export function withErrorFixes(views: Views, context: ExplainContext): Views {
  return {
    ...views,
    error(model) {
      if (model.fix !== undefined) return views.error(model);
      const fix = fixForErrorPage(model, context);
      return views.error(fix === undefined ? model : { ...model, fix });
    },
  };
}
