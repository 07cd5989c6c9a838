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

/** True when `value` is one of {@link API_NAMES}. */
export function isApiName(value: string): value is RingCentralApiName {
  return (API_NAMES as readonly string[]).includes(value);
}
