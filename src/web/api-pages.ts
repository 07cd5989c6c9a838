/**
 * @module web/api-pages
 * The RingCentral APIs of the quick start's `/test?api=` pages, as the pages name them: the operation each one
 * calls, the seed's link label, a short label for the navigation, the page title and description. The path,
 * method, rate-limit group and permission come from the operation's row (`rc-api/operations.ts`). Plus the app's
 * own pages in the header navigation (Contacts), whose browser scripts call RingCentral through `/api/rc`.
 * @see https://developers.ringcentral.com/guide/authentication/quick-start
 */
import { expandPath, operation, type OperationId } from '../rc-api/operations.js';

/** `/test?api=` values, in the quick start's order. */
export const API_NAMES = ['extension', 'extension-call-log', 'account-call-log'] as const;
export type ApiName = (typeof API_NAMES)[number];

/** One `/test?api=` page. */
export interface ApiPage {
  readonly api: ApiName;
  readonly operationId: OperationId;
  /** Title of the result page. */
  readonly title: string;
  /** The quick start's link text. */
  readonly label: string;
  /** Short text for the header navigation. */
  readonly navLabel: string;
  readonly description: string;
  readonly href: string;
  /** The RingCentral request it makes, e.g. `GET /restapi/v1.0/account/~/extension`. */
  readonly request: string;
}

function page(api: ApiName, operationId: OperationId, text: Omit<ApiPage, 'api' | 'operationId' | 'href' | 'request'>) {
  const op = operation(operationId);
  return Object.freeze({
    api,
    operationId,
    ...text,
    href: `/test?api=${api}`,
    request: `${op.method} ${expandPath(op)}`,
  });
}

/** In the quick start's order. */
export const API_PAGES: readonly ApiPage[] = Object.freeze([
  page('extension', 'listExtensions', {
    title: 'Extensions',
    label: 'Read Extension Info',
    navLabel: 'Extensions',
    description: 'The extensions of your RingCentral account (users, departments, IVR menus ...).',
  }),
  page('extension-call-log', 'readUserCallLog', {
    title: 'Your call log',
    label: 'Read Extension Call Log',
    navLabel: 'My call log',
    description: 'Your own calls of the last 24 hours.',
  }),
  page('account-call-log', 'readCompanyCallLog', {
    title: 'Account call log',
    label: 'Read Account Call Log',
    navLabel: 'Company call log',
    description: 'Every call of the account in the last 24 hours (needs the FullCompanyCallLog permission).',
  }),
]);

/** True when `value` is one of {@link API_NAMES}. */
export function isApiName(value: unknown): value is ApiName {
  return (API_NAMES as readonly unknown[]).includes(value);
}

/** The page of `api`. */
export function apiPage(api: ApiName): ApiPage {
  return API_PAGES.find((entry) => entry.api === api)!;
}

/** The page of `api`, if it is one of the three. */
export function findApi(api: unknown): ApiPage | undefined {
  return API_PAGES.find((entry) => entry.api === api);
}

/** Pages of the app beyond the quick start's, by name. */
export type AppPageName = 'profile' | 'contacts';

/** A page of the app beyond the quick start's: a server-rendered page, or a browser app over `/api/rc`. */
export interface AppPage {
  readonly name: AppPageName;
  readonly href: string;
  /** Short text for the header navigation, also the page's title. */
  readonly navLabel: string;
  /** The RingCentral operations the page calls (through its route, or its script through `/api/rc`). */
  readonly operationIds: readonly OperationId[];
}

/** In the header's order, after the API pages. */
export const APP_PAGES: readonly AppPage[] = Object.freeze([
  Object.freeze({
    name: 'profile',
    href: '/profile',
    navLabel: 'My profile',
    operationIds: Object.freeze(['readExtension'] as const),
  }),
  Object.freeze({
    name: 'contacts',
    href: '/contacts',
    navLabel: 'Contacts',
    operationIds: Object.freeze(['listContacts', 'createContact', 'updateContact', 'deleteContact'] as const),
  }),
]);
