/**
 * The governor over the in-process store, on a fake clock whose sleeps move it: it learns each budget from
 * RingCentral's headers, waits (bounded) or refuses with `RCAPP_RATE_LIMITED` "try again in N s", honours a 429's
 * `Retry-After` for every caller, cancels an aborted wait, counts a call that got no answer, goes ungoverned when the
 * store fails, and reports waits and refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryBudgetStore, type BudgetStore } from '../../../src/governor/budget-store.js';
import {
  createRateGovernor,
  observationOf,
  rateLimitedError,
  type AnswerView,
  type GovernorSleep,
} from '../../../src/governor/rate-governor.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
}

const view = (answer: Answer): AnswerView => ({
  status: answer.status,
  header: (name) => answer.headers[name],
});

function heavy(limit: number, windowSeconds: number, remaining: number, status = 200, extra = {}): Answer {
  return {
    status,
    headers: {
      'x-rate-limit-group': 'Heavy',
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-window': String(windowSeconds),
      'x-rate-limit-remaining': String(remaining),
      ...extra,
    },
  };
}

function rig(options: { maxWaitMs?: number; store?: BudgetStore } = {}) {
  const clock = { now: 1_800_000_000_000 };
  const sleeps: number[] = [];
  const sleep: GovernorSleep = (ms, signal) => {
    signal?.throwIfAborted();
    sleeps.push(ms);
    clock.now += ms;
    return Promise.resolve();
  };
  const waited: number[] = [];
  const shed: string[] = [];
  const warnings: unknown[] = [];
  const governor = createRateGovernor({
    store: options.store ?? createMemoryBudgetStore({ now: () => clock.now }),
    maxWaitMs: options.maxWaitMs ?? 10_000,
    now: () => clock.now,
    sleep,
    metrics: { waited: (_group, ms) => waited.push(ms), shed: (group) => shed.push(group) },
    logger: { warn: (...args: unknown[]) => void warnings.push(args) },
  });
  const call = (answer: Answer, owner = '101', extra = {}) =>
    governor.run({ owner, group: 'Heavy', ...extra }, () => Promise.resolve(answer), view);
  return { clock, sleeps, waited, shed, warnings, governor, call };
}

describe('rate governor', () => {
  it('learns the budget from the first answer, then waits a window for the next batch', async () => {
    const r = rig();
    // RingCentral allows 2 per 1 s; the first answer says so.
    assert.equal((await r.call(heavy(2, 1, 1))).status, 200);
    await r.call(heavy(2, 1, 0));
    assert.deepEqual(r.sleeps, [], 'two calls went at once');
    await r.call(heavy(2, 1, 1));
    assert.deepEqual(r.sleeps, [1050], 'the third waited a window plus the 50 ms margin');
    assert.deepEqual(r.waited, [1050]);
  });

  it('a wait beyond the bound is refused at once with "try again in N s"', async () => {
    const r = rig({ maxWaitMs: 5_000 });
    await r.call(heavy(1, 60, 0));
    await assert.rejects(r.call(heavy(1, 60, 0)), (err: unknown) => {
      assert.ok(err instanceof Error);
      const e = err as Error & { code?: string; status?: number; retryAfterSeconds?: number };
      assert.equal(e.code, 'RCAPP_RATE_LIMITED');
      assert.equal(e.status, 429);
      assert.equal(e.retryAfterSeconds, 62, '60 s window + 1.2 s margin, rounded up');
      assert.equal(e.message, 'your RingCentral rate limit for "Heavy" requests is used up for now; try again in 62 s');
      return true;
    });
    assert.deepEqual(r.sleeps, [], 'refused without waiting');
    assert.deepEqual(r.shed, ['Heavy']);
    const limited = await r.call(heavy(1, 60, 0), '102');
    assert.equal(limited.status, 200, "another user's budget is untouched");
  });

  it("a 429's Retry-After closes the group for every caller of that user until it has passed", async () => {
    const r = rig({ maxWaitMs: 5_000 });
    const answer = await r.call(heavy(10, 60, 0, 429, { 'retry-after': '30' }));
    assert.equal(answer.status, 429, "RingCentral's 429 itself is returned to the caller");
    await assert.rejects(r.call(heavy(10, 60, 9)), { code: 'RCAPP_RATE_LIMITED', retryAfterSeconds: 32 });
    r.clock.now += 27_000;
    assert.equal((await r.call(heavy(10, 60, 9))).status, 200, 'a wait under the bound is waited out');
    assert.deepEqual(r.sleeps, [4_200]);
  });

  it('until the budget is known, calls beyond the documented one poll and are refused at the bound', async () => {
    const r = rig({ maxWaitMs: 100 });
    const answers: Promise<Answer>[] = [];
    let release: (a: Answer) => void = () => undefined;
    const pending = new Promise<Answer>((resolve) => (release = resolve));
    // Ten Heavy calls (RingCentral's documented budget) are in flight, unanswered.
    for (let i = 0; i < 10; i++) {
      answers.push(r.governor.run({ owner: '101', group: 'Heavy' }, () => pending, view));
    }
    await assert.rejects(r.call(heavy(10, 60, 0)), { code: 'RCAPP_RATE_LIMITED', retryAfterSeconds: 62 });
    assert.deepEqual(r.sleeps, [20, 20, 20, 20, 20], 'polled for the budget, 100 ms in all');
    release(heavy(100, 60, 90));
    await Promise.all(answers);
    assert.equal((await r.call(heavy(100, 60, 89))).status, 200, 'learnt: room for more');
  });

  it('an aborted wait rejects with the reason and gives its place back', async () => {
    const r = rig();
    await r.call(heavy(1, 1, 0));
    const controller = new AbortController();
    controller.abort(new Error('the client left'));
    await assert.rejects(r.call(heavy(1, 1, 0), '101', { signal: controller.signal }), /the client left/);
    const snapshot = await r.governor.snapshot('101', 'Heavy');
    assert.equal(snapshot.planned, 0);
  });

  it('a call that got no answer still counts against the budget', async () => {
    const r = rig();
    await r.call(heavy(2, 1, 1));
    await assert.rejects(
      r.governor.run<Answer>({ owner: '101', group: 'Heavy' }, () => Promise.reject(new Error('ECONNRESET')), view),
      /ECONNRESET/,
    );
    assert.equal((await r.governor.snapshot('101', 'Heavy')).used, 2);
  });

  it('record() counts a call made without a slot (the login code exchange) and learns from it', async () => {
    const r = rig();
    await r.governor.record('101', 'Auth', view(heavy(5, 60, 4)));
    const snapshot = await r.governor.snapshot('101', 'Auth');
    assert.equal(snapshot.used, 1);
    assert.equal(snapshot.learned, false, 'headers of another group do not teach the Auth budget');
  });

  it('when the store fails, calls go ungoverned and one warning is logged', async () => {
    const failing: BudgetStore = {
      kind: 'redis',
      reserve: () => Promise.reject(new Error('Connection is closed.')),
      admit: () => Promise.reject(new Error('down')),
      cancel: () => Promise.reject(new Error('down')),
      complete: () => Promise.reject(new Error('down')),
      snapshot: () => Promise.reject(new Error('down')),
      flush: () => Promise.reject(new Error('down')),
    };
    const r = rig({ store: failing });
    for (let i = 0; i < 3; i++) assert.equal((await r.call(heavy(1, 60, 0))).status, 200);
    assert.equal(r.warnings.length, 1);
    assert.match(JSON.stringify(r.warnings[0]), /RingCentral calls go ungoverned/);
  });
});

describe('observationOf', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  it('reads limit, window (to ms) and remaining of its own group, and a 429 Retry-After', () => {
    assert.deepEqual(observationOf(view(heavy(10, 60, 3)), 'Heavy', at), { limit: 10, windowMs: 60_000, remaining: 3 });
    assert.deepEqual(observationOf(view(heavy(10, 60, 0, 429, { 'retry-after': '45' })), 'Heavy', at), {
      limit: 10,
      windowMs: 60_000,
      remaining: 0,
      retryAfterMs: 45_000,
    });
  });
  it("another group's headers teach nothing; lower-case group names match; odd values are ignored", () => {
    assert.deepEqual(observationOf(view(heavy(10, 60, 3)), 'Light', at), {});
    const lower = { status: 200, headers: { ...heavy(10, 60, 3).headers, 'x-rate-limit-group': 'heavy' } };
    assert.deepEqual(observationOf(view(lower), 'Heavy', at), { limit: 10, windowMs: 60_000, remaining: 3 });
    const odd = { status: 200, headers: { 'x-rate-limit-limit': '-1', 'x-rate-limit-window': '1e3' } };
    assert.deepEqual(observationOf(view(odd), 'Heavy', at), {});
  });
  it('a 429 without Retry-After waits 30 s; an HTTP date is read', () => {
    assert.deepEqual(observationOf(view({ status: 429, headers: {} }), 'Heavy', at), { retryAfterMs: 30_000 });
    const dated = { status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:20 GMT' } };
    assert.deepEqual(observationOf(view(dated), 'Heavy', at), { retryAfterMs: 20_000 });
  });
  it('the refusal rounds up and never says 0 s', () => {
    assert.equal(rateLimitedError('Light', 1).retryAfterSeconds, 1);
    assert.equal(rateLimitedError('Light', 1001).retryAfterSeconds, 2);
  });
});
