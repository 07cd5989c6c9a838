/**
 * @module emulator/rest-contacts
 * The personal address book (spec tag "External Contacts"), every operation Heavy like RingCentral's:
 * `GET .../extension/{extensionId}/address-book/contact` (listContacts, ReadContacts),
 * `POST` the same (createContact, Contacts; 200 with the contact),
 * `GET .../contact/{contactId}` (readContact, ReadContacts), `PUT` (updateContact, Contacts; a full update),
 * `PATCH` (patchContact, Contacts; a partial update: the properties sent replace the stored ones, `null` removes
 * one, the rest stay) and `DELETE` (deleteContact, Contacts; 204).
 * A user only ever reaches their own book: `{extensionId}` must be `~` or the caller's own id, anything else is
 * 404 `CMN-102 Resource for parameter [extensionId] is not found`, the code RingCentral lists for these operations
 * (whether or not that extension exists, so nothing about other users leaks). An unknown contact is 404 `CMN-102`
 * for `contactId`; the bulk syntax (`1,2,3`) is not emulated (400 CMN-101). Bodies: `json-body.ts`,
 * `contact-body.ts`.
 */
import type { FastifyReply } from 'fastify';

import { parseContactBody } from './contact-body.js';
import { parseContactListQuery, renderContact, renderContactList } from './contact-view.js';
import { MAX_CONTACTS_PER_USER } from './contacts.js';
import { invalidParameter, resourceNotFound, restError } from './errors.js';
import { sendJson } from './http.js';
import { readJsonBody } from './json-body.js';
import type { Operation, RestContext } from './rest-context.js';
import { readString } from './rest-params.js';
import type { EmulatorState } from './state.js';

const COLLECTION = '/restapi/v1.0/account/:accountId/extension/:extensionId/address-book/contact';
const ITEM = `${COLLECTION}/:contactId`;

/** The caller's own extension id, when `{extensionId}` names it. */
function ownBook(ctx: RestContext): number {
  const raw = ctx.params.extensionId;
  if (raw === '~' || raw === String(ctx.session.extensionId)) return ctx.session.extensionId;
  throw resourceNotFound('extensionId');
}

function contactIdOf(ctx: RestContext): number {
  const raw = ctx.params.contactId ?? '';
  if (/^\d{1,15}(?:,\d{1,15})+$/.test(raw)) throw invalidParameter('contactId');
  if (!/^\d{1,15}$/.test(raw)) throw resourceNotFound('contactId');
  return Number(raw);
}

/** `dialingPlan`: an ISO 3166 alpha-2 country; the default is the user's home country (US). */
function dialingPlanOf(ctx: RestContext): string {
  const v = readString(ctx.query, 'dialingPlan', 2);
  if (v === undefined) return 'US';
  if (!/^[A-Za-z]{2}$/.test(v)) throw invalidParameter('dialingPlan');
  return v.toUpperCase();
}

function listContacts(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  const q = parseContactListQuery(ctx.query);
  return sendJson(ctx.reply, 200, renderContactList(ctx.base, ctx.data, owner, state.contacts.list(owner), q));
}

function createContact(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  const fields = parseContactBody(readJsonBody(ctx.body), dialingPlanOf(ctx));
  const contact = state.contacts.create(owner, fields);
  if (contact === undefined) {
    throw restError(400, 'PAB-101', `Contact cannot be created: max contacts count reached (${MAX_CONTACTS_PER_USER})`);
  }
  return sendJson(ctx.reply, 200, renderContact(ctx.base, ctx.data, owner, contact));
}

function readContact(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  const contact = state.contacts.get(owner, contactIdOf(ctx));
  if (contact === undefined) throw resourceNotFound('contactId');
  return sendJson(ctx.reply, 200, renderContact(ctx.base, ctx.data, owner, contact));
}

function updateContact(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  const id = contactIdOf(ctx);
  if (state.contacts.get(owner, id) === undefined) throw resourceNotFound('contactId');
  const fields = parseContactBody(readJsonBody(ctx.body), dialingPlanOf(ctx));
  const contact = state.contacts.replace(owner, id, fields);
  if (contact === undefined) throw resourceNotFound('contactId');
  return sendJson(ctx.reply, 200, renderContact(ctx.base, ctx.data, owner, contact));
}

function patchContact(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  const id = contactIdOf(ctx);
  const stored = state.contacts.get(owner, id);
  if (stored === undefined) throw resourceNotFound('contactId');
  const changes = readJsonBody(ctx.body);
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw invalidParameter('body');
  // The merged contact is checked as a whole, like a full update: a stored value always passes again.
  const fields = parseContactBody({ ...stored.fields, ...changes }, dialingPlanOf(ctx));
  const contact = state.contacts.replace(owner, id, fields);
  if (contact === undefined) throw resourceNotFound('contactId');
  return sendJson(ctx.reply, 200, renderContact(ctx.base, ctx.data, owner, contact));
}

function deleteContact(state: EmulatorState, ctx: RestContext): FastifyReply {
  const owner = ownBook(ctx);
  if (!state.contacts.delete(owner, contactIdOf(ctx))) throw resourceNotFound('contactId');
  return ctx.reply.code(204).send();
}

/** The address-book operations. */
export function contactOperations(state: EmulatorState): Operation[] {
  const common = { group: 'Heavy', jsonBody: true } as const;
  return [
    {
      ...common,
      operationId: 'listContacts',
      method: 'GET',
      url: COLLECTION,
      appPermission: 'ReadContacts',
      run: (ctx) => listContacts(state, ctx),
    },
    {
      ...common,
      operationId: 'createContact',
      method: 'POST',
      url: COLLECTION,
      appPermission: 'Contacts',
      run: (ctx) => createContact(state, ctx),
    },
    {
      ...common,
      operationId: 'readContact',
      method: 'GET',
      url: ITEM,
      appPermission: 'ReadContacts',
      run: (ctx) => readContact(state, ctx),
    },
    {
      ...common,
      operationId: 'updateContact',
      method: 'PUT',
      url: ITEM,
      appPermission: 'Contacts',
      run: (ctx) => updateContact(state, ctx),
    },
    {
      ...common,
      operationId: 'patchContact',
      method: 'PATCH',
      url: ITEM,
      appPermission: 'Contacts',
      run: (ctx) => patchContact(state, ctx),
    },
    {
      ...common,
      operationId: 'deleteContact',
      method: 'DELETE',
      url: ITEM,
      appPermission: 'Contacts',
      run: (ctx) => deleteContact(state, ctx),
    },
  ];
}
