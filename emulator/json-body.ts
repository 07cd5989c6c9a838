/**
 * @module emulator/json-body
 * JSON request bodies for the RingCentral REST routes that take one (the personal address book's create and update).
 * The content-type parsers only collect the text (at most {@link JSON_BODY_LIMIT} bytes, else 413); the handler
 * parses it after authentication, the rate limit and the permission check, as RingCentral answers a bad token before
 * a bad body, and so that stats count every request. Answers: a body that is not `application/json` → 415
 * (`CMN-104 Unsupported Media Type`); no body, an empty one or one that does not parse → 400 `CMN-103 JSON can't be
 * parsed.`. Keys that could reach an object's prototype (`__proto__`, `constructor.prototype`) are refused the same
 * way, as Fastify's own parser does for the control API.
 */
import type { FastifyInstance } from 'fastify';

import { genericError, restError, type EmulatorHttpError } from './errors.js';

/** Largest JSON body accepted (a contact with every field filled is far below it). */
export const JSON_BODY_LIMIT = 16_384;

/** A body whose content type is JSON, not parsed yet. */
class JsonText {
  constructor(readonly text: string) {}
}

/** A body of another content type. */
class OtherBody {}

/** Registers the collecting parsers on `app` (a scope holding only routes that read bodies this way). */
export function registerJsonBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) =>
    done(null, new JsonText(typeof body === 'string' ? body : body.toString('utf8'))),
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_req, _body, done) =>
    done(null, new OtherBody()),
  );
}

function cannotParse(): EmulatorHttpError {
  return restError(400, 'CMN-103', "JSON can't be parsed.");
}

/** The parsed JSON body of a request, or the 400/415 to answer. */
export function readJsonBody(body: unknown): unknown {
  if (body instanceof OtherBody) throw genericError(415);
  if (!(body instanceof JsonText) || body.text.trim() === '') throw cannotParse();
  try {
    return JSON.parse(body.text, (key, value: unknown) => {
      if (key === '__proto__') throw new SyntaxError('prototype key');
      if (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value) {
        throw new SyntaxError('prototype key');
      }
      return value;
    });
  } catch {
    throw cannotParse();
  }
}
