/**
 * @module redis/call-log-copy-store
 * Users' call-log copies (`web/explorer/copy-store.ts`) in Redis, shared by every instance: one key per user, log
 * scope and slot, `<prefix>cl:{<owner>}:<scope>:<slot>` (a user's keys share a hash slot, so dropping them all is
 * one command on a cluster too), the copy sealed with the session cipher (AES-256-GCM, the key name bound into it:
 * Redis never holds a plaintext call record), expiring `COPY_TTL_MS` after it was written.
 */
import type { SessionCipher } from '../session/cipher.js';
import type { RedisConnection } from './client.js';
import type { CallLogCopy } from '../web/explorer/call-log-copy.js';
import { COPY_TTL_MS, type CallLogCopyStore, type CopySlot } from '../web/explorer/copy-store.js';

const SCOPES = ['extension', 'account'] as const;
const SLOTS: readonly CopySlot[] = ['recent', 'range'];

/** Options of {@link createRedisCopyStore}. */
export interface RedisCopyStoreOptions {
  readonly client: RedisConnection;
  readonly cipher: SessionCipher;
  /** Prefix of every key (the session store's). */
  readonly keyPrefix: string;
}

function isCopy(value: unknown): value is CallLogCopy {
  const copy = value as Partial<CallLogCopy> | null;
  return (
    typeof copy === 'object' &&
    copy !== null &&
    (copy.scope === 'extension' || copy.scope === 'account') &&
    typeof copy.from === 'number' &&
    typeof copy.asOf === 'number' &&
    Array.isArray(copy.records)
  );
}

/** The Redis store of call-log copies. */
export function createRedisCopyStore(options: RedisCopyStoreOptions): CallLogCopyStore {
  const { client, cipher, keyPrefix } = options;
  const keyOf = (owner: string, scope: string, slot: string): string => `${keyPrefix}cl:{${owner}}:${scope}:${slot}`;
  return {
    kind: 'redis',
    async get(owner, scope, slot) {
      const key = keyOf(owner, scope, slot);
      const sealed = await client.get(key);
      if (sealed === null) return undefined;
      let copy: unknown;
      try {
        copy = cipher.open(sealed, key);
      } catch {
        return undefined;
      }
      return isCopy(copy) && copy.scope === scope ? copy : undefined;
    },
    async set(owner, scope, slot, copy) {
      const key = keyOf(owner, scope, slot);
      await client.set(key, cipher.seal(copy, key), 'PX', COPY_TTL_MS);
    },
    async drop(owner) {
      await client.del(...SCOPES.flatMap((scope) => SLOTS.map((slot) => keyOf(owner, scope, slot))));
    },
  };
}
