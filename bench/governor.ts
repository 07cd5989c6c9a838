/**
 * @module bench/governor
 * What the rate-limit governor's in-process budget store costs per RingCentral call: one `reserve` and one
 * `complete`, as every governed call makes, on a budget RingCentral's headers have taught (the benchmark's raised
 * limit, a billion a minute, so nothing waits), with N other calls held in flight the whole time (the calls of
 * other requests still waiting for RingCentral). It runs the store's own code in this process: no HTTP, no app.
 * Prints the median ns per call of 5 timed rounds (after 2 warm-up rounds) for each N.
 *
 * Run: `node --import tsx bench/governor.ts [in-flight...]` (default: 0 50 500).
 */
import { createMemoryBudgetStore } from '../src/governor/budget-store.js';
import { formatNumber, median } from './lib/stats.js';

const CALLS_PER_ROUND = 200_000;
const WARM_UP_ROUNDS = 2;
const ROUNDS = 5;
/** Bounds on what the command line may ask for. */
const MAX_IN_FLIGHT = 100_000;

async function nsPerCall(inFlight: number): Promise<number> {
  const store = createMemoryBudgetStore({ now: () => Date.now() });
  const key = { owner: 'bench-user', group: 'Medium' } as const;
  const defaults = { limit: 40, windowMs: 60_000 };
  const taught = { limit: 1_000_000_000, windowMs: 60_000, remaining: 999_999_999 };
  await store.reserve(key, 'probe', defaults, 0);
  await store.complete(key, 'probe', defaults, taught);
  for (let i = 0; i < inFlight; i++) {
    const outcome = await store.reserve(key, `held-${i}`, defaults, 0);
    if (outcome.kind !== 'go') throw new Error(`call ${i} held back (${outcome.kind}): the budget should have room`);
  }
  const results: number[] = [];
  let ticket = 0;
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS_PER_ROUND; i++) {
      const t = `call-${(ticket += 1)}`;
      const outcome = await store.reserve(key, t, defaults, 0);
      if (outcome.kind !== 'go') throw new Error(`call held back (${outcome.kind})`);
      await store.complete(key, t, defaults, taught);
    }
    if (round >= WARM_UP_ROUNDS) results.push(Number(process.hrtime.bigint() - started) / CALLS_PER_ROUND);
  }
  const snapshot = await store.snapshot(key, defaults);
  if (snapshot.used < inFlight) throw new Error(`${snapshot.used} calls counted, ${inFlight} held in flight`);
  return median(results);
}

const asked = process.argv.slice(2).map(Number);
if (asked.some((n) => !Number.isInteger(n) || n < 0 || n > MAX_IN_FLIGHT)) {
  console.error(`usage: node --import tsx bench/governor.ts [in-flight (0–${MAX_IN_FLIGHT})...]`);
  process.exit(2);
}
// One untimed pass first, so that the first figure printed does not carry the compiler's warm-up.
await nsPerCall(0);
for (const inFlight of asked.length > 0 ? asked : [0, 50, 500]) {
  const ns = await nsPerCall(inFlight);
  console.log(`${String(inFlight).padStart(6)} calls in flight: ${formatNumber(ns)} ns per call (reserve + complete)`);
}
