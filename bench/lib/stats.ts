/**
 * @module bench/lib/stats
 * Small statistics over measured samples: median, percentiles, formatting.
 */

/** The median of `values` (NaN for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The `p`-th percentile (0–100) of `values`, nearest-rank (NaN for an empty list). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** `1234567` → `1,234,567`; fractions keep `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return `${formatNumber(value, 0)} ms`;
  if (Math.abs(value) >= 10) return `${formatNumber(value, 1)} ms`;
  return `${formatNumber(value, 2)} ms`;
}

/** Bytes in MB of 2^20 bytes (the unit `ps` and `/proc` use for RSS). */
export function formatMb(bytes: number): string {
  return `${formatNumber(bytes / (1024 * 1024), 1)} MB`;
}
