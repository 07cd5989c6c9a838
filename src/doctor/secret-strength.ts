/**
 * @module doctor/secret-strength
 * How guessable a session secret is. The app needs 32 characters (config); this also catches long secrets that are
 * not random: a repeated pattern, few different characters, a placeholder word, or little entropy measured over the
 * characters themselves (Shannon entropy of the string × its length, which a random 32-character hex or base64
 * secret passes and `somesecretstring…` does not).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-entropy
 */

/** Fewer estimated bits than this is weak (a random 32-character hex string measures about 115). */
export const MIN_SECRET_BITS = 100;
const PLACEHOLDERS = /secret|password|passw0rd|changeme|change-me|example|default|session|qwerty|123456|abcdef/i;

/** The verdict on one secret. */
export interface SecretAssessment {
  readonly strong: boolean;
  /** Estimated bits of entropy. */
  readonly bits: number;
  /** Why it is weak. */
  readonly problem?: string;
}

/** Shannon entropy of the characters of `value` times its length, in bits. */
export function estimateBits(value: string): number {
  const chars = [...value];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    perChar -= p * Math.log2(p);
  }
  return Math.round(perChar * chars.length);
}

/** Assesses one secret. */
export function assessSecret(secret: string): SecretAssessment {
  const bits = estimateBits(secret);
  const weak = (problem: string): SecretAssessment => ({ strong: false, bits, problem });
  if ([...secret].length < 32) return weak('it is shorter than 32 characters');
  if (/^(.{1,16}?)\1+$/s.test(secret)) return weak('it is a repeated pattern');
  if (new Set(secret).size < 10) return weak('it uses fewer than 10 different characters');
  if (PLACEHOLDERS.test(secret) && bits < 160) return weak('it contains a placeholder word');
  if (bits < MIN_SECRET_BITS)
    return weak(`it measures about ${bits} bits of entropy (at least ${MIN_SECRET_BITS} needed)`);
  return { strong: true, bits };
}

/** The command that makes a good secret. */
export const GENERATE_SECRET_COMMAND = `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`;
