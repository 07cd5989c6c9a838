/**
 * @module web/views/pages/profile
 * `GET /profile` in a browser: the user's own extension as RingCentral describes it (name, extension number, email,
 * status), the app permissions their login carries and until when the login and this app's session last.
 * RingCentral's body is read defensively: a missing field shows as "not set".
 */
import { asRecord, toSafeHref, toText } from '../format.js';
import type { ProfilePageModel } from '../models.js';
import { splitPath } from '../request-text.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** One instant of the login's validity, in words. */
export interface ValidityView {
  readonly label: string;
  readonly iso: string;
  readonly text: string;
  /** e.g. `in 7 days`. */
  readonly relative: string;
  readonly past: boolean;
  readonly testId: string;
}

/** What `profile.eta` prints. */
export interface ProfileView extends PageData {
  /** Name, extension number, email, status: `value` is `''` when RingCentral did not say. */
  readonly fields: readonly { readonly label: string; readonly value: string; readonly testId: string }[];
  /** `ok` for an enabled extension, `muted` otherwise. */
  readonly statusClass: 'ok' | 'muted';
  readonly permissions: readonly string[];
  readonly validity: readonly ValidityView[];
  readonly requestParts: readonly string[];
  readonly jsonHref: string;
}

/** The user's full name: RingCentral's `name`, else the contact's first and last name. */
function nameOf(extension: Record<string, unknown> | undefined, contact: Record<string, unknown> | undefined) {
  const name = toText(extension?.name).trim();
  if (name !== '') return name;
  return [toText(contact?.firstName), toText(contact?.lastName)].filter((part) => part !== '').join(' ');
}

/** Renders the profile page. */
export function renderProfile(model: ProfilePageModel, kit: ViewKit): string {
  const extension = asRecord(model.extension);
  const contact = asRecord(extension?.contact);
  const status = toText(extension?.status);
  const instant = (label: string, at: number | undefined, testId: string): ValidityView[] =>
    at === undefined || !Number.isFinite(at)
      ? []
      : [
          {
            label,
            iso: new Date(at).toISOString(),
            text: kit.dates.formatDateTime(at, undefined, false),
            relative: kit.dates.formatRelative(at),
            past: at <= kit.now(),
            testId,
          },
        ];
  return kit.render<ProfileView>('profile', {
    chrome: kit.chrome(model, { currentPage: 'profile' }),
    pageTitle: `My profile · ${kit.appName}`,
    pageClass: 'profile',
    fields: [
      { label: 'Name', value: nameOf(extension, contact), testId: 'profile-name' },
      { label: 'Extension number', value: toText(extension?.extensionNumber), testId: 'profile-extension' },
      { label: 'Email', value: toText(contact?.email), testId: 'profile-email' },
      { label: 'Status', value: status, testId: 'profile-status' },
    ],
    statusClass: status === 'Enabled' ? 'ok' : 'muted',
    permissions: model.permissions.filter((permission) => permission !== ''),
    validity: [
      ...instant('RingCentral login (refresh token) valid until', model.sessionExpiresAt, 'login-valid-until'),
      ...instant('If left unused, this app’s session ends', model.sessionEndsAt, 'session-ends'),
    ],
    requestParts: splitPath(model.request),
    jsonHref: toSafeHref(model.jsonHref) ?? '',
  });
}
