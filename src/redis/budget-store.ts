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
  type ReserveOutcome,
} from '../governor/budget-model.js';
import { createBudgetIds, type BudgetKey, type BudgetStore } from '../governor/budget-store.js';
import { BudgetLeases, LEASE_MS, LEASE_SHARE, MAX_LEASE } from './budget-leases.js';

/** Options of {@link createRedisBudgetStore}. */
export interface RedisBudgetStoreOptions {
  /** The app's connection (shared with the session store). */
  readonly client: Redis | Cluster;
  /** Prefix of every key (the session store's, e.g. `rcaf:`). */
  readonly keyPrefix: string;
  readonly tuning?: Partial<BudgetTuning>;
  /** Clock for tests; default Redis's own `TIME`. */
  readonly now?: () => number;
  /** Slots a reservation may take at most, its own included (1: no leases). Default {@link MAX_LEASE}. */
  readonly maxLease?: number;
}

// KEYS: m s p f. ARGV: now ('' = TIME), default limit, default window, min margin, margin ratio, poll, stale plan,
// stale flight, ttl, then [10] n completed calls and 6 values each (ticket, limit, remaining, window ms, retry-after
// ms or '', ms since the answer), then r leased slots returned unused and their ids, then the operation's own values
// from ARGV[op]. Leaves: now, limit, W, learned, blocked, margin, span, poll, op, touch(); the completed calls are
// recorded first (`complete` below), and the returned slots leave the calls in flight.
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
-- What an answer's headers taught: the budget's limit and window, kept for every instance.
local function learn(newLimit, newWindow)
  limit, W, learned = newLimit, newWindow, true
  margin = math.max(tonumber(ARGV[4]), math.floor(W * tonumber(ARGV[5])))
  span = W + margin
  redis.call('HSET', m, 'limit', limit, 'window', W, 'learned', '1')
end
-- A call answered at \`done\`: out of flight, into the answered set, and what its headers said learnt.
local function complete(ticket, newLimit, remaining, newWindow, retry, done)
  local sentAt = tonumber(redis.call('HGET', f, ticket)) or done
  redis.call('HDEL', f, ticket)
  redis.call('ZREM', p, ticket)
  if newLimit and newWindow and newLimit >= 1 and newWindow >= 1 then learn(newLimit, newWindow) end
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
local r = 11 + 6 * tonumber(ARGV[10])
-- A batch of calls of a budget too large to pace (limit above ${MAX_TRACKED_CALLS}), all with the same headers and
-- no 429 (a busy budget's held completions): \`complete\` would only move each out of flight into the answered set,
-- and its pruning is done by the prune below, so one command of each kind does the same for all of them.
local batch = r > 17
local bl, bw = tonumber(ARGV[12]), tonumber(ARGV[14])
if batch then batch = bl ~= nil and bw ~= nil and bl > ${MAX_TRACKED_CALLS} and bw >= 1 end
if batch then
  for i = 11, r - 1, 6 do
    if tonumber(ARGV[i + 1]) ~= bl or tonumber(ARGV[i + 3]) ~= bw or ARGV[i + 4] ~= '' then
      batch = false
      break
    end
  end
end
if batch then
  local tickets, scored = {}, {}
  for i = 11, r - 1, 6 do
    tickets[#tickets + 1] = ARGV[i]
    scored[#scored + 1] = now - tonumber(ARGV[i + 5])
    scored[#scored + 1] = ARGV[i]
  end
  -- In chunks: Lua's unpack takes a few thousand values at most.
  for i = 1, #tickets, 1000 do
    local last = math.min(i + 999, #tickets)
    redis.call('HDEL', f, unpack(tickets, i, last))
    redis.call('ZREM', p, unpack(tickets, i, last))
  end
  if not learned or limit ~= bl or W ~= bw then learn(bl, bw) end
  for i = 1, #scored, 2000 do redis.call('ZADD', s, unpack(scored, i, math.min(i + 1999, #scored))) end
else
  for i = 11, r - 1, 6 do
    complete(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]),
      now - tonumber(ARGV[i + 5]))
  end
end
local op = r + 1 + tonumber(ARGV[r])
for i = r + 1, op - 1 do redis.call('HDEL', f, ARGV[i]) end
if op > 12 then touch() end
-- Pruned after the completed calls: each was recorded against the answered set as it was when it was answered.
redis.call('ZREMRANGEBYSCORE', s, '-inf', now - span)
local excess = redis.call('ZCARD', s) - math.min(limit, ${MAX_TRACKED_CALLS})
if excess > 0 then redis.call('ZREMRANGEBYRANK', s, 0, excess - 1) end
`;

// ARGV[op] ticket, ARGV[op + 1] max wait, ARGV[op + 2] slots wanted (1: the call's own; more: a lease, see
// \`budget-leases.ts\`). Returns {kind, a, b}, and for 'go' the leased slots beyond the call's own as a fourth value:
// named \`<ticket>~1\` … \`<ticket>~n\`, in flight from now like the call itself. A lease needs a learnt budget and
// takes at most 1/${LEASE_SHARE} of the room left, so other instances keep room to plan in.
const RESERVE_SCRIPT = `${PRELUDE}
local ticket, maxWait, want = ARGV[op], tonumber(ARGV[op + 1]), tonumber(ARGV[op + 2])
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
    local extra = 0
    if learned and want > 1 then extra = math.max(0, math.min(want - 1, math.floor((limit - n - 1) / ${LEASE_SHARE}))) end
    local fields = {ticket, now}
    for i = 1, extra do
      fields[#fields + 1] = ticket .. '~' .. i
      fields[#fields + 1] = now
    end
    redis.call('HSET', f, unpack(fields))
    touch()
    return {'go', 0, 0, extra}
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

// Only the completed calls and returned slots (ARGV[10] and after).
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
}

/** What one budget holds back: completions, and leased slots to return unused. */
interface PendingBudget {
  readonly key: BudgetKey;
  readonly defaults: GroupBudget;
  readonly completions: Completion[];
  readonly returns: string[];
  /** When the oldest of them was held, on the process's monotonic clock. */
  heldAt: number;
}

/** How long a completed call may wait to be recorded when no other command of its budget comes first. */
export const COMPLETION_DELAY_MS = 250;
/** Completions of one budget held at most before they are sent on their own (two full leases' worth). */
const MAX_HELD_COMPLETIONS = 2 * MAX_LEASE;
/** Budgets whose last sent headers this instance remembers. */
const MAX_REMEMBERED_HEADERS = 10_000;

const GO: ReserveOutcome = Object.freeze({ kind: 'go' });

/**
 * Creates the store on the app's Redis connection.
 *
 * Few commands per call in steady state:
 * - A busy budget's reservation takes a lease of further slots (`budget-leases.ts`): the instance's next calls of
 *   that budget go on them without a command, for at most {@link LEASE_MS}.
 * - A call's completion (out of flight, into the answered set) whose headers say what its budget already knows is
 *   held in the instance and sent with the next command of the same budget (the next reservation), or on its own
 *   after {@link COMPLETION_DELAY_MS}. While held, the call still counts as in flight, which counts against the limit
 *   exactly as an answered call does, so no instance ever sees more room than there is; it is recorded with the time
 *   it was answered. A 429, a first answer, or headers that change the limit or the window are sent at once (other
 *   instances must learn them now), and a 429 also returns the budget's lease.
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
  // The limit and window this instance last sent per budget, to tell news from repeats.
  const sentHeaders = new Map<string, { readonly limit: number; readonly windowMs: number }>();
  const maxLease = Math.max(1, Math.min(MAX_LEASE, Math.floor(options.maxLease ?? MAX_LEASE)));
  const leases = new BudgetLeases(clock);
  let leaseTimer: NodeJS.Timeout | undefined;

  const idOf = createBudgetIds();

  /** Takes what is held for `key` (it goes with the command being sent). */
  function take(key: BudgetKey): PendingBudget | undefined {
    const id = idOf(key);
    const pending = held.get(id);
    if (pending !== undefined) held.delete(id);
    return pending;
  }

  function pendingArgs(pending: PendingBudget | undefined): string[] {
    if (pending === undefined) return ['0', '0'];
    const t = clock();
    const args = [String(pending.completions.length)];
    for (const { ticket, observation, at } of pending.completions) {
      args.push(
        ticket,
        text(observation.limit),
        text(observation.remaining),
        text(observation.windowMs),
        text(observation.retryAfterMs),
        String(Math.max(0, Math.floor(t - at))),
      );
    }
    args.push(String(pending.returns.length), ...pending.returns);
    return args;
  }

  async function run(script: string, key: BudgetKey, defaults: GroupBudget, extra: string[]): Promise<unknown> {
    const pending = take(key);
    const args = [...keysOf(key), ...common(defaults), ...pendingArgs(pending), ...extra];
    try {
      try {
        return await client.evalsha(shaOf(script), 4, ...args);
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return await client.eval(script, 4, ...args);
      }
    } catch (err) {
      // Not recorded: held again, so they still count as sent when Redis is back (until then, in flight).
      if (pending !== undefined) hold(key, defaults, pending.completions, pending.returns);
      throw err;
    }
  }

  function hold(
    key: BudgetKey,
    defaults: GroupBudget,
    completions: readonly Completion[],
    returns: readonly string[] = [],
  ): PendingBudget {
    const id = idOf(key);
    let pending = held.get(id);
    if (pending === undefined) {
      pending = { key, defaults, completions: [], returns: [], heldAt: performance.now() };
      held.set(id, pending);
    }
    pending.completions.push(...completions);
    pending.returns.push(...returns);
    schedule();
    return pending;
  }

  /** Sets the timer for the oldest held budget, if none is set. */
  function schedule(): void {
    if (timer !== undefined || held.size === 0) return;
    let oldest = Infinity;
    held.forEach((pending) => {
      oldest = Math.min(oldest, pending.heldAt);
    });
    const delay = Math.max(10, COMPLETION_DELAY_MS - (performance.now() - oldest));
    timer = setTimeout(() => void flushHeld(COMPLETION_DELAY_MS), delay);
    timer.unref();
  }

  /** Sends what every budget has held for at least `minAgeMs` (all with 0), one command each. */
  async function flushHeld(minAgeMs: number): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const t = performance.now();
    const due = [...held.values()].filter((p) => t - p.heldAt >= minAgeMs - 1);
    await Promise.all(due.map((p) => run(COMPLETE_SCRIPT, p.key, p.defaults, []).catch(() => undefined)));
    schedule();
  }

  /** Returns the slots of leases that ran out of time (all of them with `all`), and keeps sweeping while any live. */
  function sweepLeases(all = false): Promise<void> {
    if (leaseTimer !== undefined) clearTimeout(leaseTimer);
    leaseTimer = undefined;
    const returned = leases.expire(all);
    const sends = returned.map(({ key, defaults, slots }) => {
      hold(key, defaults, [], slots);
      return run(COMPLETE_SCRIPT, key, defaults, []).catch(() => undefined);
    });
    if (!all) watchLeases();
    return Promise.all(sends).then(() => undefined);
  }

  function watchLeases(): void {
    if (leaseTimer !== undefined || leases.size === 0) return;
    leaseTimer = setTimeout(() => void sweepLeases(), LEASE_MS);
    leaseTimer.unref();
  }

  /** True when `observation` tells the budget nothing new: it may wait for the budget's next command. */
  function isRepeat(key: BudgetKey, observation: Observation): boolean {
    if (observation.retryAfterMs !== undefined) return false;
    if (observation.limit === undefined || observation.windowMs === undefined) return false;
    const id = idOf(key);
    const last = sentHeaders.get(id);
    if (last !== undefined && last.limit === observation.limit && last.windowMs === observation.windowMs) return true;
    if (sentHeaders.size >= MAX_REMEMBERED_HEADERS) sentHeaders.clear();
    sentHeaders.set(id, { limit: observation.limit, windowMs: observation.windowMs });
    return false;
  }

  const numberAt = (reply: unknown, i: number): number => Number((reply as unknown[])[i]);
  const kindOf = (reply: unknown): string => String((reply as unknown[])[0]);

  /** One reservation in Redis, asking for a lease when the budget is busy. */
  async function reserveInRedis(
    id: string,
    key: BudgetKey,
    ticket: string,
    defaults: GroupBudget,
    maxWaitMs: number,
  ): Promise<ReserveOutcome> {
    let settle: (value: unknown) => void = () => undefined;
    const asked = new Promise((resolve) => {
      settle = resolve;
    });
    const want = maxLease > 1 ? Math.min(maxLease, leases.ask(id, key, defaults, asked)) : 1;
    watchLeases();
    try {
      const reply = await run(RESERVE_SCRIPT, key, defaults, [
        ticket,
        String(Math.max(0, Math.floor(maxWaitMs))),
        String(want),
      ]);
      switch (kindOf(reply)) {
        case 'go': {
          const extra = numberAt(reply, 3);
          if (extra > 0) {
            const left = leases.grant(id, ticket, extra);
            if (left.length > 0) hold(key, defaults, [], left);
          }
          return GO;
        }
        case 'wait':
          return { kind: 'wait', waitMs: numberAt(reply, 1) };
        case 'poll':
          return { kind: 'poll', waitMs: numberAt(reply, 1), slotMs: numberAt(reply, 2) };
        default:
          return { kind: 'full', retryAfterMs: numberAt(reply, 1) };
      }
    } finally {
      settle(undefined);
    }
  }

  return {
    kind: 'redis',
    async reserve(key, ticket, defaults, maxWaitMs) {
      const id = idOf(key);
      // A slot of this instance's lease, or of the lease the reservation on its way may bring (waited for twice at
      // most, so that calls of a budget with no room left soon ask Redis themselves).
      for (let round = 0; ; round += 1) {
        if (leases.take(id, ticket)) return GO;
        const asking = leases.asking(id);
        if (asking === undefined || round === 2) break;
        await asking;
      }
      return reserveInRedis(id, key, ticket, defaults, maxWaitMs);
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
      const slot = leases.release(ticket);
      await run(CANCEL_SCRIPT, key, defaults, [slot]);
    },
    async complete(key, ticket, defaults, observation: Observation) {
      const id = idOf(key);
      const completion: Completion = { ticket: leases.release(ticket), observation, at: clock() };
      // The budget is tighter than this instance's lease assumed: its unused slots go back with this completion.
      const tighter =
        observation.retryAfterMs !== undefined ||
        (observation.remaining !== undefined && observation.remaining < leases.unused(id));
      const returns = tighter ? leases.drop(id) : [];
      const repeat = isRepeat(key, observation) && returns.length === 0;
      const pending = hold(key, defaults, [completion], returns);
      if (repeat && pending.completions.length <= MAX_HELD_COMPLETIONS) return;
      await run(COMPLETE_SCRIPT, key, defaults, []);
    },
    async snapshot(key, defaults) {
      const reply = await run(SNAPSHOT_SCRIPT, key, defaults, []);
      return {
        limit: numberAt(reply, 0),
        windowMs: numberAt(reply, 1),
        learned: numberAt(reply, 2) === 1,
        // Slots this instance leased and has not used are not calls.
        used: Math.max(0, numberAt(reply, 3) - leases.unused(idOf(key))),
        planned: numberAt(reply, 4),
        blockedForMs: numberAt(reply, 5),
      };
    },
    flush: async () => {
      await sweepLeases(true);
      await flushHeld(0);
    },
  };
}
