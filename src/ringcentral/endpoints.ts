/**
 * @module ringcentral/endpoints
 * The RingCentral REST endpoints of the quick start, by the `/test?api=` name, plus the current user.
 * `~` is the account/extension of the token's owner.
 * @see https://developers.ringcentral.com/api-reference/Extensions/listExtensions
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readUserCallLog
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readCompanyCallLog
 */

/** `/test?api=` values. */
export const API_NAMES = ['extension', 'extension-call-log', 'account-call-log'] as const;
export type RingCentralApiName = (typeof API_NAMES)[number];

/** One REST endpoint the app calls. */
export interface Endpoint {
  readonly path: string;
  /** Human title of the result page. */
  readonly title: string;
  /** The quick start's link label. */
  readonly label: string;
  readonly description: string;
}

export const ENDPOINTS: Readonly<Record<RingCentralApiName, Endpoint>> = {
  extension: {
    path: '/restapi/v1.0/account/~/extension',
    title: 'Extensions',
    label: 'Read Extension Info',
    description: 'The extensions of your RingCentral account (users, departments, IVR menus ...).',
  },
  'extension-call-log': {
    path: '/restapi/v1.0/account/~/extension/~/call-log',
    title: 'Your call log',
    label: 'Read Extension Call Log',
    description: 'Your own calls of the last 24 hours.',
  },
  'account-call-log': {
    path: '/restapi/v1.0/account/~/call-log',
    title: 'Account call log',
    label: 'Read Account Call Log',
    description: 'Every call of the account in the last 24 hours (needs the FullCompanyCallLog permission).',
  },
};

/** The logged-in user's own extension (name and number for the page header). */
export const CURRENT_EXTENSION_PATH = '/restapi/v1.0/account/~/extension/~';

/** RingCentral's API rate-limit groups (`x-throttling-group`), as it names them in `X-Rate-Limit-Group`. */
export const RATE_LIMIT_GROUPS = ['Light', 'Medium', 'Heavy', 'Auth'] as const;
export type RateLimitGroupName = (typeof RATE_LIMIT_GROUPS)[number];

/** One RingCentral operation the app calls: its OpenAPI `operationId`, throttling group and app permission. */
export interface Operation {
  readonly operationId: string;
  readonly group: RateLimitGroupName;
  /** `x-app-permission`; `undefined` for the OAuth endpoints (no permission needed). */
  readonly appPermission?: string;
}

/**
 * Every REST path the app calls, with what the OpenAPI spec says of it (`x-throttling-group`, `x-app-permission`).
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 * @see https://developers.ringcentral.com/guide/basics/permissions
 */
export const REST_OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  [ENDPOINTS.extension.path, { operationId: 'listExtensions', group: 'Medium', appPermission: 'ReadAccounts' }],
  [CURRENT_EXTENSION_PATH, { operationId: 'readExtension', group: 'Light', appPermission: 'ReadAccounts' }],
  [
    ENDPOINTS['extension-call-log'].path,
    { operationId: 'readUserCallLog', group: 'Heavy', appPermission: 'ReadCallLog' },
  ],
  [
    ENDPOINTS['account-call-log'].path,
    { operationId: 'readCompanyCallLog', group: 'Heavy', appPermission: 'ReadCallLog' },
  ],
]);

/** The OAuth endpoints (throttling group `Auth`). */
export const TOKEN_OPERATION: Operation = { operationId: 'getToken', group: 'Auth' };
export const REVOKE_OPERATION: Operation = { operationId: 'revokeToken', group: 'Auth' };

/** The group a group name from `X-Rate-Limit-Group` stands for (RingCentral's examples use lower case). */
export function toRateLimitGroup(value: string | undefined): RateLimitGroupName | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  return RATE_LIMIT_GROUPS.find((group) => group.toLowerCase() === lower);
}

/** True when `value` is one of {@link API_NAMES}. */
export function isApiName(value: string): value is RingCentralApiName {
  return (API_NAMES as readonly string[]).includes(value);
}
