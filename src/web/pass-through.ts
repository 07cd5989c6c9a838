/**
 * @module web/pass-through
 * Sends RingCentral's answer on as it came: its status, its body byte-for-byte, and a safe subset of its headers
 * (content type, RingCentral's rate-limit headers, `Retry-After`); never a cookie or anything else of
 * RingCentral's session.
 */
import type { FastifyReply } from 'fastify';
import type { RcAnswer } from '../ringcentral/answer.js';

/** Response headers of RingCentral passed on. */
export const PASSED_HEADERS = [
  'content-type',
  'retry-after',
  'x-rate-limit-group',
  'x-rate-limit-limit',
  'x-rate-limit-remaining',
  'x-rate-limit-window',
] as const;

/** Sends `answer` on. */
export function passThrough(reply: FastifyReply, answer: RcAnswer): FastifyReply {
  for (const name of PASSED_HEADERS) {
    const value = answer.header(name);
    if (value !== undefined) reply.header(name, value);
  }
  if (answer.header('content-type') === undefined) reply.header('content-type', 'application/json');
  return reply.code(answer.status).send(answer.body);
}
