/**
 * @module redis/budget-store
 * Rate-limit budgets in Redis, shared by every app instance (`SESSION_STORE=redis`), so that all instances plan
 * one schedule per RingCentral user and group, and a 429 seen by one blocks the group for all. Each operation is
 * one Lua script (atomic), the same steps as `budget-model.ts`.
 *
 * Keys per budget (the `{…}` hash tag keeps them on one Redis Cluster slot): `<prefix>rl:{<group>:<owner>}:m`
 * (hash: `limit`, `window` ms, `learned`, `blocked` until), `…:s` (sorted set: answered calls by completion time),
 * `…:p` (sorted set: planned calls by slot), `…:f` (hash: calls in flight → send time). Every key expires after
 * an idle hour. Times come from Redis (`TIME`), so instances on machines whose clocks differ still agree; only
 * durations leave the scripts. Scripts are sent with `EVAL` (not `EVALSHA`), as in `redis/session-store.ts`.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://redis.io/docs/latest/commands/time/
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  DEFAULT_TUNING,
  MAX_TRACKED_CALLS,
  type BudgetTuning,
  type GroupBudget,
  type Observation,
} from '../governor/budget-model.js';
import type { BudgetKey, BudgetStore } from '../governor/budget-store.js';

/** Options of {@link createRedisBudgetStore}. */
export interface RedisBudgetStoreOptions {
  /** The app's connection (shared with the session store). */
  readonly client: Redis | Cluster;
  /** Prefix of every key (the session store's, e.g. `rcaf:`). */
  readonly keyPrefix: string;
  readonly tuning?: Partial<BudgetTuning>;
  /** Clock for tests; default Redis's own `TIME`. */
  readonly now?: () => number;
}

// KEYS: m s p f. ARGV: now ('' = TIME), default limit, default window, min margin, margin ratio, poll, stale plan,
// stale flight, ttl. Leaves: now, limit, W, learned, blocked, margin, span, poll, touch().
const PRELUDE = `
local m, s, p, f = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local meta = redis.call('HMGET', m, 'limit', 'window', 'learned', 'blocked')
local limit = tonumber(meta[1]) or tonumber(ARGV[2])
local W = tonumber(meta[2]) or tonumber(ARGV[3])
local learned = meta[3] == '1'
local blocked = tonumber(meta[4]) or 0
local margin = math.max(tonumber(ARGV[4]), math.floor(W * tonumber(ARGV[5])))
local span = W + margin
local poll = tonumber(ARGV[6])
local function touch()
  for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ARGV[9]) end
end
redis.call('ZREMRANGEBYSCORE', p, '-inf', '(' .. (now - tonumber(ARGV[7])))
local flights = redis.call('HGETALL', f)
for i = 1, #flights, 2 do
  local at = tonumber(flights[i + 1])
  if at < now - tonumber(ARGV[8]) then
    redis.call('HDEL', f, flights[i])
    redis.call('ZADD', s, at, flights[i])
  end
end
redis.call('ZREMRANGEBYSCORE', s, '-inf', now - span)
local excess = redis.call('ZCARD', s) - math.min(limit, ${MAX_TRACKED_CALLS})
if excess > 0 then redis.call('ZREMRANGEBYRANK', s, 0, excess - 1) end
`;

// ARGV[10] ticket, ARGV[11] max wait. Returns {kind, a, b}.
const RESERVE_SCRIPT = `${PRELUDE}
local ticket, maxWait = ARGV[10], tonumber(ARGV[11])
local nsent, nfly, nplan = redis.call('ZCARD', s), redis.call('HLEN', f), redis.call('ZCARD', p)
local slot = math.max(now, blocked)
if nplan > 0 then
  local last = redis.call('ZRANGE', p, -1, -1, 'WITHSCORES')
  slot = math.max(slot, tonumber(last[2]))
end
local n = nsent + nfly + nplan
if n >= limit then
  local k = n - limit
  local others = {}
  for _, v in ipairs(redis.call('HVALS', f)) do others[#others + 1] = tonumber(v) end
  local planned = redis.call('ZRANGE', p, 0, -1, 'WITHSCORES')
  for i = 2, #planned, 2 do others[#others + 1] = tonumber(planned[i]) end
  table.sort(others)
  local head = redis.call('ZRANGE', s, 0, k, 'WITHSCORES')
  local i, j = 2, 1
  local kth
  for step = 0, k do
    local a = tonumber(head[i]) or math.huge
    local b = others[j] or math.huge
    if a <= b then kth = a; i = i + 2 else kth = b; j = j + 1 end
  end
  slot = math.max(slot, kth + span)
end
if slot <= now then
  if nsent + nfly < limit then
    redis.call('HSET', f, ticket, now)
    touch()
    return {'go', 0, 0}
  end
  slot = now + poll
end
local wait = slot - now
touch()
if not learned then
  if blocked > now then return {'poll', blocked - now, wait} end
  return {'poll', math.min(poll, wait), wait}
end
if wait > maxWait then return {'full', wait, 0} end
redis.call('ZADD', p, slot, ticket)
return {'wait', wait, 0}
`;

// ARGV[10] ticket.
const ADMIT_SCRIPT = `${PRELUDE}
local ticket = ARGV[10]
touch()
if not redis.call('ZSCORE', p, ticket) then return {'lost', 0} end
local nsent = redis.call('ZCARD', s)
if now >= blocked and nsent + redis.call('HLEN', f) < limit then
  redis.call('ZREM', p, ticket)
  redis.call('HSET', f, ticket, now)
  return {'go', 0}
end
local wait
if now < blocked then wait = blocked - now
else
  local index = nsent + redis.call('HLEN', f) - limit + redis.call('ZRANK', p, ticket)
  if index < nsent then
    local freed = redis.call('ZRANGE', s, index, index, 'WITHSCORES')
    wait = tonumber(freed[2]) + span - now
  else wait = poll end
end
wait = math.max(1, wait)
redis.call('ZADD', p, now + wait, ticket)
return {'wait', wait}
`;

// ARGV[10] ticket.
const CANCEL_SCRIPT = `
redis.call('ZREM', KEYS[3], ARGV[10])
redis.call('HDEL', KEYS[4], ARGV[10])
return 1
`;

// ARGV[10] ticket, [11] limit, [12] remaining, [13] window ms, [14] retry-after ms ('' = none).
const COMPLETE_SCRIPT = `${PRELUDE}
local ticket = ARGV[10]
local sentAt = tonumber(redis.call('HGET', f, ticket)) or now
redis.call('HDEL', f, ticket)
redis.call('ZREM', p, ticket)
local newLimit, newWindow = tonumber(ARGV[11]), tonumber(ARGV[13])
if newLimit and newWindow and newLimit >= 1 and newWindow >= 1 then
  limit, W, learned = newLimit, newWindow, true
  margin = math.max(tonumber(ARGV[4]), math.floor(W * tonumber(ARGV[5])))
  redis.call('HSET', m, 'limit', limit, 'window', W, 'learned', '1')
end
local remaining = tonumber(ARGV[12])
local retry = tonumber(ARGV[14])
if learned and limit <= ${MAX_TRACKED_CALLS} and remaining and remaining >= 0 and not retry then
  local used = limit - remaining
  local gone = redis.call('ZCOUNT', s, '-inf', '(' .. sentAt) - math.max(0, used - 1)
  if gone > 0 then redis.call('ZREMRANGEBYRANK', s, 0, gone - 1) end
  local known = redis.call('ZCOUNT', s, '(' .. (sentAt - W), '+inf') + redis.call('HLEN', f) + 1
  local extra = math.min(used - known, limit)
  for i = 1, extra do redis.call('ZADD', s, now, ticket .. ':' .. i) end
end
redis.call('ZADD', s, now, ticket)
if retry and retry >= 0 then
  blocked = math.max(blocked, now + retry + margin)
  redis.call('HSET', m, 'blocked', blocked)
end
redis.call('ZREMRANGEBYSCORE', s, '-inf', now - W - margin)
local excess = redis.call('ZCARD', s) - math.min(limit, ${MAX_TRACKED_CALLS})
if excess > 0 then redis.call('ZREMRANGEBYRANK', s, 0, excess - 1) end
touch()
return 1
`;

const SNAPSHOT_SCRIPT = `${PRELUDE}
local used = redis.call('ZCOUNT', s, '(' .. (now - span), '+inf') + redis.call('HLEN', f)
return {limit, W, learned and 1 or 0, used, redis.call('ZCARD', p), math.max(0, blocked - now)}
`;

const SAFE_OWNER = /^[A-Za-z0-9_.-]{1,64}$/;

/** Creates the store on the app's Redis connection. */
export function createRedisBudgetStore(options: RedisBudgetStoreOptions): BudgetStore {
  const { client, keyPrefix } = options;
  const tuning: BudgetTuning = { ...DEFAULT_TUNING, ...options.tuning };

  function keysOf(key: BudgetKey): string[] {
    // Owner ids are digits; anything else is hashed so a key never carries odd characters.
    const owner = SAFE_OWNER.test(key.owner)
      ? key.owner
      : createHash('sha256').update(key.owner).digest('base64url').slice(0, 22);
    const base = `${keyPrefix}rl:{${key.group}:${owner}}`;
    return [`${base}:m`, `${base}:s`, `${base}:p`, `${base}:f`];
  }

  function common(defaults: GroupBudget): string[] {
    return [
      options.now === undefined ? '' : String(Math.floor(options.now())),
      String(defaults.limit),
      String(defaults.windowMs),
      String(tuning.minMarginMs),
      String(tuning.marginRatio),
      String(tuning.pollMs),
      String(tuning.stalePlanMs),
      String(tuning.staleFlightMs),
      String(tuning.idleTtlMs),
    ];
  }

  // Scripts go by their SHA-1 (`EVALSHA`): sending a script's text on every RingCentral call costs both sides
  // (Redis hashes the text of each `EVAL` to find it in its cache). After a Redis restart the first call of a
  // script gets NOSCRIPT and is sent once more with `EVAL`, which caches it again.
  const shas = new Map<string, string>();
  const shaOf = (script: string): string => {
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
    }
    return sha;
  };

  async function run(script: string, key: BudgetKey, defaults: GroupBudget, extra: string[]): Promise<unknown> {
    const args = [...keysOf(key), ...common(defaults), ...extra];
    try {
      return await client.evalsha(shaOf(script), 4, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return client.eval(script, 4, ...args);
    }
  }

  const numberAt = (reply: unknown, i: number): number => Number((reply as unknown[])[i]);
  const kindOf = (reply: unknown): string => String((reply as unknown[])[0]);

  return {
    kind: 'redis',
    async reserve(key, ticket, defaults, maxWaitMs) {
      const reply = await run(RESERVE_SCRIPT, key, defaults, [ticket, String(Math.max(0, Math.floor(maxWaitMs)))]);
      switch (kindOf(reply)) {
        case 'go':
          return { kind: 'go' };
        case 'wait':
          return { kind: 'wait', waitMs: numberAt(reply, 1) };
        case 'poll':
          return { kind: 'poll', waitMs: numberAt(reply, 1), slotMs: numberAt(reply, 2) };
        default:
          return { kind: 'full', retryAfterMs: numberAt(reply, 1) };
      }
    },
    async admit(key, ticket, defaults) {
      const reply = await run(ADMIT_SCRIPT, key, defaults, [ticket]);
      switch (kindOf(reply)) {
        case 'go':
          return { kind: 'go' };
        case 'wait':
          return { kind: 'wait', waitMs: numberAt(reply, 1) };
        default:
          return { kind: 'lost' };
      }
    },
    async cancel(key, ticket, defaults) {
      await run(CANCEL_SCRIPT, key, defaults, [ticket]);
    },
    async complete(key, ticket, defaults, observation: Observation) {
      const text = (value: number | undefined): string =>
        value === undefined || !Number.isFinite(value) ? '' : String(Math.floor(value));
      await run(COMPLETE_SCRIPT, key, defaults, [
        ticket,
        text(observation.limit),
        text(observation.remaining),
        text(observation.windowMs),
        text(observation.retryAfterMs),
      ]);
    },
    async snapshot(key, defaults) {
      const reply = await run(SNAPSHOT_SCRIPT, key, defaults, []);
      return {
        limit: numberAt(reply, 0),
        windowMs: numberAt(reply, 1),
        learned: numberAt(reply, 2) === 1,
        used: numberAt(reply, 3),
        planned: numberAt(reply, 4),
        blockedForMs: numberAt(reply, 5),
      };
    },
  };
}
