/**
 * @module web/notices
 * One-shot messages shown on the start page, chosen by a fixed key in the URL (`/?notice=logged-out`). The text
 * comes from this table only, so nothing a link carries is ever shown.
 */

export type NoticeKey = 'logged-out' | 'session-ended' | 'login-cancelled';

export interface Notice {
  readonly kind: 'info' | 'warning' | 'error';
  readonly text: string;
}

const NOTICES: Readonly<Record<NoticeKey, Notice>> = {
  'logged-out': { kind: 'info', text: 'You have been logged out.' },
  'session-ended': {
    kind: 'warning',
    text: 'Your RingCentral session has ended, please log in again.',
  },
  'login-cancelled': { kind: 'info', text: 'The login was cancelled.' },
};

/** The notice for a key from the URL, or `undefined` for anything unknown. */
export function noticeFor(key: string | undefined): Notice | undefined {
  return key !== undefined && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : undefined;
}

/** The start-page URL that shows `key`. */
export function noticeUrl(key: NoticeKey): string {
  return `/?notice=${key}`;
}
