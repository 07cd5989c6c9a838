/**
 * @module emulator/rest-profile-image
 * `GET /restapi/v1.0/account/{accountId}/extension/{extensionId}/profile-image` (readUserProfileImageLegacy,
 * Medium, ReadAccounts): an extension's profile image, RingCentral's binary answer (`image/png`). The emulator's
 * image is deliberately large (a few megabytes) and deterministic, sent in chunks as a stream with
 * `Content-Length` and `Content-Disposition`, so a client can check that it passes a media answer on as it
 * arrives, byte for byte, without holding it whole. Any extension of the account (`~`, or a numeric id) has one;
 * an unknown one is 404 `CMN-102`.
 *
 * @see spec/rc-public-openapi.yml `readUserProfileImageLegacy`
 */
import { Readable } from 'node:stream';

import type { FastifyReply } from 'fastify';

import { resolveExtension, type Operation, type RestContext } from './rest-context.js';

/** Size of every profile image: over 3 MiB, not a multiple of the chunk size. */
export const PROFILE_IMAGE_BYTES = 3 * 1024 * 1024 + 12_345;

/** Bytes per chunk written. */
export const PROFILE_IMAGE_CHUNK = 64 * 1024;

/** The PNG signature, so the bytes look like what their content type says. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Chunk `index` of the profile image of extension `extensionId`: the PNG signature, then xorshift32 bytes seeded
 * by the extension id and the chunk index. The same bytes on every call and every run.
 */
export function profileImageChunk(extensionId: number, index: number): Buffer {
  const start = index * PROFILE_IMAGE_CHUNK;
  const length = Math.max(0, Math.min(PROFILE_IMAGE_CHUNK, PROFILE_IMAGE_BYTES - start));
  const chunk = Buffer.alloc(length);
  let x = (extensionId ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0 || 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    chunk.writeUInt32LE(x, i);
  }
  if (index === 0) PNG_SIGNATURE.copy(chunk, 0);
  return chunk;
}

/** The whole image of `extensionId` (for tests that compare). */
export function profileImage(extensionId: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; i * PROFILE_IMAGE_CHUNK < PROFILE_IMAGE_BYTES; i += 1) chunks.push(profileImageChunk(extensionId, i));
  return Buffer.concat(chunks);
}

function readProfileImage(ctx: RestContext): FastifyReply {
  const ext = resolveExtension(ctx);
  let index = 0;
  // Generated chunk by chunk as the client reads (the stream's backpressure), never whole in memory.
  const body = new Readable({
    read() {
      if (index * PROFILE_IMAGE_CHUNK >= PROFILE_IMAGE_BYTES) this.push(null);
      else this.push(profileImageChunk(ext.id, index++));
    },
  });
  return ctx.reply
    .code(200)
    .header('content-type', 'image/png')
    .header('content-length', String(PROFILE_IMAGE_BYTES))
    .header('content-disposition', `inline; filename="profile-image-${ext.id}.png"`)
    .send(body);
}

/** The profile-image operation. */
export function profileImageOperations(): Operation[] {
  return [
    {
      operationId: 'readUserProfileImageLegacy',
      method: 'GET',
      url: '/restapi/v1.0/account/:accountId/extension/:extensionId/profile-image',
      group: 'Medium',
      appPermission: 'ReadAccounts',
      run: readProfileImage,
    },
  ];
}
