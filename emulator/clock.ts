/**
 * @module emulator/clock
 * The emulator's notion of time: the real clock plus an offset that the control API moves forward, so tests expire
 * codes and tokens and leave rate-limit penalties without sleeping.
 */

/** Emulator time source. */
export interface EmulatorClock {
  /** Current emulator time, ms since the epoch. */
  now(): number;
  /** Moves the clock forward by `seconds` (≥ 0); returns the new time in ms. */
  advance(seconds: number): number;
  /** How far ahead of the real clock the emulator is, in ms. */
  offsetMs(): number;
  /** Back to real time (offset 0). */
  reset(): void;
}

/** Creates a clock over `realNow` (default `Date.now`). */
export function createClock(realNow: () => number = Date.now): EmulatorClock {
  let offset = 0;
  return {
    now: () => realNow() + offset,
    advance(seconds: number): number {
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new RangeError('advance: seconds must be a finite number >= 0');
      offset += Math.round(seconds * 1000);
      return realNow() + offset;
    },
    offsetMs: () => offset,
    reset(): void {
      offset = 0;
    },
  };
}
