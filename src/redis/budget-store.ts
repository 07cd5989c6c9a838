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
 * durations leave the scripts. Scripts go by their SHA-1 (`EVALSHA`).
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
// stale flight, ttl, then [10] n completed calls and 6 values each (ticket, limit, remaining, window ms, retry-after
// ms or '', ms since the answer), then the operation's own values from ARGV[op]. Leaves: now, limit, W, learned,
// blocked, margin, span, poll, op, touch(); the completed calls are recorded first (`complete` below).
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
-- A call answered at \`done\`: out of flight, into the answered set, and what its headers said learnt.
local function complete(ticket, newLimit, remaining, newWindow, retry, done)
  local sentAt = tonumber(redis.call('HGET', f, ticket)) or done
  redis.call('HDEL', f, ticket)
  redis.call('ZREM', p, ticket)
  if newLimit and newWindow and newLimit >= 1 and newWindow >= 1 then
    limit, W, learned = newLimit, newWindow, true
    margin = math.max(tonumber(ARGV[4]), math.floor(W * tonumber(ARGV[5])))
    span = W + margin
    redis.call('HSET', m, 'limit', limit, 'window', W, 'learned', '1')
  end
  if learned and limit <= ${MAX_TRACKED_CALLS} and remaining and remaining >= 0 and not retry then
    local used = limit - remaining
    local gone = redis.call('ZCOUNT', s, '-inf', '(' .. sentAt) - math.max(0, used - 1)
    if gone > 0 then redis.call('ZREMRANGEBYRANK', s, 0, gone - 1) end
    local known = redis.call('ZCOUNT', s, '(' .. (sentAt - W), '+inf') + redis.call('HLEN', f) + 1
    local extra = math.min(used - known, limit)
    for i = 1, extra do redis.call('ZADD', s, done, ticket .. ':' .. i) end
  end
  redis.call('ZADD', s, done, ticket)
  if retry and retry >= 0 then
    blocked = math.max(blocked, done + retry + margin)
    redis.call('HSET', m, 'blocked', blocked)
  end
  redis.call('ZREMRANGEBYSCORE', s, '-inf', done - W - margin)
  local over = redis.call('ZCARD', s) - math.min(limit, ${MAX_TRACKED_CALLS})
  if over > 0 then redis.call('ZREMRANGEBYRANK', s, 0, over - 1) end
end
local op = 11 + 6 * tonumber(ARGV[10])
for i = 11, op - 1, 6 do
  complete(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]),
    now - tonumber(ARGV[i + 5]))
end
if op > 11 then touch() end
-- Pruned after the completed calls: each was recorded against the answered set as it was when it was answered.
redis.call('ZREMRANGEBYSCORE', s, '-inf', now - span)
local excess = redis.call('ZCARD', s) - math.min(limit, ${MAX_TRACKED_CALLS})
if excess > 0 then redis.call('ZREMRANGEBYRANK', s, 0, excess - 1) end
`;

// ARGV[op] ticket, ARGV[op + 1] max wait. Returns {kind, a, b}.
const RESERVE_SCRIPT = `${PRELUDE}
local ticket, maxWait = ARGV[op], tonumber(ARGV[op + 1])
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

// ARGV[op] ticket.
const ADMIT_SCRIPT = `${PRELUDE}
local ticket = ARGV[op]
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

// ARGV[op] ticket.
const CANCEL_SCRIPT = `${PRELUDE}
redis.call('ZREM', p, ARGV[op])
redis.call('HDEL', f, ARGV[op])
return 1
`;

// Only the completed calls (ARGV[10] and after).
const COMPLETE_SCRIPT = `${PRELUDE}
return 1
`;

const SNAPSHOT_SCRIPT = `${PRELUDE}
local used = redis.call('ZCOUNT', s, '(' .. (now - span), '+inf') + redis.call('HLEN', f)
return {limit, W, learned and 1 or 0, used, redis.call('ZCARD', p), math.max(0, blocked - now)}
`;

const SAFE_OWNER = /^[A-Za-z0-9_.-]{1,64}$/;

/** A call answered but not yet recorded in Redis (see {@link createRedisBudgetStore}). */
interface Completion {
  readonly ticket: string;
  readonly observation: Observation;
  /** When it was answered, on the store's clock. */
  readonly at: number;
  /** When it was held, on the process's monotonic clock (for the delay). */
  readonly heldAt: number;
}

/** Completions of one budget waiting to be sent. */
interface PendingBudget {
  readonly key: BudgetKey;
  readonly defaults: GroupBudget;
  readonly completions: Completion[];
}

/** How long a completed call may wait to be recorded when no other command of its budget comes first. */
export const COMPLETION_DELAY_MS = 250;
/** Completions of one budget held at most before they are sent on their own. */
const MAX_HELD_COMPLETIONS = 32;
/** Budgets whose last sent headers this instance remembers. */
const MAX_REMEMBERED_HEADERS = 10_000;

/**
 * Creates the store on the app's Redis connection.
 *
 * One command per call in steady state: a call's completion (out of flight, into the answered set) whose headers
 * say what its budget already knows is held in the instance and sent with the next command of the same budget (the
 * next call's reservation), or on its own after {@link COMPLETION_DELAY_MS}. While held, the call still counts as in
 * flight, which counts against the limit exactly as an answered call does, so no instance ever sees more room than
 * there is; it is recorded with the time it was answered. A 429, a first answer, or headers that change the limit or
 * the window are sent at once (other instances must learn them now).
 */
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

  const text = (value: number | undefined): string =>
    value === undefined || !Number.isFinite(value) ? '' : String(Math.floor(value));

  // Ages of held completions on the store's clock (tests) or the process's monotonic one.
  const clock = options.now ?? (() => performance.now());
  const held = new Map<string, PendingBudget>();
  let timer: NodeJS.Timeout | undefined;
  // The limit and window this instance last sent per budget (`limit:window`), to tell news from repeats.
  const sentHeaders = new Map<string, string>();

  const idOf = (key: BudgetKey): string => `${key.group}\n${key.owner}`;

  /** Takes the completions held for `key` (they go with the command being sent). */
  function take(key: BudgetKey): Completion[] {
    const id = idOf(key);
    const pending = held.get(id);
    if (pending === undefined) return [];
    held.delete(id);
    return pending.completions;
  }

  function completionArgs(completions: readonly Completion[]): string[] {
    const t = clock();
    const args = [String(completions.length)];
    for (const { ticket, observation, at } of completions) {
      args.push(
        ticket,
        text(observation.limit),
        text(observation.remaining),
        text(observation.windowMs),
        text(observation.retryAfterMs),
        String(Math.max(0, Math.floor(t - at))),
      );
    }
    return args;
  }

  async function run(script: string, key: BudgetKey, defaults: GroupBudget, extra: string[]): Promise<unknown> {
    const completions = take(key);
    const args = [...keysOf(key), ...common(defaults), ...completionArgs(completions), ...extra];
    try {
      try {
        return await client.evalsha(shaOf(script), 4, ...args);
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return await client.eval(script, 4, ...args);
      }
    } catch (err) {
      // Not recorded: held again, so they still count as sent when Redis is back (until then, in flight).
      if (completions.length > 0) hold(key, defaults, completions);
      throw err;
    }
  }

  function hold(key: BudgetKey, defaults: GroupBudget, completions: readonly Completion[]): void {
    const id = idOf(key);
    let pending = held.get(id);
    if (pending === undefined) {
      pending = { key, defaults, completions: [] };
      held.set(id, pending);
    }
    pending.completions.push(...completions);
    schedule();
  }

  /** Sets the timer for the oldest held completion, if none is set. */
  function schedule(): void {
    if (timer !== undefined || held.size === 0) return;
    let oldest = Infinity;
    for (const pending of held.values()) {
      for (const completion of pending.completions) oldest = Math.min(oldest, completion.heldAt);
    }
    const delay = Math.max(10, COMPLETION_DELAY_MS - (performance.now() - oldest));
    timer = setTimeout(() => void flushHeld(COMPLETION_DELAY_MS), delay);
    timer.unref();
  }

  /** Sends the completions of every budget holding one for at least `minAgeMs` (all with 0), one command each. */
  async function flushHeld(minAgeMs: number): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const t = performance.now();
    const due = [...held.values()].filter((p) => p.completions.some((c) => t - c.heldAt >= minAgeMs - 1));
    await Promise.all(due.map((p) => run(COMPLETE_SCRIPT, p.key, p.defaults, []).catch(() => undefined)));
    schedule();
  }

  /** True when `observation` tells the budget nothing new: it may wait for the budget's next command. */
  function isRepeat(key: BudgetKey, observation: Observation): boolean {
    if (observation.retryAfterMs !== undefined) return false;
    if (observation.limit === undefined || observation.windowMs === undefined) return false;
    const id = idOf(key);
    const headers = `${observation.limit}:${observation.windowMs}`;
    const last = sentHeaders.get(id);
    if (last === headers) return true;
    if (sentHeaders.size >= MAX_REMEMBERED_HEADERS) sentHeaders.clear();
    sentHeaders.set(id, headers);
    return false;
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
      const completion: Completion = { ticket, observation, at: clock(), heldAt: performance.now() };
      const pending = held.get(idOf(key));
      if (isRepeat(key, observation) && (pending?.completions.length ?? 0) < MAX_HELD_COMPLETIONS) {
        hold(key, defaults, [completion]);
        return;
      }
      hold(key, defaults, [completion]);
      await run(COMPLETE_SCRIPT, key, defaults, []);
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
    flush: () => flushHeld(0),
  };
}
