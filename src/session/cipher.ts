/**
 * @module session/cipher
 * Authenticated encryption of session data at rest (AES-256-GCM), with keys derived from `SESSION_SECRETS` by
 * HKDF-SHA256 and rotation: the first secret seals, every secret opens.
 *
 * Sealed format (all parts base64url, no padding):
 * `v1.<keyId>.<iv>.<ciphertext||tag>` where `keyId` names the key (so `open` tries exactly one key), `iv` is 12
 * random bytes per seal, and the 16-byte GCM tag is appended to the ciphertext. The header `v1.<keyId>` and an
 * optional caller-given context (e.g. the session id) are bound as additional authenticated data.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Secrets shorter than this are rejected (fastify/session uses the same bound). */
export const MIN_SECRET_LENGTH = 32;

/** HKDF `info` label of the session-encryption key. Other uses of the same secrets must pick a different label. */
export const SESSION_ENCRYPTION_LABEL = 'rc-authflow session-encryption v1';

const FORMAT_VERSION = 'v1';
const HKDF_SALT = 'rc-authflow hkdf salt v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 6;

/** Seals and opens JSON values. */
export interface SessionCipher {
  /**
   * Encrypts `JSON.stringify(value)` with the first secret's key.
   * @param context optional data the sealed value is bound to (e.g. the session id); `open` must pass the same.
   */
  seal(value: unknown, context?: string): string;
  /**
   * Decrypts and parses a sealed value. Returns `undefined` on any failure (tampered, unknown key, wrong context,
   * garbage, invalid JSON); never throws.
   */
  open<T = unknown>(sealed: string, context?: string): T | undefined;
}

/** Thrown for unusable secrets. The message names the problem and the secret's position, never the secret. */
export class SessionSecretError extends Error {
  override readonly name = 'SessionSecretError';
  readonly code = 'RCAPP_SESSION_SECRET_INVALID';
}

function checkSecret(secret: unknown, position?: number): asserts secret is string {
  const name = position === undefined ? 'session secret' : `session secret #${position}`;
  if (typeof secret !== 'string') {
    throw new SessionSecretError(`${name} is not a string`);
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new SessionSecretError(
      `${name} is too short: ${secret.length} characters, at least ${MIN_SECRET_LENGTH} required`,
    );
  }
}

/**
 * Derives a 32-byte key from a secret with HKDF-SHA256; different labels give independent keys.
 * Used for session encryption here and for cookie signing in the web layer.
 * @throws SessionSecretError when the secret is shorter than {@link MIN_SECRET_LENGTH} characters.
 * @see RFC 5869 (HKDF)
 */
export function deriveKey(secret: string, label: string): Buffer {
  checkSecret(secret);
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, label, KEY_BYTES));
}

function computeKeyId(key: Buffer): string {
  // A one-way hash of the derived key: names the key without revealing it.
  return createHash('sha256')
    .update('rc-authflow key-id')
    .update(key)
    .digest()
    .subarray(0, KEY_ID_BYTES)
    .toString('base64url');
}

/** Decodes base64url only when `text` is the canonical encoding, so no two strings open to the same bytes. */
function decodeCanonical(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Creates the cipher for a `SESSION_SECRETS` list: keys are derived once here, never per call.
 * @param secrets the first seals and opens, the others only open (key rotation: prepend the new secret).
 * @throws SessionSecretError when the list is empty or a secret is shorter than {@link MIN_SECRET_LENGTH}.
 * @see NIST SP 800-38D (GCM: 96-bit random IVs)
 */
export function createSessionCipher(secrets: readonly string[]): SessionCipher {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new SessionSecretError('at least one session secret is required');
  }
  const keys = new Map<string, Buffer>();
  let sealKey: Buffer | undefined;
  let sealHeader = '';
  secrets.forEach((secret, index) => {
    checkSecret(secret, index + 1);
    const key = deriveKey(secret, SESSION_ENCRYPTION_LABEL);
    const keyId = computeKeyId(key);
    if (!keys.has(keyId)) keys.set(keyId, key);
    if (index === 0) {
      sealKey = key;
      sealHeader = `${FORMAT_VERSION}.${keyId}`;
    }
  });
  const firstKey = sealKey as Buffer;
  const sealAad = Buffer.from(sealHeader);

  function aadFor(header: Buffer, context: string | undefined): Buffer {
    return context === undefined ? header : Buffer.concat([header, Buffer.from(`.${context}`)]);
  }

  return {
    seal(value: unknown, context?: string): string {
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError('cannot seal a value that has no JSON form');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', firstKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aadFor(sealAad, context));
      const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${sealHeader}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },

    open<T = unknown>(sealed: string, context?: string): T | undefined {
      if (typeof sealed !== 'string') return undefined;
      const parts = sealed.split('.');
      if (parts.length !== 4) return undefined;
      const [version, keyId, ivText, bodyText] = parts as [string, string, string, string];
      if (version !== FORMAT_VERSION) return undefined;
      const key = keys.get(keyId);
      if (key === undefined) return undefined;
      const iv = decodeCanonical(ivText);
      const body = decodeCanonical(bodyText);
      if (iv?.length !== IV_BYTES || body === undefined || body.length < TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aadFor(Buffer.from(`${version}.${keyId}`), context));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
        return JSON.parse(plain.toString('utf8')) as T;
      } catch {
        // Authentication failure (tampering, wrong key or context) or invalid JSON: indistinguishable to callers.
        return undefined;
      }
    },
  };
}
