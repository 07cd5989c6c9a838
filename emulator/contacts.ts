/**
 * @module emulator/contacts
 * Every demo user's personal address book (RingCentral's "External Contacts"): a deterministic seed of a few
 * contacts per user, then whatever the API creates, replaces and deletes. Contact ids are one account-wide
 * sequence; each book keeps its contacts in creation order. A user only ever reaches their own book (the REST layer
 * decides whose book a request may use). `exportState()`/`importState()` turn all books into plain data and back
 * (the emulator's snapshot, `saved-parts.ts`); `onChange` is called after every change such a snapshot must see.
 */
import { DEMO } from './demo.js';
import { createPrng, type Prng } from './prng.js';

/** Free-text fields of `PersonalContactRequest`, with the longest value the emulator keeps. */
export const CONTACT_TEXT_FIELDS = {
  firstName: 128,
  lastName: 128,
  middleName: 128,
  nickName: 128,
  company: 256,
  jobTitle: 256,
  notes: 1024,
  ringtoneIndex: 64,
  appInfo: 64,
} as const;
/** Email fields (`format: email`). */
export const CONTACT_EMAIL_FIELDS = ['email', 'email2', 'email3'] as const;
/** Phone fields ("in e.164 (with "+") format"). */
export const CONTACT_PHONE_FIELDS = [
  'homePhone',
  'homePhone2',
  'businessPhone',
  'businessPhone2',
  'mobilePhone',
  'businessFax',
  'companyPhone',
  'assistantPhone',
  'carPhone',
  'otherPhone',
  'otherFax',
  'callbackPhone',
] as const;
/** Address fields (`ContactAddressInfo`). */
export const CONTACT_ADDRESS_FIELDS = ['homeAddress', 'businessAddress', 'otherAddress'] as const;
/** The parts of an address. */
export const ADDRESS_KEYS = ['street', 'city', 'state', 'zip', 'country'] as const;

export type ContactTextField = keyof typeof CONTACT_TEXT_FIELDS;
export type ContactEmailField = (typeof CONTACT_EMAIL_FIELDS)[number];
export type ContactPhoneField = (typeof CONTACT_PHONE_FIELDS)[number];
export type ContactAddressField = (typeof CONTACT_ADDRESS_FIELDS)[number];

/** One address; every part optional. */
export type ContactAddress = Partial<Record<(typeof ADDRESS_KEYS)[number], string>>;

/** What a contact holds: the writable fields of `PersonalContactRequest` (absent = not set). */
export type ContactFields = Partial<
  Record<ContactTextField | ContactEmailField | ContactPhoneField | 'birthday' | 'webPage', string>
> &
  Partial<Record<ContactAddressField, ContactAddress>>;

/** A stored contact. */
export interface PersonalContact {
  readonly id: number;
  readonly fields: ContactFields;
}

/** The saved form of every book. */
export interface AddressBookState {
  readonly nextId: number;
  readonly contacts: readonly { readonly owner: number; readonly id: number; readonly fields: ContactFields }[];
}

/** Contacts one user may keep in the emulator (bounds memory and the saved state). */
export const MAX_CONTACTS_PER_USER = 500;
/** The first contact id of a fresh emulator. */
export const FIRST_CONTACT_ID = 701_000_001;

/** The address books of the demo users. */
export interface AddressBook {
  /** A user's contacts in creation order (empty for anyone else). */
  list(owner: number): readonly PersonalContact[];
  get(owner: number, id: number): PersonalContact | undefined;
  /** Creates a contact; `undefined` when the user already has {@link MAX_CONTACTS_PER_USER}. */
  create(owner: number, fields: ContactFields): PersonalContact | undefined;
  /** Replaces a contact's fields (a full update); `undefined` when the user has no such contact. */
  replace(owner: number, id: number, fields: ContactFields): PersonalContact | undefined;
  /** Deletes a contact; `false` when the user has no such contact. */
  delete(owner: number, id: number): boolean;
  exportState(): AddressBookState;
  /** Replaces every book (a saved state being loaded; the schema has checked it). */
  importState(state: AddressBookState): void;
  /** Back to the seed. */
  reset(): void;
}

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Sophia',
  'Noah',
  'Mia',
  'Lucas',
  'Amelia',
  'Ethan',
  'Harper',
  'Mason',
  'Zoe',
  'Omar',
  'Priya',
  'Mateo',
  'Hana',
  'Diego',
];
const LAST_NAMES = [
  'Brooks',
  'Chen',
  'Patel',
  'Williams',
  'Rossi',
  'Novak',
  'Okafor',
  'Schmidt',
  'Silva',
  'Dubois',
  'Nakamura',
  'Haddad',
  'Kowalski',
  'Moreau',
];
const COMPANIES: readonly (readonly [string, string])[] = [
  ['Acme Supplies', 'acme-supplies.example'],
  ['Globex', 'globex.example'],
  ['Initech', 'initech.example'],
  ['Umbrella Logistics', 'umbrella-logistics.example'],
  ['Stark Consulting', 'stark-consulting.example'],
  ['Wayne Foods', 'wayne-foods.example'],
];
const JOB_TITLES = ['Account Manager', 'CFO', 'Procurement Lead', 'Support Engineer', 'Office Manager', 'Consultant'];
const CITIES: readonly (readonly [string, string, string, string])[] = [
  ['415', 'San Francisco', 'CA', '94105'],
  ['212', 'New York', 'NY', '10001'],
  ['312', 'Chicago', 'IL', '60601'],
  ['206', 'Seattle', 'WA', '98101'],
  ['512', 'Austin', 'TX', '78701'],
];
const NOTES = ['Prefers email', 'Call after 10 am', 'Renewal due in Q3', 'Met at the trade show'];

function phone(prng: Prng, area: string): string {
  return `+1${area}555${String(prng.int(0, 9999)).padStart(4, '0')}`;
}

function seedContact(prng: Prng): ContactFields {
  const firstName = prng.pick(FIRST_NAMES);
  const lastName = prng.pick(LAST_NAMES);
  const [company, domain] = prng.pick(COMPANIES);
  const [area, city, state, zip] = prng.pick(CITIES);
  return {
    firstName,
    lastName,
    company,
    jobTitle: prng.pick(JOB_TITLES),
    email: `${firstName}.${lastName}@${domain}`.toLowerCase(),
    businessPhone: phone(prng, area),
    ...(prng.chance(0.6) ? { mobilePhone: phone(prng, area) } : {}),
    ...(prng.chance(0.4)
      ? { businessAddress: { street: `${prng.int(1, 999)} Market Street`, city, state, zip, country: 'USA' } }
      : {}),
    ...(prng.chance(0.3) ? { notes: prng.pick(NOTES) } : {}),
  };
}

/** The seed: 3–6 contacts per demo user, the same for the same seed. */
function seedBooks(seed: number): { books: Map<number, PersonalContact[]>; nextId: number } {
  const books = new Map<number, PersonalContact[]>();
  let nextId = FIRST_CONTACT_ID;
  for (const user of DEMO.users) {
    const prng = createPrng((seed ^ (user.extensionId % 1_000_003)) >>> 0);
    const count = prng.int(3, 6);
    const contacts: PersonalContact[] = [];
    for (let i = 0; i < count; i += 1) contacts.push({ id: nextId++, fields: seedContact(prng) });
    books.set(user.extensionId, contacts);
  }
  return { books, nextId };
}

/** Creates the books of the demo users from `seed`; `onChange` after every change. */
export function createAddressBook(seed: number, onChange: () => void = () => undefined): AddressBook {
  let { books, nextId } = seedBooks(seed);
  const bookOf = (owner: number): PersonalContact[] | undefined => books.get(owner);

  return {
    list: (owner) => bookOf(owner) ?? [],
    get: (owner, id) => bookOf(owner)?.find((c) => c.id === id),
    create(owner, fields) {
      let book = bookOf(owner);
      if (book === undefined) {
        book = [];
        books.set(owner, book);
      }
      if (book.length >= MAX_CONTACTS_PER_USER) return undefined;
      const contact: PersonalContact = { id: nextId++, fields };
      book.push(contact);
      onChange();
      return contact;
    },
    replace(owner, id, fields) {
      const book = bookOf(owner);
      const index = book?.findIndex((c) => c.id === id) ?? -1;
      if (book === undefined || index === -1) return undefined;
      const contact: PersonalContact = { id, fields };
      book[index] = contact;
      onChange();
      return contact;
    },
    delete(owner, id) {
      const book = bookOf(owner);
      const index = book?.findIndex((c) => c.id === id) ?? -1;
      if (book === undefined || index === -1) return false;
      book.splice(index, 1);
      onChange();
      return true;
    },
    exportState: () => ({
      nextId,
      contacts: [...books.entries()].flatMap(([owner, book]) =>
        book.map((c) => ({ owner, id: c.id, fields: c.fields })),
      ),
    }),
    importState(state) {
      books = new Map();
      for (const { owner, id, fields } of state.contacts) {
        const book = books.get(owner) ?? [];
        book.push({ id, fields });
        books.set(owner, book);
      }
      for (const book of books.values()) book.sort((a, b) => a.id - b.id);
      nextId = state.contacts.reduce((next, c) => Math.max(next, c.id + 1), state.nextId);
    },
    reset() {
      ({ books, nextId } = seedBooks(seed));
    },
  };
}
