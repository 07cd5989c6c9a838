/**
 * @module web/views/api-catalog
 * The three RingCentral APIs of the quick start as the pages name them: the seed's link labels, a short label for
 * the navigation, and the RingCentral request each one makes.
 * @see https://developers.ringcentral.com/guide/authentication/quick-start
 */
import type { ApiName } from './models.js';

export interface ApiEntry {
  readonly api: ApiName;
  /** The quick start's link text. */
  readonly label: string;
  /** Short text for the header navigation. */
  readonly navLabel: string;
  readonly href: string;
  readonly request: string;
}

/** In the quick start's order. */
export const API_CATALOG: readonly ApiEntry[] = Object.freeze([
  {
    api: 'extension',
    label: 'Read Extension Info',
    navLabel: 'Extensions',
    href: '/test?api=extension',
    request: 'GET /restapi/v1.0/account/~/extension',
  },
  {
    api: 'extension-call-log',
    label: 'Read Extension Call Log',
    navLabel: 'My call log',
    href: '/test?api=extension-call-log',
    request: 'GET /restapi/v1.0/account/~/extension/~/call-log',
  },
  {
    api: 'account-call-log',
    label: 'Read Account Call Log',
    navLabel: 'Company call log',
    href: '/test?api=account-call-log',
    request: 'GET /restapi/v1.0/account/~/call-log',
  },
]);

/** The catalog entry of `api`, if it is one of the three. */
export function findApi(api: unknown): ApiEntry | undefined {
  return API_CATALOG.find((entry) => entry.api === api);
}
