/**
 * @module rc-api/error-body
 * Reading RingCentral's REST error bodies, and the app error a user sees for a refusal.
 * Error shape: `{ errorCode, message, errors: [{ errorCode, message, permissionName? }], permissionName? }`.
 * @see https://developers.ringcentral.com/guide/basics/errors
 */
import { RCAPP_PERMISSION_DENIED, RestApiError, type AppError } from '../errors.js';
import type { HeaderReader } from './rate-limit-headers.js';
import { errorForStatus } from './upstream-errors.js';

/** What an error body says, each field when present. */
export interface RcErrorInfo {
  /** Top-level `errorCode`, e.g. `InsufficientPermissions`, `TokenInvalid`, `CMN-301`. */
  readonly errorCode?: string;
  /** `errors[0].errorCode`, e.g. `CMN-401`, `OAU-213`. */
  readonly subCode?: string;
  readonly message?: string;
  /** The missing permission of a 403, e.g. `FullCompanyCallLog`. */
  readonly permissionName?: string;
}

function stringField(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length > 0 ? field.slice(0, 500) : undefined;
}

/** Parses an error body; `undefined` when it is not JSON or not an object. Never throws. */
export function parseRcError(body: Buffer): RcErrorInfo | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const errors = (json as { errors?: unknown }).errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const info: Record<string, string> = {};
  const errorCode = stringField(json, 'errorCode');
  const subCode = stringField(first, 'errorCode');
  const message = stringField(json, 'message') ?? stringField(first, 'message');
  const permissionName = stringField(json, 'permissionName') ?? stringField(first, 'permissionName');
  if (errorCode) info.errorCode = errorCode;
  if (subCode) info.subCode = subCode;
  if (message) info.message = message;
  if (permissionName) info.permissionName = permissionName;
  return info;
}

/** The error of a missing permission: locally known, or named by RingCentral's 403. */
export function permissionDenied(
  permission: string | undefined,
  details: { upstreamStatus: number; rcErrorCode?: string | undefined; message?: string | undefined },
): RestApiError {
  const message = permission
    ? `RingCentral refused the call: it needs the "${permission}" permission, which this app or user does not have`
    : `RingCentral refused the call (${details.message ?? 'permission denied'})`;
  return new RestApiError(RCAPP_PERMISSION_DENIED, message, {
    upstreamStatus: details.upstreamStatus,
    rcErrorCode: details.rcErrorCode,
    permissionName: permission,
  });
}

/**
 * The app error for an answer that a user should see explained: 403 (naming the missing permission), 429 (with
 * the wait from `Retry-After`), 5xx. `undefined` for any other status.
 */
export function refusalError(
  answer: { readonly status: number; readonly body: Buffer; header: HeaderReader },
  now: number,
): AppError | undefined {
  const { status } = answer;
  if (status === 403) {
    const info = parseRcError(answer.body);
    return permissionDenied(info?.permissionName, {
      upstreamStatus: status,
      rcErrorCode: info?.subCode ?? info?.errorCode,
      message: info?.message,
    });
  }
  if (status === 429 || status >= 500) return errorForStatus(status, answer.header('retry-after'), now);
  return undefined;
}
