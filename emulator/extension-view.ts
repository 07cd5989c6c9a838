/**
 * @module emulator/extension-view
 * Renders extensions as RingCentral JSON: list items (`GetExtensionListInfoResponse`) and the full record
 * (`GetExtensionInfoResponse`). URIs use the emulator's own base URL and numeric ids, never `~`.
 *
 * @see ringcentral-contract.md §4.1, §4.2
 */
import type { DemoData, ExtensionRecord } from './data.js';

/** `https://host/restapi/v1.0/account/<id>` for the demo account. */
export function accountUri(base: string, data: DemoData): string {
  return `${base}/restapi/v1.0/account/${data.accountId}`;
}

/** The URI of one extension. */
export function extensionUri(base: string, data: DemoData, id: number): string {
  return `${accountUri(base, data)}/extension/${id}`;
}

function contactOf(ext: ExtensionRecord): Record<string, unknown> {
  const c = ext.contact;
  return {
    ...(c.firstName !== undefined ? { firstName: c.firstName } : {}),
    ...(c.lastName !== undefined ? { lastName: c.lastName } : {}),
    company: c.company,
    ...(c.jobTitle !== undefined ? { jobTitle: c.jobTitle } : {}),
    ...(c.email !== undefined ? { email: c.email } : {}),
    ...(c.businessPhone !== undefined ? { businessPhone: c.businessPhone } : {}),
    ...(c.email !== undefined
      ? { businessAddress: { country: 'US', state: 'CA', city: 'Belmont', street: '20 Davis Drive', zip: '94002' } }
      : {}),
    emailAsLoginName: c.emailAsLoginName,
    pronouncedName: { type: 'Default' },
    ...(c.department !== undefined ? { department: c.department } : {}),
  };
}

/** One record of the extension list. */
export function renderExtensionListItem(base: string, data: DemoData, ext: ExtensionRecord): Record<string, unknown> {
  const uri = extensionUri(base, data, ext.id);
  return {
    uri,
    id: ext.id,
    extensionNumber: ext.extensionNumber,
    contact: contactOf(ext),
    name: ext.name,
    type: ext.type,
    status: ext.status,
    permissions: { admin: { enabled: ext.admin }, internationalCalling: { enabled: ext.internationalCalling } },
    profileImage: { uri: `${uri}/profile-image` },
    hidden: false,
    creationTime: ext.creationTime,
  };
}

/** The demo account's regional settings (US, Pacific time, English), as extensions and the account show them. */
export const REGIONAL_SETTINGS = (base: string): Record<string, unknown> => ({
  homeCountry: {
    id: '1',
    uri: `${base}/restapi/v1.0/dictionary/country/1`,
    name: 'United States',
    isoCode: 'US',
    callingCode: '1',
  },
  timezone: {
    id: '58',
    uri: `${base}/restapi/v1.0/dictionary/timezone/58`,
    name: 'US/Pacific',
    bias: '-480',
  },
  language: { id: '1033', localeCode: 'en-US', name: 'English (United States)' },
  greetingLanguage: { id: '1033', localeCode: 'en-US', name: 'English (United States)' },
  formattingLocale: { id: '1033', localeCode: 'en-US', name: 'English (United States)' },
  timeFormat: '12h',
});

const USER_FEATURES = [
  'CallerIdControl',
  'CallForwarding',
  'Conferencing',
  'DND',
  'Fax',
  'InternationalCalling',
  'Presence',
  'RingOut',
  'SMS',
  'VoipCalling',
  'Voicemail',
  'WebPhone',
] as const;

/**
 * The full extension record. `serviceFeatures` is only included for the caller's own extension, as RingCentral does.
 */
export function renderExtension(
  base: string,
  data: DemoData,
  ext: ExtensionRecord,
  own: boolean,
): Record<string, unknown> {
  const uri = extensionUri(base, data, ext.id);
  return {
    uri,
    id: ext.id,
    extensionNumber: ext.extensionNumber,
    contact: contactOf(ext),
    name: ext.name,
    type: ext.type,
    status: ext.status,
    permissions: { admin: { enabled: ext.admin }, internationalCalling: { enabled: ext.internationalCalling } },
    profileImage: { uri: `${uri}/profile-image` },
    account: { id: data.accountId, uri: accountUri(base, data) },
    regionalSettings: REGIONAL_SETTINGS(base),
    ...(own && ext.type === 'User'
      ? {
          serviceFeatures: USER_FEATURES.map((featureName) => ({
            featureName,
            enabled: featureName !== 'InternationalCalling' || ext.internationalCalling,
          })),
        }
      : {}),
    setupWizardState: ext.type === 'User' ? 'Completed' : 'NotStarted',
    hidden: false,
    creationTime: ext.creationTime,
  };
}
