/** The z of the 99th percentile of the standard normal, as the LogNormal distribution uses it. */
const Z_99 = 2.3263;

export type FittedDuration = { readonly duration_ms: number } | { readonly duration: { readonly LogNormal: { readonly median_ms: number; readonly p99_ms: number } } };

/**
 * A Sleep's or Compute's duration fitted to the times seen: the time itself from one trace (or
 * when all agree), otherwise the LogNormal with the same mean and variance (moments: σ² =
 * ln(1 + v/m²), median = m / √(1 + v/m²)), the usual shape of latency, never below zero.
 * `wholeMs` rounds a fixed time to whole ms, as a Sleep's duration_ms must be.
 */
export function fitDuration(samples: readonly number[], wholeMs: boolean): FittedDuration {
  const mean = samples.reduce((sum, value) => sum + value, 0) / Math.max(1, samples.length);
  const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, samples.length);
  // Below a microsecond of spread the times agree: a distribution would only add noise.
  const fixed = { duration_ms: wholeMs ? Math.round(mean) : roundTo(mean, 3) };
  if (samples.length < 2 || mean <= 0 || Math.sqrt(variance) < 0.001) return fixed;
  const spread = 1 + variance / mean ** 2;
  const median = mean / Math.sqrt(spread);
  if (roundTo(median, 3) <= 0) return fixed;
  const p99 = median * Math.exp(Z_99 * Math.sqrt(Math.log(spread)));
  return { duration: { LogNormal: { median_ms: roundTo(median, 3), p99_ms: Math.max(roundTo(p99, 3), roundTo(median, 3)) } } };
}

export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
