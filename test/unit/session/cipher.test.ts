/**
 * @module test/unit/session/cipher.test
 * AES-256-GCM sealing of session data: round trip, tampering, key rotation, bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSessionCipher,
  deriveKey,
  MIN_SECRET_LENGTH,
  SESSION_ENCRYPTION_LABEL,
  SessionSecretError,
} from '../../../src/session/cipher.js';

const OLD = 'old-secret-old-secret-old-secret-0001';
const NEW = 'new-secret-new-secret-new-secret-0002';
const OTHER = 'other-secret-other-secret-other-0003';

const value = {
  csrf: 'c',
  tokens: { accessToken: 'U0pDMTFQMDFQQVMwMHxBQUJ', scope: 'ReadAccounts ReadCallLog', accessExpiresAt: 1 },
  user: { name: 'Zoë 日本 🎉' },
};

function flipBit(text: string, index: number, bit: number): string {
  return text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) ^ (1 << bit)) + text.slice(index + 1);
}

void describe('session cipher', () => {
  void it('opens what it sealed, and the sealed text has the v1.<keyId>.<iv>.<body> shape without the plaintext', () => {
    const cipher = createSessionCipher([NEW]);
    const sealed = cipher.seal(value);
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(cipher.open(sealed), value);
    assert.ok(!sealed.includes(value.tokens.accessToken));
  });

  void it('seals JSON values of every kind', () => {
    const cipher = createSessionCipher([NEW]);
    for (const v of [null, 0, 'text', true, [], {}, [1, 'two', { three: 3 }]]) {
      assert.deepEqual(cipher.open(cipher.seal(v)), v);
    }
    assert.throws(() => cipher.seal(undefined), TypeError);
  });

  void it('uses a fresh IV per seal: sealing the same value twice gives different texts', () => {
    const cipher = createSessionCipher([NEW]);
    const a = cipher.seal(value);
    const b = cipher.seal(value);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
  });

  void it('returns undefined when any bit of the sealed text is flipped', () => {
    const cipher = createSessionCipher([NEW]);
    const sealed = cipher.seal({ csrf: 'x', n: 1 });
    let tried = 0;
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = flipBit(sealed, i, bit);
        assert.equal(cipher.open(tampered), undefined, `char ${i} bit ${bit}`);
        tried += 1;
      }
    }
    assert.equal(tried, sealed.length * 8);
  });

  void it('returns undefined when any bit of the decoded IV or body is flipped', () => {
    const cipher = createSessionCipher([NEW]);
    const [version, keyId, ivText, bodyText] = cipher.seal({ csrf: 'x' }).split('.') as [
      string,
      string,
      string,
      string,
    ];
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    for (const [name, bytes] of [
      ['iv', iv],
      ['body', body],
    ] as const) {
      for (let i = 0; i < bytes.length * 8; i++) {
        const copy = Buffer.from(bytes);
        copy[i >> 3]! ^= 1 << (i & 7);
        const parts =
          name === 'iv'
            ? [version, keyId, copy.toString('base64url'), bodyText]
            : [version, keyId, ivText, copy.toString('base64url')];
        assert.equal(cipher.open(parts.join('.')), undefined, `${name} bit ${i}`);
      }
    }
  });

  void it('binds the optional context: the same context opens, another or none does not', () => {
    const cipher = createSessionCipher([NEW]);
    const sealed = cipher.seal(value, 'session-id-1');
    assert.deepEqual(cipher.open(sealed, 'session-id-1'), value);
    assert.equal(cipher.open(sealed, 'session-id-2'), undefined);
    assert.equal(cipher.open(sealed), undefined);
    assert.equal(cipher.open(cipher.seal(value), 'session-id-1'), undefined);
    assert.equal(cipher.open(cipher.seal(value, ''), undefined), undefined);
  });

  void it('rotates keys: after a new secret is prepended, old seals still open and new seals use the new key', () => {
    const before = createSessionCipher([OLD]);
    const sealedBefore = before.seal(value);
    const after = createSessionCipher([NEW, OLD]);
    assert.deepEqual(after.open(sealedBefore), value);
    const sealedAfter = after.seal(value);
    assert.notEqual(sealedAfter.split('.')[1], sealedBefore.split('.')[1]);
    assert.equal(before.open(sealedAfter), undefined);
    assert.deepEqual(createSessionCipher([NEW]).open(sealedAfter), value);
    // Once the old secret is dropped, its seals stop opening.
    assert.equal(createSessionCipher([NEW]).open(sealedBefore), undefined);
  });

  void it('returns undefined for a value sealed with an unknown key, even if the key id is forged', () => {
    const sealedByOther = createSessionCipher([OTHER]).seal(value);
    const cipher = createSessionCipher([NEW]);
    assert.equal(cipher.open(sealedByOther), undefined);
    const ownKeyId = cipher.seal(1).split('.')[1]!;
    const parts = sealedByOther.split('.');
    parts[1] = ownKeyId;
    assert.equal(cipher.open(parts.join('.')), undefined);
  });

  void it('returns undefined, never throws, for garbage input', () => {
    const cipher = createSessionCipher([NEW]);
    // A sealed value whose body has a '-', so that its standard-base64 twin ('+') is a different text of the same
    // bytes (a random body lacks one about one time in ten).
    let sealed = cipher.seal(value);
    for (let i = 0; i < 100 && !(sealed.split('.')[3] ?? '').includes('-'); i++) sealed = cipher.seal(value);
    const [, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
    assert.ok(body.includes('-'));
    const garbage: unknown[] = [
      '',
      '.',
      '...',
      'v1',
      'v1...',
      'not base64 at all',
      `v2.${keyId}.${iv}.${body}`,
      `v1.${keyId}.${iv}.${body}.extra`,
      `v1.${keyId}.${iv}`,
      `v1.${keyId}.${iv.slice(0, -1)}.${body}`,
      `v1.${keyId}.${iv}.${body.slice(0, 10)}`,
      `v1.${keyId}.${iv}.`,
      `v1.${keyId}.${iv}.${body}=`,
      `v1.${keyId}.${iv}.${body.replaceAll('-', '+')}`,
      sealed + sealed,
      '\u0000'.repeat(100),
      'v1.' + 'A'.repeat(100_000),
      null,
      undefined,
      42,
      {},
    ];
    for (const input of garbage) {
      assert.equal(cipher.open(input as string), undefined, JSON.stringify(input)?.slice(0, 40));
    }
  });

  void it('returns undefined for authentic ciphertext that is not JSON', async () => {
    const { createCipheriv, randomBytes } = await import('node:crypto');
    const cipher = createSessionCipher([NEW]);
    const [version, keyId] = cipher.seal(1).split('.') as [string, string];
    const key = deriveKey(NEW, SESSION_ENCRYPTION_LABEL);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(`${version}.${keyId}`));
    const body = Buffer.concat([c.update('{not json', 'utf8'), c.final(), c.getAuthTag()]);
    const forged = `${version}.${keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    assert.equal(cipher.open(forged), undefined);
  });

  void it('rejects short or missing secrets with a clear error that does not echo the secret', () => {
    const short = 'tooshort-secret-xyz';
    for (const secrets of [[short], [NEW, short]]) {
      assert.throws(
        () => createSessionCipher(secrets),
        (error: unknown) => {
          assert.ok(error instanceof SessionSecretError);
          assert.equal(error.code, 'RCAPP_SESSION_SECRET_INVALID');
          assert.match(
            error.message,
            new RegExp(
              `session secret #${secrets.length} is too short: 19 characters, at least ${MIN_SECRET_LENGTH} required`,
            ),
          );
          assert.ok(!error.message.includes(short));
          return true;
        },
      );
    }
    assert.throws(() => createSessionCipher([]), /at least one session secret is required/);
    assert.throws(() => createSessionCipher([42 as unknown as string]), /session secret #1 is not a string/);
    assert.throws(() => deriveKey(short, 'cookie-signing'), /session secret is too short/);
    assert.doesNotThrow(() => createSessionCipher(['x'.repeat(MIN_SECRET_LENGTH)]));
  });

  void it('derives 32-byte keys that differ by label and by secret and are stable', () => {
    const a = deriveKey(NEW, 'cookie-signing');
    assert.equal(a.length, 32);
    assert.deepEqual(deriveKey(NEW, 'cookie-signing'), a);
    assert.notDeepEqual(deriveKey(NEW, SESSION_ENCRYPTION_LABEL), a);
    assert.notDeepEqual(deriveKey(OLD, 'cookie-signing'), a);
  });
});
