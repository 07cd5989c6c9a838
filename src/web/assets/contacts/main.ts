/**
 * @module web/assets/contacts/main
 * Entry of `/assets/contacts.js` (bundled at start by `web/assets/index.ts`): starts the Contacts app in the
 * page's `#contacts-app` root once the document is parsed (the script is `defer`).
 */
import { startContactsApp } from './app.js';

const root = document.getElementById('contacts-app');
if (root !== null && typeof window.fetch === 'function') startContactsApp(root);
