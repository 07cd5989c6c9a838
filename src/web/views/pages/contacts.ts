/**
 * @module web/views/pages/contacts
 * The Contacts page's shell: the header, a heading, the empty root the browser app (`/assets/contacts.js`) fills
 * in, and a note for browsers without JavaScript. No contact is rendered here: the script reads them through
 * `/api/rc` with the session's cookie, never with a token.
 */
import type { ContactsPageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `contacts.eta` prints. */
export type ContactsView = PageData;

/** Renders the Contacts page's shell. */
export function renderContacts(model: ContactsPageModel, kit: ViewKit): string {
  return kit.render<ContactsView>('contacts', {
    chrome: kit.chrome(model, { scripts: ['contacts.js'], currentPage: 'contacts' }),
    pageTitle: `Contacts · ${kit.appName}`,
    pageClass: 'contacts',
  });
}
