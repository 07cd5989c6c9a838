/**
 * @module emulator/clock
 * The emulator's notion of time: the real clock plus an offset that the control API moves forward, so tests expire
 * codes and tokens and leave rate-limit penalties without sleeping. The offset is part of the emulator's saved state
 * (`persistence.ts`): tokens issued on a moved clock keep their meaning after a restart.
 */

/** Emulator time source. */
export interface EmulatorClock {
  /** Current emulator time, ms since the epoch. */
  now(): number;
  /** Moves the clock forward by `seconds` (≥ 0); returns the new time in ms. */
  advance(seconds: number): number;
  /** How far ahead of the real clock the emulator is, in ms. */
  offsetMs(): number;
  /** Sets the offset (a saved state being loaded); `ms` must be a whole number ≥ 0. */
  restoreOffset(ms: number): void;
  /** Back to real time (offset 0). */
  reset(): void;
}

/** Creates a clock over `realNow` (default `Date.now`); `onChange` is called whenever the offset moves. */
export function createClock(realNow: () => number = Date.now, onChange: () => void = () => undefined): EmulatorClock {
  let offset = 0;
  return {
    now: () => realNow() + offset,
    advance(seconds: number): number {
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new RangeError('advance: seconds must be a finite number >= 0');
      offset += Math.round(seconds * 1000);
      onChange();
      return realNow() + offset;
    },
    offsetMs: () => offset,
    restoreOffset(ms: number): void {
      if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('restoreOffset: ms must be a whole number >= 0');
      offset = ms;
    },
    reset(): void {
      offset = 0;
    },
  };
}
