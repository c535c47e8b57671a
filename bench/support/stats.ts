/** The value at quantile `q` (0..1) of `values`, by rank (no interpolation); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The median by rank: the upper middle value of an even count. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
