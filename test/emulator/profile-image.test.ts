/**
 * An extension's profile image (`readUserProfileImageLegacy`), the emulator's streamed binary answer: a
 * deterministic image of over 3 MiB with the content type the spec declares (`image/png`), `Content-Length` and
 * `Content-Disposition`, the same bytes on every call; any extension of the account, an unknown one 404 CMN-102;
 * Medium group, `ReadAccounts`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';

import { parse } from 'yaml';

import { DEMO } from '../../emulator/index.js';
import { PROFILE_IMAGE_BYTES, profileImage } from '../../emulator/rest-profile-image.js';
import { buildTestEmulator } from '../helpers/emulator.js';
import { SPEC_PATH, getSpecValidator } from '../helpers/openapi.js';

const IMAGE = '/restapi/v1.0/account/~/extension/~/profile-image';

it('the profile image is a multi-megabyte PNG, the same bytes every time, with its length and file name', async (t) => {
  const emu = await buildTestEmulator(t);
  const res = await emu.request('GET', IMAGE);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'image/png');
  assert.equal(res.headers['content-length'], String(PROFILE_IMAGE_BYTES));
  assert.equal(res.headers['content-disposition'], `inline; filename="profile-image-${DEMO.admin.extensionId}.png"`);
  assert.equal(res.headers['x-rate-limit-group'], 'Medium');
  assert.ok(PROFILE_IMAGE_BYTES > 3 * 1024 * 1024);
  assert.equal(res.rawPayload.length, PROFILE_IMAGE_BYTES);
  assert.deepEqual(res.rawPayload.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.ok(res.rawPayload.equals(profileImage(DEMO.admin.extensionId)));
  assert.ok((await emu.request('GET', IMAGE)).rawPayload.equals(res.rawPayload), 'deterministic');

  const user1 = DEMO.user('user1@example.com');
  const other = await emu.request('GET', `/restapi/v1.0/account/~/extension/${user1.extensionId}/profile-image`);
  assert.equal(other.statusCode, 200);
  assert.ok(!other.rawPayload.equals(res.rawPayload), 'each extension has its own');
  const unknown = await emu.request('GET', '/restapi/v1.0/account/~/extension/12345/profile-image');
  assert.equal(unknown.statusCode, 404);
  assert.equal((JSON.parse(unknown.body) as { errorCode: string }).errorCode, 'CMN-102');
  const denied = await emu.request('GET', IMAGE, { token: emu.token(DEMO.admin, ['ReadCallLog']) });
  assert.equal(denied.statusCode, 403);
});

it('its operation, content type and group are the spec’s', () => {
  assert.equal(getSpecValidator().findOperation('GET', IMAGE)?.operationId, 'readUserProfileImageLegacy');
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const op = spec.paths['/restapi/v1.0/account/{accountId}/extension/{extensionId}/profile-image']!.get!;
  const content = (op.responses as Record<string, { content?: Record<string, unknown> }>)['200']!.content!;
  assert.ok('image/png' in content);
  assert.equal(op['x-throttling-group'], 'Medium');
  assert.equal(op['x-app-permission'], 'ReadAccounts');
});
