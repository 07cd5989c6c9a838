/**
 * @module web/assets/contacts/app
 * The Contacts page: lists the user's personal RingCentral contacts a page at a time, adds, edits and deletes
 * them, all through the backend for front-ends (`api.ts`). The server sends only the page's shell; this builds
 * the rest with DOM calls (text, never markup).
 *
 * Accessibility: every input has a label; RingCentral's validation errors are shown next to the field they name
 * (`aria-invalid`, `aria-describedby`) and focus moves to the first one; progress and results are announced in a
 * status region, problems (rate limit, session ended, failures) in an alert region; focus moves to the form when
 * editing starts, back to the contact's Edit button when it ends, and to the list's heading after a page change
 * or a delete.
 */
import {
  createContact,
  deleteContact,
  listContacts,
  updateContact,
  type ApiResult,
  type Contact,
  type ContactFields,
  type ContactPage,
  type Failure,
} from './api.js';
import { h, replaceChildren } from './dom.js';

/** Contacts per page. */
export const PER_PAGE = 10;

/** The fields of the form, in RingCentral's names (the `parameterName` of its validation errors). */
const FIELDS: readonly { name: keyof ContactFields; label: string; type: string; autocomplete: string }[] = [
  { name: 'firstName', label: 'First name', type: 'text', autocomplete: 'off' },
  { name: 'lastName', label: 'Last name', type: 'text', autocomplete: 'off' },
  { name: 'email', label: 'Email', type: 'email', autocomplete: 'off' },
  { name: 'mobilePhone', label: 'Mobile phone', type: 'tel', autocomplete: 'off' },
  { name: 'company', label: 'Company', type: 'text', autocomplete: 'off' },
];

const LOGIN_AGAIN = `/login?returnTo=${encodeURIComponent('/contacts')}`;

/** How a contact is named on the page. */
export function displayName(contact: ContactFields): string {
  const name = [contact.firstName, contact.lastName].filter((part) => part !== undefined && part !== '').join(' ');
  return name || contact.company || contact.email || 'Unnamed contact';
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Starts the app in `root` (emptied first). */
export function startContactsApp(root: HTMLElement): void {
  let page = 1;
  let current: ContactPage | undefined;
  let editing: Contact | undefined;
  let loggedOut = false;
  let loadSeq = 0;

  // Live regions exist before anything is written to them, so screen readers announce the changes.
  const status = h('p', { class: 'contacts-status', id: 'contacts-status', role: 'status', 'aria-live': 'polite' });
  const alerts = h('div', { class: 'contacts-alerts', id: 'contacts-alerts', role: 'alert' });

  const formTitle = h('h2', { id: 'contact-form-title' }, 'Add a contact');
  const formError = h('p', { class: 'field-error', id: 'contact-form-error', hidden: true });
  const inputs = new Map<keyof ContactFields, HTMLInputElement>();
  const fieldErrors = new Map<keyof ContactFields, HTMLElement>();
  const grid = h('div', { class: 'filter-grid contact-fields' });
  for (const field of FIELDS) {
    const id = `contact-${field.name}`;
    const input = h('input', { id, name: field.name, type: field.type, autocomplete: field.autocomplete });
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    inputs.set(field.name, input);
    fieldErrors.set(field.name, error);
    grid.append(h('div', { class: 'field' }, h('label', { for: id }, field.label), input, error));
  }
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Add contact');
  const cancel = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Cancel');
  const fieldset = h(
    'fieldset',
    { class: 'contact-fieldset' },
    h('legend', { class: 'visually-hidden' }, 'Contact details'),
    grid,
  );
  const form = h(
    'form',
    { class: 'contact-form', novalidate: true, 'aria-labelledby': 'contact-form-title', 'data-testid': 'contact-form' },
    formError,
    fieldset,
    h('div', { class: 'actions' }, submit, cancel),
  );

  const listTitle = h('h2', { id: 'contacts-list-title', tabindex: '-1' }, 'Your contacts');
  const summary = h('p', { class: 'hint', id: 'contacts-summary' });
  const listBody = h('div', { class: 'contacts-list', 'aria-live': 'off' });
  const previous = h('button', { type: 'button', class: 'button button-secondary' }, 'Previous page');
  const next = h('button', { type: 'button', class: 'button button-secondary' }, 'Next page');
  const position = h('span', { class: 'paging-position' });
  const paging = h(
    'nav',
    { class: 'contacts-paging', 'aria-label': 'Contact pages', hidden: true },
    previous,
    position,
    next,
  );
  const listSection = h(
    'section',
    { class: 'card contacts-card', 'aria-labelledby': 'contacts-list-title', 'data-testid': 'contacts-list' },
    listTitle,
    summary,
    listBody,
    paging,
  );

  replaceChildren(
    root,
    status,
    alerts,
    h('section', { class: 'card contacts-card', 'aria-labelledby': 'contact-form-title' }, formTitle, form),
    listSection,
  );

  function say(text: string): void {
    status.textContent = text;
  }

  function clearAlert(): void {
    replaceChildren(alerts);
  }

  /** Shows a problem in the alert region; returns the element to focus, if any. */
  function showFailure(failure: Failure, retry?: () => void): HTMLElement | undefined {
    say('');
    switch (failure.kind) {
      case 'logged-out': {
        loggedOut = true;
        fieldset.disabled = true;
        submit.disabled = true;
        const link = h('a', { href: LOGIN_AGAIN, class: 'button button-primary' }, 'Log in again');
        replaceChildren(
          alerts,
          h(
            'div',
            { class: 'notice notice-error' },
            h('p', {}, 'Your session has ended, so your contacts cannot be shown or changed. '),
            h('p', {}, link),
          ),
        );
        return link;
      }
      case 'rate-limited': {
        const wait =
          failure.retryAfterSeconds === undefined
            ? 'in a moment'
            : `in ${plural(Math.max(1, failure.retryAfterSeconds), 'second', 'seconds')}`;
        const again = retry && h('button', { type: 'button', class: 'button button-secondary' }, 'Try again');
        again?.addEventListener('click', () => {
          clearAlert();
          retry?.();
        });
        replaceChildren(
          alerts,
          h(
            'div',
            { class: 'notice notice-warning', 'data-testid': 'rate-limited' },
            h(
              'p',
              {},
              `RingCentral’s rate limit for your account is used up for the moment. Please try again ${wait}.`,
            ),
            again && h('p', {}, again),
          ),
        );
        return undefined;
      }
      default: {
        replaceChildren(alerts, h('div', { class: 'notice notice-error' }, h('p', {}, failure.message)));
        return undefined;
      }
    }
  }

  // --- the list -------------------------------------------------------------------------------------------------

  function renderList(result: ContactPage): void {
    current = result;
    page = result.page;
    if (result.records.length === 0) {
      summary.textContent = '';
      replaceChildren(
        listBody,
        h(
          'p',
          { class: 'contacts-empty', 'data-testid': 'contacts-empty' },
          'You have no personal contacts yet. Add your first one with the form above.',
        ),
      );
      paging.hidden = true;
      return;
    }
    const pages = Math.max(1, result.totalPages);
    summary.textContent = `${plural(result.totalElements, 'contact', 'contacts')}${pages > 1 ? ` · page ${result.page} of ${pages}` : ''}`;
    const rows = result.records.map((contact) => {
      const name = displayName(contact);
      const edit = h(
        'button',
        { type: 'button', class: 'button button-quiet', 'data-action': 'edit', 'data-id': String(contact.id) },
        'Edit',
        h('span', { class: 'visually-hidden' }, ` ${name}`),
      );
      const remove = h(
        'button',
        { type: 'button', class: 'button button-quiet', 'data-action': 'delete', 'data-id': String(contact.id) },
        'Delete',
        h('span', { class: 'visually-hidden' }, ` ${name}`),
      );
      edit.addEventListener('click', () => startEdit(contact));
      remove.addEventListener('click', () => void removeContact(contact));
      return h(
        'tr',
        { 'data-contact-id': String(contact.id) },
        h('th', { scope: 'row' }, name),
        h('td', { class: 'email' }, contact.email ?? ''),
        h('td', {}, contact.mobilePhone ?? ''),
        h('td', {}, contact.company ?? ''),
        h('td', { class: 'contact-actions' }, edit, ' ', remove),
      );
    });
    replaceChildren(
      listBody,
      h(
        'div',
        { class: 'table-scroll', role: 'region', 'aria-labelledby': 'contacts-caption', tabindex: '0' },
        h(
          'table',
          { class: 'data-table', 'data-testid': 'contacts-table' },
          h(
            'caption',
            { class: 'visually-hidden', id: 'contacts-caption' },
            `Your contacts, page ${result.page} of ${pages}`,
          ),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Name'),
              h('th', { scope: 'col' }, 'Email'),
              h('th', { scope: 'col' }, 'Mobile phone'),
              h('th', { scope: 'col' }, 'Company'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    );
    paging.hidden = pages <= 1;
    previous.disabled = !result.hasPrevious;
    next.disabled = !result.hasNext;
    position.textContent = `Page ${result.page} of ${pages}`;
  }

  /** Loads page `n`; resolves true when it is shown. */
  async function load(n: number, announce = true): Promise<boolean> {
    const seq = ++loadSeq;
    listSection.setAttribute('aria-busy', 'true');
    if (announce) say('Loading your contacts…');
    const result = await listContacts(n, PER_PAGE);
    if (seq !== loadSeq) return false;
    listSection.removeAttribute('aria-busy');
    if (!result.ok) {
      showFailure(result.failure, () => void load(n));
      return false;
    }
    // A page past the end (the last contact of the last page deleted elsewhere): show the last one there is.
    if (result.value.records.length === 0 && n > 1 && result.value.totalPages > 0) {
      return load(Math.min(n - 1, result.value.totalPages), announce);
    }
    renderList(result.value);
    if (announce) {
      say(
        result.value.records.length === 0
          ? 'You have no personal contacts yet.'
          : `Showing ${plural(result.value.records.length, 'contact', 'contacts')} of ${result.value.totalElements.toLocaleString('en-US')}.`,
      );
    }
    return true;
  }

  async function goTo(n: number): Promise<void> {
    clearAlert();
    if (await load(n)) listTitle.focus();
  }

  previous.addEventListener('click', () => void goTo(page - 1));
  next.addEventListener('click', () => void goTo(page + 1));

  // --- the form -------------------------------------------------------------------------------------------------

  function clearErrors(): void {
    formError.hidden = true;
    formError.textContent = '';
    for (const field of FIELDS) {
      const input = inputs.get(field.name)!;
      const error = fieldErrors.get(field.name)!;
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      error.hidden = true;
      error.textContent = '';
    }
  }

  function valuesOfForm(): ContactFields {
    const fields: ContactFields = {};
    for (const field of FIELDS) {
      const value = inputs.get(field.name)!.value.trim();
      if (value !== '') fields[field.name] = value;
    }
    return fields;
  }

  function fill(contact: ContactFields | undefined): void {
    for (const field of FIELDS) {
      const value = contact?.[field.name];
      inputs.get(field.name)!.value = typeof value === 'string' ? value : '';
    }
  }

  function setMode(contact: Contact | undefined): void {
    editing = contact;
    clearErrors();
    fill(contact);
    formTitle.textContent = contact === undefined ? 'Add a contact' : `Edit ${displayName(contact)}`;
    submit.textContent = contact === undefined ? 'Add contact' : 'Save changes';
    cancel.hidden = contact === undefined;
  }

  function startEdit(contact: Contact): void {
    clearAlert();
    setMode(contact);
    say(`Editing ${displayName(contact)}.`);
    inputs.get('firstName')!.focus();
  }

  function editButtonOf(id: number): HTMLElement | null {
    return listBody.querySelector<HTMLElement>(`button[data-action="edit"][data-id="${String(id)}"]`);
  }

  cancel.addEventListener('click', () => {
    const id = editing?.id;
    setMode(undefined);
    say('Editing cancelled.');
    (id === undefined ? null : editButtonOf(id))?.focus();
  });

  /** Shows RingCentral's validation errors next to their fields; focuses the first. */
  function showInvalid(failure: Extract<Failure, { kind: 'invalid' }>): void {
    say('');
    let first: HTMLElement | undefined;
    const general: string[] = [];
    for (const error of failure.errors.length > 0 ? failure.errors : [{ errorCode: '', message: failure.message }]) {
      const name = FIELDS.find((f) => f.name === ('parameterName' in error ? error.parameterName : undefined))?.name;
      const input = name === undefined ? undefined : inputs.get(name);
      const slot = name === undefined ? undefined : fieldErrors.get(name);
      if (input === undefined || slot === undefined) {
        general.push(error.message);
        continue;
      }
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', slot.id);
      slot.textContent = slot.textContent === '' ? error.message : `${slot.textContent} ${error.message}`;
      slot.hidden = false;
      first ??= input;
    }
    const count = failure.errors.length;
    formError.textContent =
      general.length > 0
        ? `RingCentral did not accept the contact: ${general.join(' ')}`
        : `RingCentral did not accept the contact: please correct ${count === 1 ? 'the field' : `the ${count} fields`} marked below.`;
    formError.hidden = false;
    formError.setAttribute('role', 'alert');
    (first ?? inputs.get('firstName')!).focus();
  }

  function afterFailure(result: Extract<ApiResult<unknown>, { ok: false }>): void {
    if (result.failure.kind === 'invalid') return showInvalid(result.failure);
    const focus = showFailure(result.failure);
    if (result.failure.kind === 'not-found') {
      setMode(undefined);
      void load(page, false);
    }
    focus?.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (loggedOut || submit.disabled) return;
    void save();
  });

  async function save(): Promise<void> {
    clearAlert();
    clearErrors();
    const fields = valuesOfForm();
    if (Object.keys(fields).length === 0) {
      formError.textContent = 'Enter at least a name, an email address or a phone number.';
      formError.hidden = false;
      inputs.get('firstName')!.focus();
      return;
    }
    submit.disabled = true;
    const was = editing;
    say(was === undefined ? 'Adding the contact…' : 'Saving the changes…');
    try {
      if (was === undefined) {
        const result = await createContact(fields);
        if (!result.ok) return afterFailure(result);
        const total = (current?.totalElements ?? 0) + 1;
        setMode(undefined);
        // Contacts are listed in the order they were added: the new one is on the last page.
        await load(Math.max(1, Math.ceil(total / PER_PAGE)), false);
        say(`Added ${displayName(result.value)}.`);
        inputs.get('firstName')!.focus();
      } else {
        // A full update: the fields this page does not show are sent back as they were; cleared ones are removed.
        const merged: Contact = { ...was };
        for (const field of FIELDS) delete (merged as ContactFields)[field.name];
        const result = await updateContact({ ...merged, ...fields });
        if (!result.ok) return afterFailure(result);
        setMode(undefined);
        await load(page, false);
        say(`Saved ${displayName(result.value)}.`);
        (editButtonOf(result.value.id) ?? listTitle).focus();
      }
    } finally {
      submit.disabled = loggedOut;
    }
  }

  async function removeContact(contact: Contact): Promise<void> {
    const name = displayName(contact);
    if (!window.confirm(`Delete ${name} from your contacts?`)) return;
    clearAlert();
    say(`Deleting ${name}…`);
    const result = await deleteContact(contact.id);
    if (!result.ok) return afterFailure(result);
    if (editing?.id === contact.id) setMode(undefined);
    await load(page, false);
    say(`Deleted ${name}.`);
    listTitle.focus();
  }

  void load(1);
}
